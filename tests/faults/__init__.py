"""Failures survived on real processes: database outage, lost and shared work (marker faults)."""
