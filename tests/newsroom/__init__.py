"""Tests of newsroom/: settings, sessions, logins, request limits, safe defaults."""
