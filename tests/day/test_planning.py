"""The planning desk: space per day and département, changes, exports, learned rates."""

import subprocess
from datetime import date

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.urls import reverse

from results.day.planning import title_plan
from results.models import CalendarRow, Result, SessionTally, Title
from results.store.rates import current_rates, tally_session
from tests import world
from tests.pdfs import pdf_text

pytestmark = pytest.mark.django_db

BAC_PRO = "Baccalauréat Professionnel"
FORET = "Forêt"


@pytest.fixture
def calendars(title, gard, lozere):
    """The title follows the Gard and Lozère: one day of forest in both, and a later section
    in the Gard whose count changed."""
    title.departements.add(lozere)
    world.calendar(gard, (BAC_PRO, FORET), day=date(2026, 7, 3), candidates=120)
    world.calendar(lozere, (BAC_PRO, FORET), day=date(2026, 7, 3), candidates=40)
    CalendarRow.objects.create(
        departement=gard,
        filiere=BAC_PRO,
        option="Agroéquipement",
        date_delib=date(2026, 7, 6),
        nb_candidats=30,
        last_change=CalendarRow.Change.COUNT,
        previous_nb_candidats=25,
    )


@pytest.fixture
def logged_in(client, editor):
    client.force_login(editor)
    return client


def publish(code, option, count):
    Result.objects.bulk_create(
        Result(
            departement_id=code,
            filiere=BAC_PRO,
            option=option,
            nom=f"NOM{i:03d}",
            prenoms="Léa",
            resultat="Admission",
        )
        for i in range(count)
    )


def test_the_plan_has_one_insert_per_departement_and_day_with_day_totals(calendars, title):
    profile, rates, days = title_plan(title)
    assert [d.date_delib for d in days] == [date(2026, 7, 3), date(2026, 7, 6)]
    first = days[0]
    assert [i.departement.code for i in first.inserts] == ["30", "48"]
    assert first.nb_candidats == 160
    # Bac pro defaults: 87 % pass × 89 % consent.
    assert [i.expected_names for i in first.inserts] == [93, 31]
    assert first.expected.size.columns == sum(i.expected.size.columns for i in first.inserts)
    assert first.maximum.size.lines > first.expected.size.lines
    assert first.actual is None


def test_once_results_are_in_the_plan_shows_actual_size_and_error(calendars, title):
    publish("30", FORET, 100)
    publish("48", FORET, 30)
    _, _, days = title_plan(title)
    gard = days[0].inserts[0]
    assert gard.actual_names == 100
    assert gard.actual.size.lines > gard.expected.size.lines
    assert gard.error_columns == gard.actual.size.columns - gard.expected.size.columns
    assert days[0].actual is not None
    assert days[1].actual is None  # Agroéquipement has not deliberated


def test_last_sessions_lists_teach_the_rates(calendars, title):
    SessionTally.objects.create(
        year=2025,
        departement_id="30",
        filiere=BAC_PRO,
        option=FORET,
        nb_candidats=100,
        printed=50,
    )
    rates = current_rates(2026)
    assert rates.learned == {BAC_PRO: 0.5}
    assert rates.source(BAC_PRO) == "appris (session 2025)"
    _, _, days = title_plan(title)
    assert [i.expected_names for i in days[0].inserts] == [60, 20]


def test_tallying_a_session_keeps_counts_without_names(calendars, title):
    publish("30", FORET, 100)
    assert tally_session(2026) == 3
    tally = SessionTally.objects.get(departement_id="30", option=FORET)
    assert (tally.nb_candidats, tally.printed) == (120, 100)
    assert not hasattr(tally, "nom")
    call_command("tally_session", "--year", "2026")
    assert SessionTally.objects.count() == 3


def test_the_planning_page_shows_days_departements_and_changes(calendars, logged_in):
    page = logged_in.get(reverse("planning", args=["gazette"])).content.decode()
    assert "Vendredi 3 juillet 2026" in page
    assert "Lozère" in page and "Gard" in page
    assert "candidats : 25 → 30" in page
    assert "en attente" in page


