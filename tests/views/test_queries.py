"""SQL queries per page: each main page costs the same number of queries whatever the number
of rows it lists, so a season's data does not slow it down query by query (no N+1)."""

from datetime import date, timedelta
from itertools import count

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format

from results.audit import record
from results.models import (
    ALL_DEPARTEMENTS,
    AuditEvent,
    CalendarRow,
    Departement,
    DiplomaCode,
    EmploymentFigure,
    Establishment,
    HeldRow,
    Insert,
    Job,
    LyceeResult,
    Membership,
    Notice,
    Purge,
    Removal,
    Result,
    SectionHold,
)
from tests.world import FORET

pytestmark = pytest.mark.django_db

DAY = date(2026, 7, 1)
MORE = 8  # rows added of each kind: enough for a per-row query to show
numbers = count(100)


@pytest.fixture
def admin(title):
    user = get_user_model().objects.create_user("chef", password="pw")
    Membership.objects.create(user=user, title=title, role=Membership.Role.ADMIN)
    return user


def session_query():
    """The session's own query: none when sessions are read from Redis (REDIS_URL set)."""
    return 0 if settings.SESSION_ENGINE == "newsroom.sessions" else 1


def jobs_query():
    """The jobs' query: none once they are kept under their département's change stamp, which
    needs a shared cache (Redis: results.changes)."""
    return 0 if "shared" in settings.CACHES else 1


def queries(client, url, **headers):
    """The number of queries the page takes, once the session and user are loaded."""
    client.get(url, headers=headers)  # warms up what is cached per process (content types…)
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url, headers=headers)
    assert response.status_code == 200, url
    return len(captured)


def add_calendar(departement, day=DAY, section=FORET, candidates=20):
    return CalendarRow.objects.create(
        departement=departement,
        filiere=section[0],
        option=section[1],
        date_delib=day,
        nb_candidats=candidates,
    )


def add_results(departement, section=FORET, how_many=3):
    for _ in range(how_many):
        Result.objects.create(
            departement=departement,
            filiere=section[0],
            option=section[1],
            nom=f"NOM{next(numbers)}",
            prenoms="Camille",
            resultat="Admission",
        )


def add_version(title, departement, day=DAY, final_by=None, thumbnails=2):
    number = Insert.objects.filter(title=title, departement=departement, day=day).count() + 1
    return Insert.objects.create(
        title=title,
        departement=departement,
        day=day,
        number=number,
        pdf=f"inserts/encart-{next(numbers)}.pdf",
        thumbnails=[f"inserts/pages/p{next(numbers)}.png" for _ in range(thumbnails)],
        names_count=3,
        pages=1,
        columns=1,
        lines=5,
        content_hash=str(number),
        final_at=timezone.now() if final_by else None,
        final_by=final_by,
    )


def add_job(title, departement, day=DAY, user=None, kind=Job.Kind.BUILD_INSERT):
    return Job.objects.create(
        kind=kind, title=title, departement=departement, day=day, requested_by=user
    )


def follow_new_departement(title, code):
    dept = Departement.objects.create(code=code, name=f"Département {code}", region_code="76")
    title.departements.add(dept)
    add_calendar(dept)
    add_results(dept)
    return dept


def section(number):
    return ("Certificat d'Aptitude Professionnelle Agricole", f"Option {number}")


def test_the_title_home_does_not_grow_with_the_departements_followed(client, editor, title, gard):
    add_calendar(gard)
    add_results(gard)
    client.force_login(editor)
    url = reverse("title", args=["gazette"])
    few = queries(client, url)
    for code in range(40, 40 + MORE):
        follow_new_departement(title, str(code))
    assert queries(client, url) == few


