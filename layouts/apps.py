"""App config for layouts: space estimate, pagination and PDF rendering."""

from django.apps import AppConfig


class LayoutsConfig(AppConfig):
    name = "layouts"
    verbose_name = "Mise en page"
