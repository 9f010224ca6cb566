"""The staff's status page in the admin: heartbeat, polls, failures, backoff, pending jobs."""

import re
from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone

from results.deliberation import health, status
from results.models import Departement, Fetch, Job, Title

pytestmark = pytest.mark.django_db

NOW = timezone.now()


def minutes_ago(n):
    return NOW - timedelta(minutes=n)


def fetch(code, outcome, minutes, endpoint="resultats"):
    Fetch.objects.create(
        endpoint=endpoint,
        departement_id=code,
        departement_code=code,
        started_at=minutes_ago(minutes),
        outcome=outcome,
    )


@pytest.fixture
def desk(title, gard):
    """Gard followed by two titles, with a success then two failures and a failed scheduled
    poll; Hérault followed by one, only a failure; Lozère followed by none."""
    herault = Departement.objects.create(code="34", name="Hérault")
    lozere = Departement.objects.create(code="48", name="Lozère")
    other = Title.objects.create(name="Le Courrier", slug="courrier")
    other.departements.add(gard, herault)
    failed, ok = Fetch.Outcome.FAILED, Fetch.Outcome.UNCHANGED
    fetch("30", failed, 90)  # before the success: not counted
    fetch("30", ok, 60)
    fetch("30", failed, 50)
    fetch("30", failed, 40)
    fetch("30", ok, 30, endpoint="calendriers")  # another endpoint: not a results poll
    fetch("34", failed, 20)
    fetch("48", failed, 10)
    Job.objects.create(
        kind=Job.Kind.FETCH_RESULTS,
        departement=gard,
        slot="poll-1",
        status=Job.Status.FAILED,
        created_at=minutes_ago(2),
        finished_at=minutes_ago(1),
    )
    Job.objects.create(kind=Job.Kind.FETCH_RESULTS, departement=gard, status=Job.Status.RUNNING)
    Job.objects.create(kind=Job.Kind.BUILD_INSERT, departement=gard, title=title)
    Job.objects.create(kind=Job.Kind.BUILD_INSERT, departement=gard, title=other)
    Job.objects.create(kind=Job.Kind.BUILD_INSERT, departement=lozere, title=title)
    Job.objects.create(kind=Job.Kind.BUILD_INSERT, departement=gard, status=Job.Status.DONE)
    # From the real now, not the module's NOW: the page judges the beat's age on the clock, and
    # a long suite reaches this test minutes after collection (past 180 s, "en panne").
    health.stamp_heartbeat(timezone.now() - timedelta(seconds=20))


def test_each_followed_departement_gets_its_figures_in_a_fixed_number_of_queries(
    desk, django_assert_num_queries, settings
):
    # The failures above are minutes apart: a backoff counted in 5-minute intervals.
    settings.RESULTS_POLL_INTERVAL_S = 300
    with django_assert_num_queries(5):
        rows = {row.code: row for row in status.departements(NOW)}

    assert set(rows) == {"30", "34"}
    gard, herault = rows["30"], rows["34"]
    assert gard.titles == ["La Gazette du Midi", "Le Courrier"]
    assert gard.last_success == minutes_ago(60)
    assert gard.failures_since == 2
    assert gard.backing_off is True
    assert gard.pending == {
        ("récupération des résultats", "en cours"): 1,
        ("génération de l'encart", "en attente"): 2,
    }
    assert herault.titles == ["Le Courrier"]
    assert herault.last_success is None
    assert herault.failures_since == 1
    assert herault.backing_off is False
    assert herault.pending == {}


def test_staff_see_the_page_linked_from_the_admin_index(client, desk, staff):
    client.force_login(staff)

    assert "/admin/etat/" in client.get("/admin/").content.decode()
    response = client.get("/admin/etat/")

    assert response.status_code == 200
    page = response.content.decode()
    assert "État du service" in page
    assert re.search(r"Dernier battement il y a \d+ s\s+\(en marche\)", page)
    assert '<tr id="dept-30">' in page
    assert '<td class="failures">2</td>' in page
    assert "génération de l&#x27;encart (en attente) : 3" in page  # Lozère's build too
    assert "Lozère" not in page


def test_an_editor_who_is_not_staff_is_sent_to_the_admin_login(client, staff):
    editor = get_user_model().objects.create_user("redac", password="pw")
    client.force_login(editor)

    response = client.get("/admin/etat/")

    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")


def test_an_anonymous_visitor_is_sent_to_the_login_page(client):
    response = client.get("/admin/etat/")

    assert response.status_code == 302
    assert response["Location"].startswith("/connexion/")
