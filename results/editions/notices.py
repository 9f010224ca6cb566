"""Telling a title's editors that something is ready: a notice in the app and an e-mail."""

import logging
from functools import partial

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format

from ..models import Notice

log = logging.getLogger(__name__)


def insert_label(departement, day):
    """ "Gard, 1 juillet 2026", or "tous départements, …" for a combined insert."""
    where = departement.name if departement else "tous départements"
    return f"{where}, {date_format(day, 'j F Y')}"


def announce_version(insert):
    """A notice for the title and, once the version is committed, an e-mail to its editors."""
    label = insert_label(insert.departement, insert.day)
    text = f"Encart {label} : version {insert.number} prête ({insert.reason})."
    Notice.objects.create(title=insert.title, insert=insert, text=text[:300])
    recipients = sorted(
        email for email in insert.title.members.values_list("email", flat=True) if email
    )
    if not recipients:
        return
    url = settings.SITE_URL + reverse(
        "insert", args=[insert.title.slug, insert.scope_code, insert.day.isoformat()]
    )
    subject = f"[{insert.title.name}] Encart {label} — version {insert.number}"
    body = (
        f"{text}\n\n"
        f"{insert.names_count} noms, {insert.size_text}.\n"
        f"Voir, comparer et télécharger : {url}\n"
    )
    transaction.on_commit(lambda: mail_editors(subject, body, recipients))


def announce_upstream_down(departement, *, since, attempts):
    """Tell every title following `departement` that ARPENT stopped answering for it."""
    text = (
        f"{departement.name} ({departement.code}) — ARPENT ne répond plus depuis "
        f"{timezone.localtime(since):%H:%M} ({attempts} essais) : les résultats seront récupérés "
        "dès son retour ; les dernières données restent en place."
    )
    notify_followers(departement, text, f"ARPENT ne répond plus pour {departement.name}")


def announce_upstream_back(departement):
    """Tell every title following `departement` that ARPENT answers again."""
    name = f"{departement.name} ({departement.code})"
    text = f"{name} — ARPENT répond de nouveau : récupération reprise."
    notify_followers(departement, text, f"ARPENT répond de nouveau pour {departement.name}")


def notify_followers(departement, text, subject):
    """A notice for each title following `departement` and, after commit, an e-mail to its
    members who have an address."""
    for title in departement.followers.prefetch_related("members"):
        Notice.objects.create(title=title, text=text[:300])
        recipients = sorted(member.email for member in title.members.all() if member.email)
        if recipients:
            transaction.on_commit(
                partial(mail_editors, f"[{title.name}] {subject}", f"{text}\n", recipients)
            )


def mail_editors(subject, body, recipients):
    # A mail server down must not fail the build: the notice in the app is already there.
    try:
        send_mail(subject, body, None, recipients)
    except OSError as error:
        log.warning("notice e-mail not sent to %s: %s", recipients, error)
