"""Prepare the demo: a title following three départements, an editor, and a rehearsed day."""

import os
from pathlib import Path

import httpx2
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.files.base import ContentFile
from django.core.management.base import BaseCommand
from django.core.wsgi import get_wsgi_application
from django.db import transaction

from layouts.icc import icc_description
from results.deliberation import runs
from results.models import Membership, Title
from results.sources.arpent import ArpentClient
from results.sources.education import EducationClient
from results.sources.inserjeunes import InserJeunesClient
from results.store import opendata
from results.store.sync import sync_referentials
from sandbox import clock

FOLLOWED = ("30", "34", "48")
USERNAME = "redaction"
# Passes the password validators (12 characters at least), as every account's must.
DEFAULT_PASSWORD = "resultats-2026"
# Ghostscript's CMYK profile (Debian's libgs-common, AGPL, installed by scripts/setup) stands in
# for the printer's profile a real title uploads: it makes the demo's inserts PDF/X-4.
DEMO_ICC = Path("/usr/share/color/icc/ghostscript/default_cmyk.icc")


class Command(BaseCommand):
    help = (
        "Prépare la démo : le titre « La Gazette du Midi » suivant le Gard, l'Hérault et la "
        "Lozère, un compte de rédaction, et une journée de délibérations rejouée dans le bac à "
        "sable (le Gard délibère aujourd'hui, horloge accélérée)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--speed", type=float, default=10.0, help="accélération de l'horloge")
        parser.add_argument(
            "--lead", type=int, default=120, help="secondes (bac à sable) avant le premier jury"
        )

    def handle(self, speed, lead, **options):
        password = os.getenv("DEMO_PASSWORD", DEFAULT_PASSWORD)
        rehearsal = clock.rehearse(FOLLOWED[0], lead_seconds=lead, speed=speed)
        # The web server is not up yet: talk to the sandbox in-process, through WSGI.
        transport = httpx2.WSGITransport(app=get_wsgi_application())
        with ArpentClient("http://127.0.0.1/arpent-resultats-api", transport=transport) as client:
            sync_referentials(client)
            with transaction.atomic():
                title, _ = Title.objects.get_or_create(
                    slug="gazette-du-midi",
                    defaults={"name": "La Gazette du Midi", "outlook_notes": True},
                )
                title.departements.add(*FOLLOWED)
                if not title.icc_profile and DEMO_ICC.exists():
                    data = DEMO_ICC.read_bytes()
                    title.output_condition = icc_description(data)
                    title.icc_profile.save(DEMO_ICC.name, ContentFile(data))
                user, _ = get_user_model().objects.get_or_create(username=USERNAME)
                user.set_password(password)
                user.first_name = "Rédaction"
                # The demo editor may also open the admin, to inject sandbox faults.
                user.is_staff = user.is_superuser = True
                user.save()
                Membership.objects.get_or_create(
                    user=user, title=title, defaults={"role": Membership.Role.ADMIN}
                )
            for code in FOLLOWED:
                runs.run_calendar(client, code)
        # The planning desk's context and the inserts' outlook notes, from their stand-ins.
        with EducationClient("http://127.0.0.1", transport=transport) as open_data:
            for code in FOLLOWED:
                opendata.refresh_departement(code, client=open_data)
        with InserJeunesClient("http://127.0.0.1", transport=transport) as inserjeunes:
            opendata.refresh_employment(client=inserjeunes)

        url = f"http://127.0.0.1:{settings.PORT}/"
        first = rehearsal["first_moment"].strftime("%H:%M")
        self.stdout.write(
            "\n".join(
                [
                    "",
                    "=" * 72,
                    "  Desk résultats — démo prête",
                    f"  Ouvrez {url}",
                    f"  Identifiant : {USERNAME}    Mot de passe : {password}",
                    f"  Titre « {title.name} » : Gard (30), Hérault (34), Lozère (48)",
                    f"  Bac à sable : le Gard délibère aujourd'hui, premier jury à {first}"
                    f" (heure du bac à sable, horloge ×{speed:g}).",
                    f"  Administration : {url}admin/   (pannes du bac à sable : Faults)",
                    "=" * 72,
                    "",
                ]
            )
        )
