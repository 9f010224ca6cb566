"""App config for results: upstream client, what we store, sync and the editors' views."""

from django.apps import AppConfig


class ResultsConfig(AppConfig):
    name = "results"
    verbose_name = "Résultats"