def test_the_departement_page_does_not_grow_with_its_calendar_jobs_and_inserts(
    client, editor, title, gard
):
    add_calendar(gard)
    add_results(gard)
    add_version(title, gard, final_by=editor)
    add_job(title, gard, user=editor)
    Establishment.objects.create(departement=gard, uai="0300001A", name="LEGTA", public=True)
    LyceeResult.objects.create(
        departement=gard, uai="0300001A", name="LEGTA", public=True, session=2025
    )
    client.force_login(editor)
    url = reverse("departement", args=["gazette", "30"])
    few = queries(client, url)
    for n in range(MORE):
        day = DAY + timedelta(days=n + 1)
        add_calendar(gard, day=day, section=section(n))
        add_results(gard, section=section(n))
        add_version(title, gard, day=day, final_by=editor)
        add_version(title, gard, day=day)
        add_job(title, gard, day=day, user=editor)
        add_job(None, gard, kind=Job.Kind.FETCH_RESULTS)
        Establishment.objects.create(departement=gard, uai=f"03000{n}B", name="LP", public=True)
        LyceeResult.objects.create(
            departement=gard, uai=f"03000{n}B", name="LP", public=False, session=2025
        )
    assert queries(client, url) == few


def test_the_plan_does_not_grow_with_departements_and_calendar_rows(client, editor, title, gard):
    add_calendar(gard)
    add_results(gard)
    client.force_login(editor)
    url = reverse("planning", args=["gazette"])
    few = queries(client, url)
    for code in range(40, 40 + MORE):
        dept = follow_new_departement(title, str(code))
        add_calendar(dept, day=DAY + timedelta(days=code % 3), section=section(code))
    assert queries(client, url) == few


def test_the_inserts_list_does_not_grow_with_versions_and_notices(client, editor, title, gard):
    version = add_version(title, gard, final_by=editor)
    Notice.objects.create(title=title, insert=version, text="Version 1 prête")
    client.force_login(editor)
    url = reverse("inserts", args=["gazette"])
    few = queries(client, url)
    for n in range(MORE):
        dept = follow_new_departement(title, str(40 + n))
        for _ in range(2):
            version = add_version(title, dept, day=DAY + timedelta(days=n), final_by=editor)
            Notice.objects.create(title=title, insert=version, text="Nouvelle version")
    assert queries(client, url) == few


def test_the_insert_page_does_not_grow_with_its_versions_and_jobs(client, editor, title, gard):
    add_version(title, gard, final_by=editor)
    add_version(title, gard)
    add_job(title, gard, user=editor)
    Removal.objects.create(
        title=title, departement=gard, nom="X", prenoms="Y", received_on=DAY, channel="letter"
    )
    client.force_login(editor)
    url = reverse("insert", args=["gazette", "30", DAY])
    few = queries(client, url)
    for _ in range(MORE):
        add_version(title, gard, final_by=editor, thumbnails=4)
        add_job(title, gard, user=editor)
        add_job(None, gard, kind=Job.Kind.FETCH_RESULTS)
    assert queries(client, url) == few


def add_season_of_fetches(departement, days=30, per_day=3):
    """The scheduler's fetches of the département on the days before today, as a season leaves
    them: none is one of the insert page's jobs, and none may cost it a query."""
    now = timezone.now()
    for back in range(1, days + 1):
        for n in range(per_day):
            Job.objects.create(
                kind=Job.Kind.FETCH_RESULTS,
                departement=departement,
                status=Job.Status.DONE,
                created_at=now - timedelta(days=back, minutes=n),
            )


def hold(departement, section=FORET):
    return SectionHold.objects.create(
        departement=departement,
        filiere=section[0],
        option=section[1],
        reason="152 admis pour 84 candidats",
    )


def test_the_insert_page_reads_what_it_shows_in_a_few_queries(client, editor, title, gard):
    add_calendar(gard)
    add_version(title, gard, final_by=editor)
    add_version(title, gard)
    add_job(title, gard, user=editor)
    add_season_of_fetches(gard)
    client.force_login(editor)
    url = reverse("insert", args=["gazette", "30", DAY])
    # The session (unless read from Redis); the user; the title with the user's role, the
    # removals to confirm, the retention date and whether anything is held; the département;
    # the versions; the jobs (unless kept under their stamp).
    assert queries(client, url) == 4 + session_query() + jobs_query()
    page = client.get(url).content.decode()
    assert "Bon à tirer : version 1, par redac" in page  # who marked it, with the versions
    # Something held costs its own lookups, and only then: the holds and their days, the
    # rows set aside.
    hold(gard)
    HeldRow.objects.create(departement=gard, endpoint="resultats", line=3, field="nom", reason="?")
    assert queries(client, url) == 7 + session_query() + jobs_query()


