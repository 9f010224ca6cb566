"""App config for the sandbox, the local stand-in for the ministry's ARPENT API."""

from django.apps import AppConfig


class SandboxConfig(AppConfig):
    name = "sandbox"
    verbose_name = "Bac à sable ARPENT"
