"""Tests of sandbox/: the local stand-ins for the ministry's APIs."""
