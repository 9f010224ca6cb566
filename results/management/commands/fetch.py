"""Fetch départements' calendars and results now, by hand, through the workers' own path."""

from django.core.management.base import BaseCommand, CommandError

from results import logcontext
from results.deliberation import jobs, runs
from results.models import Departement, Fetch, Job
from results.sources.arpent import ArpentClient, ArpentError
from results.tasks import dispatch

# A usage error, as argparse's: the operator typed something wrong, no upstream was called.
USAGE_ERROR = 2


class Command(BaseCommand):
    help = (
        "Interroge ARPENT pour les départements donnés : calendrier puis résultats, enregistrés "
        "comme le font les tâches (enregistrement des appels, synchronisation atomique, encarts "
        "à regénérer envoyés aux workers). Une ligne par appel ; code de sortie 0 si tous les "
        "appels ont réussi, 1 sinon."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "codes", nargs="+", metavar="DEPT", help="code de département (30, 2A…)"
        )

    def handle(self, codes, **options):
        departements = departements_of(codes)
        failures = 0
        with ArpentClient.from_settings() as client:
            for departement in departements:
                with logcontext.bind(departement_code=departement.code):
                    failures += not self.calendar(client, departement)
                    failures += not self.results(departement)
        calls = 2 * len(departements)
        if failures:
            raise CommandError(f"{failures} appel(s) sur {calls} en échec.", returncode=1)
        self.stdout.write(f"{calls} appel(s) réussi(s).")

    def calendar(self, client, departement):
        """What the daily refresh_calendars task does for one département."""
        try:
            report = runs.run_calendar(client, departement.code)
        except ArpentError as error:
            return self.line(departement, "calendrier", "échec", str(error))
        return self.reported(departement, "calendrier", report)

    def results(self, departement):
        """A fetch job run here as a worker runs it (tasks.fetch_results): recorded on the
        job, in the titles' audit trails, and the rebuilds it starts go to the workers."""
        job = jobs.claim(
            Job.objects.create(kind=Job.Kind.FETCH_RESULTS, departement=departement).pk
        )
        try:
            with logcontext.bind_job(job), jobs.keeping_alive(job):
                report, builds = runs.run_fetch(job)
        except ArpentError as error:
            runs.fail_fetch(job, str(error))
            return self.line(departement, "résultats", "échec", str(error))
        for build in builds:
            dispatch(build)
        return self.reported(departement, "résultats", report)

    def reported(self, departement, what, report):
        if report.outcome == Fetch.Outcome.REJECTED:
            # The upstream answered, but what it said was not stored: not a success.
            return self.line(departement, what, "réponse rejetée", str(report))
        return self.line(departement, what, "réussi", str(report))

    def line(self, departement, what, outcome, detail):
        succeeded = outcome == "réussi"
        text = f"{departement.code} {departement.name} — {what} : {outcome} — {detail}"
        self.stdout.write(text, self.style.SUCCESS if succeeded else self.style.ERROR)
        return succeeded


def departements_of(codes):
    """The départements named, in the order given; a code not in the referential stops all."""
    known = Departement.objects.in_bulk([code.upper() for code in codes])
    unknown = [code for code in codes if code.upper() not in known]
    if unknown:
        raise CommandError(
            f"Département(s) inconnu(s) : {', '.join(unknown)}. Aucun appel n'a été fait ; "
            "les codes sont ceux du référentiel (30, 2A, 971…).",
            returncode=USAGE_ERROR,
        )
    return [known[code] for code in dict.fromkeys(code.upper() for code in codes)]
