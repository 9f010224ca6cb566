"""Erase the candidates' names once the retention period is over, keeping the counts."""

from django.conf import settings
from django.core.management.base import BaseCommand
from django.utils.formats import date_format

from results.deliberation.retention import purge


class Command(BaseCommand):
    help = (
        "Efface les noms des candidats (résultats, réponses brutes, encarts) "
        "RESULTS_RETENTION_DAYS jours après la dernière délibération de la session ; les "
        "effectifs sont conservés."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--dry-run", action="store_true", help="compter ce qui serait effacé, sans rien changer"
        )
        parser.add_argument(
            "--force", action="store_true", help="effacer sans attendre la date de purge"
        )

    def handle(self, dry_run, force, **options):
        report = purge(force=force, dry_run=dry_run)
        if report.objections_expired:
            verb = "seraient supprimées" if dry_run else "supprimées"
            self.stdout.write(
                f"Oppositions arrivées au terme de leur conservation : "
                f"{report.objections_expired} {verb}."
            )
        if report.purge_date is None:
            self.stdout.write("Aucun calendrier de délibérations : pas encore de date de purge.")
        elif not report.due:
            self.stdout.write(
                f"Purge prévue le {date_format(report.purge_date, 'j F Y')} "
                f"({settings.RESULTS_RETENTION_DAYS} jours après la dernière délibération) : "
                "rien n'est effacé avant (--force pour effacer dès maintenant)."
            )
        elif dry_run:
            self.stdout.write(f"Simulation, rien n'est modifié. La purge donnerait : {report}.")
        elif not report.total:
            self.stdout.write("Rien à effacer : les données personnelles ont déjà été purgées.")
        else:
            self.stdout.write(f"{report}.")
