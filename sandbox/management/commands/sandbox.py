"""`manage.py sandbox`: set the sandbox's clock, rehearse a deliberation day, inject faults."""

from datetime import date, datetime

from django.core.management.base import BaseCommand, CommandError

from sandbox import clock, data
from sandbox.credentials import credentials
from sandbox.departements import BY_CODE
from sandbox.diplomas import FAILED
from sandbox.models import Fault

TIME_FORMATS = ("%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S")


class Command(BaseCommand):
    help = "Drive the local ARPENT stand-in: clock, rehearsal, faults, candidates' credentials."

    def add_arguments(self, parser):
        actions = parser.add_subparsers(dest="action", required=True)

        clock_parser = actions.add_parser("clock", help="show or set the sandbox's clock")
        clock_parser.add_argument("--set", dest="set_to", help='Paris time, "2026-06-23 17:00"')
        clock_parser.add_argument("--speed", type=float, help="sandbox seconds per real second")
        clock_parser.add_argument("--session-start", help="first day of the session, YYYY-MM-DD")
        clock_parser.add_argument("--reset", action="store_true", help="back to real time")

        rehearse = actions.add_parser(
            "rehearse", help="make today a deliberation day of a département, first jury soon"
        )
        rehearse.add_argument("--departement", required=True)
        rehearse.add_argument("--lead", type=float, default=5, help="seconds before the release")
        rehearse.add_argument("--speed", type=float, default=1.0)

        fault = actions.add_parser("fault", help="inject, list or clear faults")
        fault_actions = fault.add_subparsers(dest="fault_action", required=True)
        add = fault_actions.add_parser("add", help="add a fault")
        add.add_argument("kind", help=", ".join(Fault.Kind.values))
        add.add_argument("--endpoint", default="*", help=", ".join(Fault.Endpoint.values))
        add.add_argument("--departement", default="")
        add.add_argument("--times", type=int, help="how many responses (default: until cleared)")
        add.add_argument("--status", type=int)
        add.add_argument("--retry-after", type=int, help="seconds, for rate_limit")
        add.add_argument("--delay-ms", type=int, help="for latency and timeout")
        add.add_argument("--field", default="", help="for missing_field (default: nom)")
        fault_actions.add_parser("list", help="list faults")
        fault_actions.add_parser("clear", help="remove every fault")

        creds = actions.add_parser("credentials", help="print some candidates' E3 credentials")
        creds.add_argument("--departement", required=True)
        creds.add_argument("--limit", type=int, default=5)
        creds.add_argument(
            "--non-consenting",
            action="store_true",
            help="admitted candidates who are NOT in E2 (for verified additions)",
        )

    def handle(self, *args, action, **options):
        getattr(self, f"handle_{action}")(**options)

    def handle_clock(self, set_to=None, speed=None, session_start=None, reset=False, **options):
        if reset:
            clock.reset()
        elif set_to or speed is not None or session_start:
            virtual_now = parse_time(set_to) if set_to else clock.now()
            start = parse_date(session_start) if session_start else None
            if speed is not None and speed < 0:
                raise CommandError("--speed must not be negative")
            clock.set_clock(virtual_now, speed=1.0 if speed is None else speed, start=start)
        state = clock.describe()
        kind = "real time" if state["real"] else f"x{state['speed']:g}"
        self.stdout.write(f"Sandbox time: {state['now']:%Y-%m-%d %H:%M:%S %Z} ({kind})")
        self.stdout.write(f"Session starts: {state['session_start']:%Y-%m-%d}")

    def handle_rehearse(self, departement, lead, speed, **options):
        try:
            done = clock.rehearse(departement, lead_seconds=lead, speed=speed)
        except ValueError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(
            f"Département {departement}: session moved to start on "
            f"{done['session_start']:%Y-%m-%d}; today {done['date']:%Y-%m-%d} is its first "
            f"deliberation day. First release at {done['first_moment']:%H:%M} Paris, "
            f"sandbox time is now {done['virtual_now']:%H:%M:%S} (x{speed:g})."
        )

    def handle_fault(self, fault_action, **options):
        if fault_action == "add":
            fault = self.add_fault(**options)
            self.stdout.write(f"Added fault #{fault.pk}: {fault}")
        elif fault_action == "list":
            faults = list(Fault.objects.all())
            for fault in faults:
                self.stdout.write(f"#{fault.pk} {fault}")
            if not faults:
                self.stdout.write("No faults.")
        else:
            count, _ = Fault.objects.all().delete()
            self.stdout.write(f"Cleared {count} fault(s).")

    def add_fault(
        self, kind, endpoint, departement, times, status, retry_after, delay_ms, field, **options
    ):
        if kind not in Fault.Kind.values:
            raise CommandError(f"unknown kind {kind!r}; one of: {', '.join(Fault.Kind.values)}")
        if endpoint not in Fault.Endpoint.values:
            raise CommandError(
                f"unknown endpoint {endpoint!r}; one of: {', '.join(Fault.Endpoint.values)}"
            )
        if departement and departement not in BY_CODE:
            raise CommandError(f"unknown département {departement!r}")
        if times is not None and times < 1:
            raise CommandError("--times must be at least 1")
        if status is not None and not 400 <= status <= 599:
            raise CommandError("--status must be an HTTP error status, 400 to 599")
        return Fault.objects.create(
            kind=kind,
            endpoint=endpoint,
            departement=departement,
            remaining=times,
            status=status,
            retry_after=retry_after,
            delay_ms=delay_ms,
            field=field,
        )

    def handle_credentials(self, departement, limit, non_consenting, **options):
        if departement not in BY_CODE:
            raise CommandError(f"unknown département {departement!r}")
        start, now = clock.session_start(), clock.now()
        shown = 0
        for section in data.sections(departement, start):
            released = "released" if section.moment <= now else f"from {section.moment:%d/%m %H:%M}"
            for candidate in data.cohort(departement, section.option_index):
                if candidate.resultat == FAILED or candidate.consent == non_consenting:
                    continue
                ina, num_gestion = credentials(departement, section.option_index, candidate.index)
                self.stdout.write(
                    f"ina={ina} numGestion={num_gestion}  {candidate.nom} {candidate.prenoms}"
                    f"  ({section.filiere}, {section.option}; {candidate.resultat}; {released})"
                )
                shown += 1
                if shown >= limit:
                    return


def parse_time(text):
    for fmt in TIME_FORMATS:
        try:
            return datetime.strptime(text, fmt).replace(tzinfo=data.PARIS)
        except ValueError:
            continue
    raise CommandError(f'bad time {text!r}; expected "YYYY-MM-DD HH:MM" (Paris time)')


def parse_date(text):
    try:
        return date.fromisoformat(text)
    except ValueError as error:
        raise CommandError(f"bad date {text!r}; expected YYYY-MM-DD") from error
