"""Versions of an insert and their files: building, storing, withdrawing, announcing them."""
