"""E4 and E5 payloads: diplomas, sessions, départements and academic authorities."""

from .departements import DEPARTEMENTS, REGIONS
from .diplomas import OPTIONS

FIRST_SESSION_YEAR = 2017


def session_label(session_start):
    return f"Session Normale {session_start.year}"


def diplomes():
    return [
        {
            "examenId": o.examen_id,
            "filiereId": o.filiere.id,
            "filiere": o.filiere.label,
            "option": o.label,
        }
        for o in OPTIONS
    ]


def sessions(session_start):
    """Every normal session since ARPENT opened in 2017, up to the current one."""
    return [
        {"id": year - FIRST_SESSION_YEAR + 1, "libelle": f"Session Normale {year}"}
        for year in range(FIRST_SESSION_YEAR, session_start.year + 1)
    ]


def departements():
    return [
        {
            "id": d.code,
            "libelle": d.name,
            "regionId": d.region.id,
            "region": d.region.name,
            "autoriteAcademiqueId": d.region.authority_id,
            "autoriteAcademique": d.region.authority,
        }
        for d in DEPARTEMENTS
    ]


def autorites_academiques():
    # Addresses and numbers are placeholders: only the shape matters to clients.
    return [
        {
            "id": r.authority_id,
            "libelle": r.authority,
            "adresse": "Service régional de la formation et du développement",
            "codePostal": r.postal_code,
            "bp": None,
            "commune": r.commune,
            "telephone": f"0{r.phone_zone} 00 00 00 {r.authority_id:02d}",
            "email": f"srfd.{_slug(r.name)}@agriculture.gouv.fr",
            "fax": None,
            "departements": [d.code for d in DEPARTEMENTS if d.region is r],
        }
        for r in sorted(REGIONS.values(), key=lambda r: r.authority_id)
    ]


def _slug(name):
    return name.lower().translate(str.maketrans("éèêëôîïç' ", "eeeeoiic--"))
