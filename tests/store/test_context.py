"""Context from the other public sources: the cache, the outlook notes of the inserts, the
département's establishments and lycée results, the diplomas page, and sources that are down."""

from datetime import date

import pytest
from django.urls import reverse

from results.day import outlooks as day_outlooks
from results.day.planning import title_plan
from results.editions.builds import build_version
from results.models import (
    DiplomaCode,
    EmploymentFigure,
    Establishment,
    Fetch,
    LyceeResult,
    Result,
)
from results.sources.inserjeunes import EmploymentRates, InserJeunesUnavailable
from results.store import opendata as context
from tests import world
from tests.pdfs import pdf_words
from tests.world import FORET

pytestmark = pytest.mark.django_db

DAY = date(2026, 7, 1)
AQUA = ("Baccalauréat Professionnel", "Conduite de productions aquacoles")
UNMAPPED = ("Baccalauréat Professionnel", "Bio-industries de transformation")
FORET_CFD, AQUA_CFD = "40321303", "40321213"


@pytest.fixture
def gard_calendar(gard):
    """Three sections of the Gard: two with a diploma code, one without."""
    world.calendar(gard, FORET, AQUA, UNMAPPED, day=DAY, candidates=30)


@pytest.fixture
def noted(title):
    title.outlook_notes = True
    title.save()
    return title


def rates(code, region="", **fields):
    return EmploymentRates(
        **{
            "code": code,
            "millesime": "2023_2024" if region else "2024",
            "region_code": region,
            "region_name": "Occitanie" if region else "",
            "label": "BAC PRO",
            "filiere": "agricole",
            "leavers": 120,
            "employment_6m": 58.4,
            "further_study": 31.2,
            "withheld": False,
        }
        | fields
    )


class FakeInserJeunes:
    """InserJeunes as the client sees it: figures per (code, region), or down."""

    def __init__(self, figures=None, down=False):
        self.figures, self.down, self.calls = figures or {}, down, 0

    def national(self, code, millesime=None):
        return self._answer(code, "")

    def regional(self, region_code, code, millesime=None):
        return self._answer(code, region_code)

    def _answer(self, code, region):
        self.calls += 1
        if self.down:
            raise InserJeunesUnavailable("InserJeunes : indisponible (HTTP 503) après 3 essai(s)")
        return self.figures.get((code, region))

    def close(self):
        pass


def publish(gard, section, *names):
    for name in names:
        Result.objects.create(
            departement=gard,
            filiere=section[0],
            option=section[1],
            nom=name,
            prenoms="Marie",
            resultat="Admission",
        )


def test_the_seeded_mapping_gives_codes_to_the_main_diplomas_and_lists_the_others(
    gard_calendar, gard
):
    assert day_outlooks.mapping_for(*FORET).cfd == FORET_CFD
    assert day_outlooks.mapping_for(*UNMAPPED) is None
    outlooks = day_outlooks.departement_outlooks(gard)
    assert outlooks.unmapped == [UNMAPPED]


def test_a_regional_figure_is_preferred_and_the_national_one_is_the_fallback(
    gard_calendar, title, gard
):
    regional = FakeInserJeunes(
        {
            (FORET_CFD, "76"): rates(FORET_CFD, "76", employment_6m=61),
            (FORET_CFD, ""): rates(FORET_CFD, employment_6m=55),
            (AQUA_CFD, ""): rates(AQUA_CFD, employment_6m=47),
        }
    )
    report = context.refresh_employment(client=regional)
    assert not report.failed
    notes = day_outlooks.departement_outlooks(gard).notes
    assert notes[FORET][1].startswith("En emploi 6\u00a0mois après la sortie\u00a0: 61\u00a0%.")
    assert "Occitanie, sortants 2023-2024" in notes[FORET][2]
    assert "Licence Ouverte" in notes[FORET][2]
    assert "47\u00a0%" in notes[AQUA][1] and "France entière, sortants 2024" in notes[AQUA][2]


