#!/usr/bin/env python
"""Django's command-line utility for the newsroom desk."""

import os
import sys

if __name__ == "__main__":
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "newsroom.settings")
    from django.core.management import execute_from_command_line

    from newsroom.startup import load_settings

    load_settings()

    execute_from_command_line(sys.argv)
