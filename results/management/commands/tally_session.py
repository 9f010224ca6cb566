"""Keep a session's counts (no names) so that next year's estimate learns its rates."""

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from results.store.rates import tally_session


class Command(BaseCommand):
    help = (
        "Enregistre, sans aucun nom, les effectifs de la session (candidats et noms publiés par "
        "diplôme et département) : l'estimation de l'année suivante en apprend ses taux."
    )

    def add_arguments(self, parser):
        parser.add_argument("--year", type=int, required=True, help="année de la session")

    def handle(self, year, **options):
        if not 2000 <= year <= 2100:
            raise CommandError(f"Année invalide : {year}")
        with transaction.atomic():
            rows = tally_session(year)
        if not rows:
            raise CommandError(f"Aucune ligne de calendrier pour la session {year}.")
        self.stdout.write(f"Session {year} : {rows} lignes d'effectifs enregistrées.")
