"""Upstream clients and file readers: HTTP or files only, no ORM; each returns plain records."""
