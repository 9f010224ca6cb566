"""Tests of results/store: storing what the upstreams gave (sync, open data, objections)."""
