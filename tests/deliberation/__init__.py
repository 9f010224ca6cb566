"""Tests of results/deliberation: the deliberation-day workflow (polling, jobs, retention), end to end."""
