"""The shared test world's pieces: départements, calendars, results, titles and users, and the
sandbox's faults."""

from django.contrib.auth import get_user_model

from results.models import CalendarRow, Departement, Membership, Result, Title
from sandbox.models import Fault

# Sections (filière, option) that calendars and results of several modules use.
FORET = ("Baccalauréat Professionnel", "Forêt")
CGEA = ("Baccalauréat Professionnel", "Conduite et gestion de l'exploitation agricole")
BTSA = ("Brevet de Technicien Supérieur Agricole", "Viticulture-œnologie")

# As ARPENT's referential gives them (E5): InserJeunes' regional figures are keyed by region code.
DEPARTEMENTS = {
    "30": {"name": "Gard", "region": "Occitanie", "region_code": "76"},
    "34": {"name": "Hérault", "region": "Occitanie", "region_code": "76"},
    "48": {"name": "Lozère", "region": "Occitanie", "region_code": "76"},
}


def departement(code):
    return Departement.objects.create(code=code, **DEPARTEMENTS[code])


def calendar(departement, *sections, day, candidates):
    """One calendar row per (filière, option) section, all deliberating on `day`."""
    return [
        CalendarRow.objects.create(
            departement=departement,
            filiere=filiere,
            option=option,
            date_delib=day,
            nb_candidats=candidates,
        )
        for filiere, option in sections
    ]


def admitted(departement, section, *names):
    """Admitted candidates of a (filière, option) section, each name a (nom, prénoms) pair."""
    filiere, option = section
    return [
        Result.objects.create(
            departement=departement,
            filiere=filiere,
            option=option,
            nom=nom,
            prenoms=prenoms,
            resultat="Admission",
        )
        for nom, prenoms in names
    ]


def newspaper(name, slug, *departements):
    title = Title.objects.create(name=name, slug=slug)
    title.departements.add(*departements)
    return title


def member(title, username, role=Membership.Role.EDITOR, **fields):
    """A user of `title` with `role`; every test user's password is "pw"."""
    user = get_user_model().objects.create_user(username, password="pw", **fields)
    Membership.objects.create(user=user, title=title, role=role)
    return user


def fault(kind, endpoint=Fault.Endpoint.RESULTATS, **fields):
    """A sandbox fault of `kind` on `endpoint`: by default ARPENT's results, which deliberation
    day polls."""
    return Fault.objects.create(kind=kind, endpoint=endpoint, **fields)