def test_the_departement_page_reads_what_it_shows_in_a_few_queries(client, editor, title, gard):
    add_calendar(gard)
    add_results(gard)
    add_version(title, gard, final_by=editor)
    add_job(title, gard, user=editor)
    add_season_of_fetches(gard)
    client.force_login(editor)
    url = reverse("departement", args=["gazette", "30"])
    client.get(url)  # the plan and the context panel, kept under their stamps
    # The session (unless read from Redis); the user; the title with the user's role and
    # whether anything is held; the département; the stamp of its plan; its jobs (unless kept
    # under their stamp); its inserts.
    assert queries(client, url) == 5 + session_query() + jobs_query()


def test_the_insert_page_shows_a_held_section_on_its_day_only(client, editor, title, gard):
    add_calendar(gard)
    add_calendar(gard, day=DAY + timedelta(days=1), section=section(1))
    hold(gard)
    client.force_login(editor)
    on_its_day = client.get(reverse("insert", args=["gazette", "30", DAY])).content.decode()
    assert "Sections retenues avant impression" in on_its_day
    assert f"{FORET[0]} — {FORET[1]}</strong> : 152 admis pour 84 candidats." in on_its_day
    other_day = DAY + timedelta(days=1)
    elsewhere = client.get(reverse("insert", args=["gazette", "30", other_day])).content.decode()
    assert "Sections retenues avant impression" not in elsewhere


def test_the_combined_insert_shows_what_its_departements_hold(client, editor, title, gard):
    other = follow_new_departement(title, "48")
    hold(other)
    HeldRow.objects.create(departement=gard, endpoint="resultats", line=7, field="nom", reason="?")
    client.force_login(editor)
    page = client.get(reverse("insert", args=["gazette", ALL_DEPARTEMENTS, DAY])).content.decode()
    assert (
        f"{FORET[0]} — {FORET[1]}</strong> (Département 48) : 152 admis pour 84 candidats." in page
    )
    assert '<td>30</td><td>resultats</td><td class="num">7</td>' in page


def test_a_departement_not_followed_holds_nothing_on_the_title_pages(client, editor, title, gard):
    stranger = Departement.objects.create(code="48", name="Lozère", region_code="76")
    hold(stranger)
    HeldRow.objects.create(departement=stranger, endpoint="resultats", line=7, field="nom")
    client.force_login(editor)
    for scope in ("30", ALL_DEPARTEMENTS):
        page = client.get(reverse("insert", args=["gazette", scope, DAY])).content.decode()
        assert "Sections retenues" not in page and "Lignes mises de côté" not in page


def test_the_insert_page_still_counts_removals_and_dates_the_retention(
    client, editor, title, gard, settings
):
    add_calendar(gard)
    add_version(title, gard)
    for _ in range(2):
        Removal.objects.create(
            title=title, departement=gard, nom="X", prenoms="Y", received_on=DAY, channel="letter"
        )
    settings.RESULTS_RETENTION_DAYS = 30
    client.force_login(editor)
    page = client.get(reverse("insert", args=["gazette", "30", DAY])).content.decode()
    assert "2 demandes de retrait attendent d'être confirmées" in page
    # Whether still to come or overdue, the date counts from DAY, the last deliberation.
    purge_date = date_format(DAY + timedelta(days=30), "j F Y")
    assert f"{purge_date} (30 jours après la dernière délibération)" in page
    Purge.objects.create(ran_at=timezone.now(), session_last_day=DAY)
    page = client.get(reverse("insert", args=["gazette", "30", DAY])).content.decode()
    today = date_format(timezone.localdate(), "j F Y")
    assert f"Noms effacés le {today} ; les effectifs sont conservés." in page


def test_the_insert_status_does_not_grow_with_jobs(client, editor, title, gard):
    add_job(title, gard, user=editor)
    client.force_login(editor)
    url = reverse("insert_status", args=["gazette", "30", DAY])
    few = queries(client, url)
    for _ in range(MORE):
        add_job(title, gard, user=editor)
        add_job(None, gard, kind=Job.Kind.FETCH_RESULTS)
    assert queries(client, url) == few
    # The htmx poll: the same partial, then the order to stop.
    assert queries(client, url, HX_Request="true") == few


