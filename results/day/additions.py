"""Verified additions: a candidate missing from the list, checked admitted through E3."""

from contextlib import nullcontext
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.views.decorators.debug import sensitive_variables

from layouts.compose import MAIN_RESULTS, printed_name, sort_key

from .. import audit
from ..models import Addition, AuditEvent, CalendarRow, Result, VerificationFailure
from ..sources.arpent import ArpentClient, ArpentError, ArpentRefused
from .embargo import is_released

ADDITIF = "Additif"


class NotVerified(Exception):
    """The transcript does not allow the addition; the message is for the editor. `counts`:
    whether it counts against the editor's failure limit (a guess, not a service outage).

    `summary` is what the audit trail keeps: the reason, never a value of the transcript or of
    the upstream's error (a name, a credential, a result that is not an admission), since the
    trail is append-only and nothing would ever erase them.
    """

    def __init__(self, message, *, summary, counts=True):
        super().__init__(message)
        self.summary = summary
        self.counts = counts


def contract_key(title):
    keys = settings.ARPENT_CONTRACT_KEYS
    return keys.get(title.slug) or keys.get("*", "")


def failures_window_start(now):
    return now - timedelta(minutes=settings.ADDITION_FAILURE_WINDOW_MIN)


def blocked_until(user, now=None):
    """When the editor may try again, if their recent failures reached the limit."""
    now = now or timezone.now()
    recent = list(
        VerificationFailure.objects.filter(user=user, at__gte=failures_window_start(now))
        .order_by("-at")
        .values_list("at", flat=True)[: settings.ADDITION_FAILURE_LIMIT]
    )
    if len(recent) < settings.ADDITION_FAILURE_LIMIT:
        return None
    return recent[-1] + timedelta(minutes=settings.ADDITION_FAILURE_WINDOW_MIN)


@sensitive_variables("ina", "num_gestion", "key")
def verify_and_add(title, ina, num_gestion, user, *, client=None, on_added=None):
    """Ask E3 for the candidate's transcript and, if it shows them admitted this session in one
    of the title's départements, add them to the additif of their insert. The credentials are
    used for the one call and forgotten: never stored, never logged. `on_added(addition)` runs
    in the addition's transaction: what the caller queues for it (its insert's build) is stored
    with it or not at all."""
    until = blocked_until(user)
    if until:
        raise NotVerified(
            f"Trop de vérifications échouées : réessayez après {timezone.localtime(until):%H:%M}.",
            summary="trop de vérifications échouées",
            counts=False,
        )
    key = contract_key(title)
    if not key:
        raise NotVerified(
            "Ce titre n'a pas de clé de contrat ARPENT : l'administrateur la donne dans la "
            "variable d'environnement ARPENT_CONTRACT_KEYS.",
            summary="pas de clé de contrat ARPENT",
            counts=False,
        )
    try:
        transcript = _transcript(ina, num_gestion, key, client)
        addition = _addition(title, transcript, user, on_added)
    except NotVerified as error:
        if error.counts:
            VerificationFailure.objects.create(user=user)
        audit.record(
            AuditEvent.Action.ADDITION_REFUSED,
            title=title,
            user=user,
            summary=f"Ajout refusé : {error.summary}",
        )
        raise
    return addition


@sensitive_variables("ina", "num_gestion", "key")
def _transcript(ina, num_gestion, key, client):
    try:
        # A client passed in is the caller's to close; one made here is closed here.
        with nullcontext(client) if client else ArpentClient.from_settings() as arpent:
            return arpent.transcript(ina, num_gestion, contract_key=key)
    except ArpentRefused as error:
        if error.status in (401, 403):
            raise NotVerified(
                "ARPENT refuse la clé de contrat du titre : prévenez l'administrateur.",
                summary="ARPENT refuse la clé de contrat du titre",
                counts=False,
            ) from None
        raise NotVerified(
            "Aucun relevé de notes pour ces identifiants : vérifiez l'INA et le numéro de "
            "gestion (ou le jury n'a pas encore délibéré).",
            summary="aucun relevé de notes pour les identifiants saisis",
        ) from None
    except ArpentError as error:
        # The editor may read the client's error (it names a field, never its value); the
        # trail keeps only that the check could not be made.
        raise NotVerified(
            f"Vérification impossible pour l'instant : {error}",
            summary="vérification impossible (ARPENT indisponible ou réponse illisible)",
            counts=False,
        ) from None


def session_year(departement_code):
    latest = (
        CalendarRow.objects.filter(departement=departement_code)
        .order_by("-date_delib")
        .values_list("date_delib", flat=True)
        .first()
    )
    return latest.year if latest else timezone.localdate().year


def _addition(title, transcript, user, on_added):
    if not title.departements.filter(code=transcript.departement).exists():
        raise NotVerified(
            f"Ce candidat a passé l'examen dans le département {transcript.departement}, que ce "
            "titre ne suit pas.",
            summary="examen passé dans un département que le titre ne suit pas",
        )
    year = session_year(transcript.departement)
    if transcript.date_deliberation.year != year or str(year) not in transcript.session:
        raise NotVerified(
            f"Ce relevé n'est pas de la session {year}.",
            summary="relevé d'une autre session",
        )
    if transcript.resultat.casefold() not in MAIN_RESULTS:
        # Which other result it shows is the candidate's own business, not the desk's: neither
        # the page nor the trail says it.
        raise NotVerified(
            "Le relevé ne montre pas d'admission pour cette session.",
            summary="le relevé ne montre pas d'admission",
        )
    if not is_released(transcript.date_deliberation):
        raise NotVerified(
            "Le jury de ce candidat n'a pas encore délibéré.",
            summary="jury pas encore délibéré",
            counts=False,
        )
    wanted = sort_key(printed_name(transcript.nom, transcript.prenoms))
    same_section = {
        "departement": transcript.departement,
        "filiere": transcript.filiere,
        "option": transcript.option,
    }
    for model in (Result, Addition):
        rows = model.objects.filter(**same_section)
        if model is Addition:
            rows = rows.filter(title=title)
        if any(sort_key(printed_name(r.nom, r.prenoms)) == wanted for r in rows):
            where = "la liste publiée" if model is Result else "les ajouts de ce titre"
            raise NotVerified(
                f"Ce candidat figure déjà dans {where}.",
                summary=f"candidat figurant déjà dans {where}",
                counts=False,
            )
    with transaction.atomic():
        addition = Addition.objects.create(
            title=title,
            departement_id=transcript.departement,
            filiere=transcript.filiere,
            option=transcript.option,
            specialite=transcript.specialite,
            nom=transcript.nom,
            prenoms=transcript.prenoms,
            resultat=transcript.resultat,
            day=transcript.date_deliberation,
            verified_by=user,
        )
        if on_added:
            on_added(addition)
        audit.record(
            AuditEvent.Action.ADDITION_VERIFIED,
            title=title,
            user=user,
            departement=transcript.departement,
            day=addition.day,
            summary=(
                f"Ajout n° {addition.pk} vérifié par relevé de notes "
                f"({transcript.filiere} — {transcript.option})"
            ),
            details={"addition": addition.pk},
        )
    return addition


def additions_of_day(title, departement, day):
    return list(Addition.objects.filter(title=title, departement=departement, day=day))
