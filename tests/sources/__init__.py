"""Tests of results/sources: the upstream clients and their shared retry loop."""
