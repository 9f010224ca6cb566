"""Tests of benchmarks/: the benchmarks' own guarantees."""
