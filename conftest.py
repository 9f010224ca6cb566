"""Test runs are development runs: DEBUG=True set before Django reads its settings.

pytest-django reads the settings before it imports any conftest when pyproject.toml names them,
so they are named here instead, after DEBUG is set. Tests of production start their own
processes with an environment of their own (tests/processes.py, production_env).
"""

import os

import django

os.environ["DEBUG"] = "True"
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "newsroom.settings")
django.setup()