def test_a_withheld_rate_prints_nothing_rather_than_a_wrong_figure(gard_calendar, gard):
    withheld = rates(FORET_CFD, leavers=12, employment_6m=None, further_study=None, withheld=True)
    context.refresh_employment(client=FakeInserJeunes({(FORET_CFD, ""): withheld}))
    outlooks = day_outlooks.departement_outlooks(gard)
    assert FORET not in outlooks.notes and FORET in outlooks.missing


def test_the_insert_carries_the_notes_and_the_exact_estimate_still_equals_the_pdf(
    gard_calendar, noted, gard, django_capture_on_commit_callbacks
):
    context.refresh_employment(
        client=FakeInserJeunes(
            {(FORET_CFD, "76"): rates(FORET_CFD, "76"), (AQUA_CFD, ""): rates(AQUA_CFD)}
        )
    )
    publish(gard, FORET, *[f"FORESTIER{i:03d}" for i in range(40)])
    publish(gard, AQUA, "POISSON", "TRUITE")
    publish(gard, UNMAPPED, "LAIT")
    insert, created = build_version(noted, gard, DAY)
    assert created
    text = pdf_words(insert.pdf.path)
    assert text.count("Que deviennent les diplômés ?") == 2
    assert "Source : InserJeunes" in text
    assert [bool(section["outlook"]) for section in insert.content] == [False, True, True]
    assert insert.outlook_note == "1 diplôme(s) sans codes : voir la page Diplômes."

    _, _, days = title_plan(noted)
    actual = days[0].inserts[0].actual
    assert (actual.size.columns, actual.size.lines) == (insert.columns, insert.lines)


def test_with_inserjeunes_down_the_insert_builds_without_notes_and_says_why(
    gard_calendar, noted, gard, client, editor
):
    fake = FakeInserJeunes(down=True)
    report = context.refresh_employment(client=fake)
    assert report.failed and Fetch.objects.get(endpoint="inserjeunes").outcome == "failed"
    publish(gard, FORET, "DUPONT")
    insert, created = build_version(noted, gard, DAY)
    assert created and "Que deviennent" not in pdf_words(insert.pdf.path)
    assert "InserJeunes était injoignable à la dernière mise à jour" in insert.outlook_note
    client.force_login(editor)
    page = client.get(reverse("insert", args=["gazette", "30", DAY])).content.decode()
    assert "InserJeunes était injoignable" in page


def test_a_failed_refresh_keeps_the_last_good_figures(gard_calendar, gard):
    context.refresh_employment(client=FakeInserJeunes({(FORET_CFD, ""): rates(FORET_CFD)}))
    context.refresh_employment(client=FakeInserJeunes(down=True))
    figure = EmploymentFigure.objects.get(code=FORET_CFD, region_code="")
    assert figure.employment_6m == 58.4
    assert FORET in day_outlooks.departement_outlooks(gard).notes