def test_the_plan_exports_as_csv(calendars, logged_in):
    response = logged_in.get(reverse("planning_csv", args=["gazette"]))
    assert response["Content-Type"].startswith("text/csv")
    lines = response.content.decode("utf-8-sig").splitlines()
    assert lines[0].startswith("date;departement;filiere;option;candidats;noms_attendus")
    assert len(lines) == 4
    assert lines[1].startswith("2026-07-03;30;Baccalauréat Professionnel;Forêt;120;93;")


def test_the_plan_exports_as_a_one_page_pdf(calendars, logged_in, tmp_path):
    response = logged_in.get(reverse("planning_pdf", args=["gazette"]))
    assert response["Content-Type"] == "application/pdf"
    pdf = tmp_path / "plan.pdf"
    pdf.write_bytes(response.content)
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True).stdout
    assert "Pages:           1" in info
    text = pdf_text(pdf)
    assert "Lozère (48)" in text and "Vendredi 3 juillet 2026" in text


def test_the_plans_csv_keeps_spreadsheet_formulas_as_text(calendars, logged_in):
    CalendarRow.objects.filter(option=FORET).update(option='=HYPERLINK("http://x.test";"Forêt")')
    response = logged_in.get(reverse("planning_csv", args=["gazette"]))
    lines = response.content.decode("utf-8-sig").splitlines()
    assert ';"\'=HYPERLINK(""http://x.test"";""Forêt"")";' in lines[1]
    assert not any(";=" in line or ';"=' in line for line in lines)


def test_the_plans_pdf_prints_the_titles_name_as_typed_in_its_css_footer(
    calendars, logged_in, tmp_path
):
    name = 'Le "Petit" \\ Journal </style><h1>injecté</h1>\nbis'
    Title.objects.filter(slug="gazette").update(name=name)
    response = logged_in.get(reverse("planning_pdf", args=["gazette"]))
    pdf = tmp_path / "plan.pdf"
    pdf.write_bytes(response.content)
    text = pdf_text(pdf)
    assert 'Le "Petit" \\ Journal </style><h1>injecté</h1> bis — plan édité le' in text
    assert "&quot;" not in text and "&lt;" not in text


def test_another_title_cannot_see_the_plan(calendars, client, title):
    user = get_user_model().objects.create_user("autre")
    Title.objects.create(name="Autre", slug="autre").members.add(user)
    client.force_login(user)
    for name in ("planning", "planning_csv", "planning_pdf"):
        assert client.get(reverse(name, args=["gazette"])).status_code == 404


def test_the_session_is_summed_per_departement_and_per_diploma(calendars, title):
    from results.day.forecast import by_departement, by_diploma

    publish("30", FORET, 100)
    profile, _, days = title_plan(title)
    departements = by_departement(days, profile)
    assert [s.label for s in departements] == ["Gard (30)", "Lozère (48)"]
    gard = departements[0]
    assert (gard.nb_candidats, gard.expected_names) == (150, 93 + 23)
    assert (gard.published, gard.expected_when_published, gard.error_names) == (100, 93, 7)
    assert departements[1].published is None
    (bac_pro,) = by_diploma(days, profile)
    assert bac_pro.label == BAC_PRO and bac_pro.nb_candidats == 190
    assert bac_pro.expected is None  # spread over several inserts: no size of its own
    assert (bac_pro.published, bac_pro.expected_when_published) == (100, 93)


def test_the_planning_page_shows_the_session_totals(calendars, logged_in):
    publish("30", FORET, 100)
    page = logged_in.get(reverse("planning", args=["gazette"])).content.decode()
    assert "Par département" in page and "Par diplôme" in page
    assert "100 / 93" in page


def test_the_plans_actual_size_is_the_built_inserts_size(calendars, title):
    from results.editions.builds import build_version

    publish("48", FORET, 30)
    _, _, days = title_plan(title)
    planned = days[0].inserts[1]
    assert planned.departement.code == "48"
    built, _ = build_version(title, planned.departement, days[0].date_delib)
    assert (built.lines, built.columns, built.pages) == (
        planned.actual.size.lines,
        planned.actual.size.columns,
        planned.actual.size.pages,
    )
