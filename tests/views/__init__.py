"""Tests of results/views: the editors' and staff's pages, title isolation, queries per page."""