def test_a_build_never_calls_the_sources(gard_calendar, noted, gard, monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("a build must only read the cache")

    monkeypatch.setattr("results.sources.inserjeunes.InserJeunesClient.from_settings", refuse)
    monkeypatch.setattr("results.sources.education.EducationClient.from_settings", refuse)
    publish(gard, FORET, "DUPONT")
    assert build_version(noted, gard, DAY)[1]


def test_the_departement_page_shows_establishments_and_lycee_results_with_sources(
    gard_calendar, client, editor, gard
):
    Establishment.objects.create(
        departement=gard,
        uai="0300001A",
        name="Lycée agricole de Nîmes-Rodilhan",
        commune="Rodilhan",
        public=True,
    )
    for session, rate in ((2024, 80.0), (2025, 91.0)):
        LyceeResult.objects.create(
            departement=gard,
            uai="0300002B",
            name="Lycée professionnel Jules Raimu",
            commune="Nîmes",
            public=True,
            session=session,
            candidates=54,
            success_rate=rate,
            value_added=3,
        )
    client.force_login(editor)
    page = client.get(reverse("departement", args=["gazette", "30"])).content.decode()
    assert "Lycée agricole de Nîmes-Rodilhan" in page and "Rodilhan" in page
    assert "session 2025" in page and "91 %" in page and "80 %" not in page
    assert "data.education.gouv.fr" in page


def test_the_diplomas_page_lists_mapped_and_unmapped_diplomas(gard_calendar, client, editor, gard):
    context.refresh_employment(
        client=FakeInserJeunes(
            {
                (FORET_CFD, "76"): rates(FORET_CFD, "76", employment_6m=61),
                (AQUA_CFD, ""): rates(AQUA_CFD, withheld=True, employment_6m=None),
            }
        )
    )
    client.force_login(editor)
    page = client.get(reverse("diplomas", args=["gazette"])).content.decode()
    assert "1 diplôme sans codes" in page and "Bio-industries de transformation" in page
    assert "2 diplômes avec codes" in page
    assert f"CFD {FORET_CFD}" in page and "61 %" in page
    assert "taux non publiés par la source" in page


def test_an_admin_edits_the_mapping_in_the_admin(client, django_user_model):
    admin = django_user_model.objects.create_superuser("admin", password="pw")
    client.force_login(admin)
    mapping = DiplomaCode.objects.get(filiere=FORET[0], option=FORET[1])
    url = reverse("admin:results_diplomacode_change", args=[mapping.pk])
    response = client.post(
        url,
        {"filiere": FORET[0], "option": FORET[1], "cfd": "abc", "mefstat11": "", "source": ""},
    )
    assert response.status_code == 200 and "Un CFD compte 8 chiffres ou lettres." in (
        response.content.decode()
    )


def test_the_weekly_refresh_is_scheduled(settings):
    schedule = settings.CELERY_BEAT_SCHEDULE["refresh-open-data"]
    assert schedule["task"] == "results.tasks.refresh_open_data"
    assert schedule["schedule"].day_of_week == {1}


@pytest.fixture
def stand_ins(monkeypatch):
    """The real clients, answered by the sandbox's stand-ins in this process."""
    from results.sources.education import EducationClient
    from results.sources.inserjeunes import InserJeunesClient
    from tests.django_transport import DjangoTransport

    def education_client(**overrides):
        return EducationClient("http://testserver", transport=DjangoTransport(), sleep=no_wait)

    def inserjeunes_client(**overrides):
        return InserJeunesClient("http://testserver", transport=DjangoTransport(), sleep=no_wait)

    monkeypatch.setattr(EducationClient, "from_settings", staticmethod(education_client))
    monkeypatch.setattr(InserJeunesClient, "from_settings", staticmethod(inserjeunes_client))


def no_wait(seconds):
    pass


def test_the_weekly_refresh_reads_the_stand_ins(gard_calendar, title, gard, stand_ins):
    report = context.refresh_all()
    assert not report.failed, report.failed
    assert Establishment.objects.filter(departement=gard).exists()
    assert all(not e.name.isupper() for e in Establishment.objects.all())
    assert EmploymentFigure.objects.filter(region_code="").count() >= 10
    assert Fetch.objects.filter(endpoint="annuaire", outcome="changed").exists()


def test_with_the_stand_ins_down_an_insert_still_builds_at_once_without_notes(
    gard_calendar, noted, gard, stand_ins
):
    from sandbox.models import Fault

    context.refresh_all()
    EmploymentFigure.objects.all().delete()  # nothing cached yet, as on a first deployment
    for endpoint in (Fault.Endpoint.INSERJEUNES, Fault.Endpoint.EDUCATION):
        Fault.objects.create(endpoint=endpoint, kind=Fault.Kind.HTTP_ERROR, status=503)
    report = context.refresh_all()
    assert len(report.failed) == 3
    assert Establishment.objects.filter(departement=gard).exists()  # the last good ones stay
    publish(gard, FORET, "DUPONT")
    insert, created = build_version(noted, gard, DAY)
    assert created and insert.build_seconds < 30
    assert "Que deviennent" not in pdf_words(insert.pdf.path)
    assert "InserJeunes était injoignable" in insert.outlook_note
