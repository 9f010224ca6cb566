"""The editors' pages, one module per page area; access.py holds the shared access checks."""
