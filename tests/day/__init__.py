"""Tests of results/day: what a day prints (planning, embargo, additions, removals)."""
