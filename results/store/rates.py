"""The rates the estimate uses: learned from last session's lists, else the editable defaults."""

from dataclasses import dataclass

from layouts.estimate import expected_names, learn_rates, rates_for

from ..models import CalendarRow, DiplomaRate, Result, SessionTally


@dataclass(frozen=True)
class Rates:
    """Printed share of candidates per diploma, and where each figure comes from."""

    defaults: dict
    learned: dict
    learned_year: int | None

    def expected(self, filiere, nb_candidats):
        if filiere in self.learned:
            return expected_names(nb_candidats, self.learned[filiere], 1)
        return expected_names(nb_candidats, *self.default(filiere))

    def default(self, filiere):
        return self.defaults.get(filiere) or rates_for(filiere)

    def source(self, filiere):
        if filiere in self.learned:
            return f"appris (session {self.learned_year})"
        return "par défaut"


def current_rates(year):
    """Rates for the session of `year`: learned from the latest earlier session held."""
    defaults = {
        r.filiere: (float(r.pass_rate), float(r.consent_rate)) for r in DiplomaRate.objects.all()
    }
    learned_year = (
        SessionTally.objects.filter(year__lt=year)
        .order_by("-year")
        .values_list("year", flat=True)
        .first()
    )
    learned = {}
    if learned_year:
        learned = learn_rates(
            SessionTally.objects.filter(year=learned_year).values_list(
                "filiere", "nb_candidats", "printed"
            )
        )
    return Rates(defaults, learned, learned_year)


TALLY_KEY = ("departement_id", "filiere", "option")


def tally_session(year):
    """Keep, without names, the counts of `year`'s session: what next year's rates learn from.

    Candidates come from the calendar, names printed from the stored results, per
    (département, filière, option). Running it again replaces the year's counts, but a section
    whose names are no longer held (purged: deliberation.retention) keeps the count tallied
    before: a tally after the purge, or after names fetched again for one département, loses
    nothing.
    """
    kept = SessionTally.objects.filter(year=year)
    printed_before = {
        (t.departement_id, t.filiere, t.option): t.printed for t in kept.only(*TALLY_KEY, "printed")
    }
    candidates = {}
    for code, filiere, option, n in CalendarRow.objects.filter(date_delib__year=year).values_list(
        "departement_id", "filiere", "option", "nb_candidats"
    ):
        candidates[(code, filiere, option)] = candidates.get((code, filiere, option), 0) + n
    printed = {}
    for code, filiere, option in Result.objects.values_list("departement_id", "filiere", "option"):
        printed[(code, filiere, option)] = printed.get((code, filiere, option), 0) + 1
    kept.delete()
    SessionTally.objects.bulk_create(
        SessionTally(
            year=year,
            departement_id=key[0],
            filiere=key[1],
            option=key[2],
            nb_candidats=n,
            printed=printed.get(key, printed_before.get(key, 0)),
        )
        for key, n in candidates.items()
    )
    return len(candidates)
