"""Tests of results/deliberation: the deliberation-day workflow, end to end."""
