"""Tests of layouts/: estimating, paginating and rendering the inserts (pure, no database)."""
