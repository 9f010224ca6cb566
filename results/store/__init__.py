"""Storing what the sources gave: calendars, referentials, results, open data, tallies."""
