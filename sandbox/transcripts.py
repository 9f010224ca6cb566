"""E3 payload: the signed transcript ("relevé de notes") of one candidate."""

import hashlib
import hmac
import json
from random import Random

from .diplomas import ADMITTED, FAILED, OPTIONS, SECOND_GROUP
from .referentials import session_label

# The real signature scheme was never published; an HMAC shows where one goes.
SIGNING_KEY = b"arpent-sandbox-signing-key"


def transcript(section, candidate, ina, session_start):
    """The transcript of `candidate`, with marks consistent with its result."""
    filiere = OPTIONS[section.option_index].filiere
    body = {
        "ina": ina,
        "nom": candidate.nom,
        "prenoms": candidate.prenoms,
        "session": session_label(session_start),
        "examen": {
            "filiere": section.filiere,
            "option": section.option,
            "specialite": candidate.specialite,
            "departement": section.departement,
        },
        "resultat": candidate.resultat,
        "notes": [
            {"epreuve": epreuve, "note": note, "coefficient": coefficient}
            for (epreuve, coefficient), note in zip(
                filiere.exams, _marks(section, candidate, filiere), strict=True
            )
        ],
        "dateDeliberation": section.date.isoformat(),
    }
    canonical = json.dumps(body, ensure_ascii=False, sort_keys=True).encode()
    body["signature"] = hmac.new(SIGNING_KEY, canonical, hashlib.sha256).hexdigest()
    return body


def _marks(section, candidate, filiere):
    """Marks out of 20 whose weighted mean falls on the right side of 10 (or 8)."""
    rng = Random(f"notes/{section.departement}/{section.option_index}/{candidate.index}")
    if candidate.resultat == ADMITTED:
        target = rng.uniform(10.6, 16.5)
    elif candidate.resultat == SECOND_GROUP:
        target = rng.uniform(8.3, 9.7)
    elif candidate.resultat == FAILED and filiere.second_group_rate:
        target = rng.uniform(4.0, 7.7)
    else:
        target = rng.uniform(4.0, 9.4)
    raw = [target + rng.gauss(0, 2.5) for _ in filiere.exams]
    weights = [coefficient for _, coefficient in filiere.exams]
    mean = sum(m * w for m, w in zip(raw, weights, strict=True)) / sum(weights)
    return [round(min(20.0, max(0.0, m + target - mean)), 1) for m in raw]
