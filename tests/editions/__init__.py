"""Tests of results/editions: insert versions, their files and notices."""
