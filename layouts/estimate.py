"""Space an insert will take, before the results exist (from counts) or after (from names)."""

from collections.abc import Iterable
from decimal import ROUND_HALF_UP, Decimal
from functools import lru_cache
from itertools import cycle, islice

from layouts.compose import BAC_PRO, BAC_TECHNO, BEPA, BTSA, CAPA, Group, diploma_rank, print_order
from layouts.paginate import Size, paginate
from layouts.profile import LayoutProfile

# (pass rate, consent rate) per diploma, from PRINT.md: vocational diplomas pass at 85–90 %;
# one académie printed 89 % of bac pro holders but only 49 % of general and technological bac
# holders (publication needs the candidate's consent). BTSA students are adults like the
# technological bac's, so their consent is assumed in between: learn it from last year's lists.
DEFAULT_RATES: dict[str, tuple[float, float]] = {
    CAPA: (0.87, 0.89),
    BEPA: (0.87, 0.89),
    BAC_PRO: (0.87, 0.89),
    BAC_TECHNO: (0.90, 0.49),
    BTSA: (0.80, 0.60),
}
# An unknown diploma: a vocational pass rate and a consent between the two measured ones.
FALLBACK_RATES = (0.87, 0.70)

# What a printed name looks like on average: common surnames, one to three given names (ARPENT
# sends them all), a particle and an apostrophe. Cycling through them gives run-in lines the
# breaks real lists get, which one repeated string would not.
SAMPLE_NAMES = (
    "MARTIN Léa Camille",
    "BERNARD Lucas",
    "DUBOIS Emma Louise",
    "THOMAS Hugo Pierre",
    "ROBERT Chloé",
    "RICHARD Nathan Paul",
    "PETIT Manon Julie",
    "DURAND Louis Antoine",
    "LEROY Camille",
    "MOREAU Enzo Théo",
    "SIMON Inès Marie",
    "LAURENT Jules",
    "LEFEBVRE Sarah Anne",
    "MICHEL Tom Alexandre",
    "GARCIA Lina",
    "DAVID Mathis Jean",
    "FOURNIER Clara Élise",
    "N'DIAYE Aminata",
    "DE LA FONTAINE Maxime",
    "ROUSSEAU Léo Marc",
)


def rates_for(diploma: str) -> tuple[float, float]:
    """Default (pass rate, consent rate) of a diploma, matched like the print order."""
    rank = diploma_rank(diploma)
    known = list(DEFAULT_RATES.values())
    return known[rank] if rank < len(known) else FALLBACK_RATES


def expected_names(nb_candidats: int, pass_rate: float, consent_rate: float) -> int:
    """Names likely to be printed out of `nb_candidats` who sat the exam, rounded half up."""
    # Decimal from the decimal strings, so that 10 × 0.5 × 0.5 = 2.5 rounds to 3, not 2.
    names = Decimal(nb_candidats) * Decimal(str(pass_rate)) * Decimal(str(consent_rate))
    return int(names.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def estimate_from_counts(
    profile: LayoutProfile, sections: Iterable[tuple], title: str | None = None
) -> Size:
    """Size of an insert of `sections` (diploma, option, expected names[, outlook note lines]),
    paginated for real."""
    return _estimate_from_counts(profile, tuple(tuple(s) for s in sections), title)


# A plan asks for the same sections again and again (each row alone, its day, each page load):
# the answer depends only on these arguments.
@lru_cache(maxsize=4096)
def _estimate_from_counts(
    profile: LayoutProfile, sections: tuple[tuple, ...], title: str | None
) -> Size:
    samples = cycle(SAMPLE_NAMES)
    groups = [
        Group(
            diploma=diploma,
            option=option,
            names=tuple(islice(samples, count)),
            outlook=tuple(outlook[0]) if outlook else (),
        )
        for diploma, option, count, *outlook in sorted(
            sections, key=lambda s: print_order(s[0], s[1])
        )
        if count > 0
    ]
    return paginate(profile, groups, title=title).size


def estimate_from_names(
    profile: LayoutProfile, groups: Iterable[Group], title: str | None = None
) -> Size:
    """Exact size of an insert of known names: the size of the pagination the PDF draws."""
    return paginate(profile, groups, title=title).size


def format_size(size: Size, columns_per_page: int) -> str:
    """ "2 pages + 3 colonnes", "1 page", "5 colonnes", "0 colonne"."""
    pages, columns = divmod(size.columns, columns_per_page)
    parts = []
    if pages:
        parts.append(f"{pages} page" + ("s" if pages > 1 else ""))
    if columns or not pages:
        # French: "0 colonne" and "1 colonne" are singular, plural from 2.
        parts.append(f"{columns} colonne" + ("s" if columns > 1 else ""))
    return " + ".join(parts)


def learn_rates(tallies: Iterable[tuple[str, int, int]]) -> dict[str, float]:
    """Printed share of candidates per diploma, from (diploma, candidates, names printed).

    One rate, pass × consent together, since the lists only tell how many were printed. Summed
    over départements, so that small sections do not weigh as much as large ones.
    """
    candidates: dict[str, int] = {}
    printed: dict[str, int] = {}
    for diploma, nb_candidats, names in tallies:
        candidates[diploma] = candidates.get(diploma, 0) + nb_candidats
        printed[diploma] = printed.get(diploma, 0) + names
    return {d: printed[d] / n for d, n in candidates.items() if n > 0}