def test_the_results_list_does_not_grow_with_results(client, editor, title, gard):
    add_calendar(gard)
    add_results(gard)
    client.force_login(editor)
    url = reverse("results_list", args=["gazette", "30"])
    few = queries(client, url)
    for n in range(MORE):
        add_calendar(gard, day=DAY + timedelta(days=n), section=section(n))
        add_results(gard, section=section(n), how_many=5)
    assert queries(client, url) == few


def test_the_removals_page_does_not_grow_with_removals(client, editor, title, gard):
    def add_removal(departement, confirmed):
        return Removal.objects.create(
            title=title,
            departement=departement,
            nom=f"NOM{next(numbers)}",
            prenoms="Camille",
            received_on=DAY,
            channel=Removal.Channel.LETTER,
            created_by=editor,
            confirmed_at=timezone.now() if confirmed else None,
            confirmed_by=editor if confirmed else None,
        )

    add_calendar(gard)
    add_results(gard)
    add_removal(gard, confirmed=False)
    add_removal(gard, confirmed=True)
    client.force_login(editor)
    url = reverse("removals", args=["gazette"])
    few = queries(client, url)
    for n in range(MORE):
        dept = follow_new_departement(title, str(40 + n))
        add_removal(dept, confirmed=n % 2 == 0)
    assert queries(client, url) == few


def test_the_diplomas_page_does_not_grow_with_sections_and_figures(client, editor, title, gard):
    def mapped_section(number, region_code):
        filiere, option = section(number)
        code = f"5002{number:04d}"
        DiplomaCode.objects.create(filiere=filiere, option=option, cfd=code)
        for region in (region_code, ""):
            EmploymentFigure.objects.create(
                code=code, region_code=region, millesime="2022-2023", leavers=40
            )

    add_calendar(gard)
    add_calendar(gard, section=section(1))
    mapped_section(1, "76")
    client.force_login(editor)
    url = reverse("diplomas", args=["gazette"])
    few = queries(client, url)
    for n in range(2, 2 + MORE):
        dept = follow_new_departement(title, str(40 + n))
        dept.region_code = f"{n}"
        dept.region = f"Région {n}"
        dept.save()
        add_calendar(dept, section=section(n))
        mapped_section(n, dept.region_code)
        add_calendar(gard, section=section(100 + n))  # unmapped
    assert queries(client, url) == few


def test_the_audit_page_does_not_grow_with_events(client, admin, editor, title, gard):
    record(AuditEvent.Action.BUILD, title=title, user=editor, departement=gard, summary="v1")
    client.force_login(admin)
    url = reverse("audit", args=["gazette"])
    few = queries(client, url)
    for n in range(MORE * 20):
        dept = follow_new_departement(title, str(40 + n)) if n < MORE else gard
        record(AuditEvent.Action.DOWNLOAD, title=title, user=editor, departement=dept, summary="")
        record(AuditEvent.Action.FETCH, title=title, user=None, departement=dept, summary="")
    # The paginator counts the events on every page, one page or several: no query more.
    assert queries(client, url) == few
    assert queries(client, url + "?page=2") == few


def test_the_pages_composed_once_show_each_change_at_once(client, editor, title, gard):
    """Their SQL is kept, never their answers: a removal, a hold or a job added since the last
    view shows on the next."""
    add_calendar(gard)
    client.force_login(editor)
    insert_url = reverse("insert", args=["gazette", "30", DAY])
    departement_url = reverse("departement", args=["gazette", "30"])
    assert "demande de retrait" not in client.get(insert_url).content.decode()
    assert "Sections retenues" not in client.get(departement_url).content.decode()
    Removal.objects.create(
        title=title, departement=gard, nom="X", prenoms="Y", received_on=DAY, channel="letter"
    )
    hold(gard)
    Job.objects.create(kind=Job.Kind.FETCH_RESULTS, departement=gard, message="Résultats du 30")
    page = client.get(insert_url).content.decode()
    assert "1 demande de retrait attend d'être confirmée" in page
    assert "Sections retenues avant impression" in page
    page = client.get(departement_url).content.decode()
    assert "Sections retenues avant impression" in page and "Résultats du 30" in page
