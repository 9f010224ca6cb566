"""Upstream answers are read within UPSTREAM_MAX_BYTES: a larger one is refused while it is
read (or before, from its Content-Length), as a bad payload that keeps what is stored."""

import httpx2
import pytest

from results.models import Fetch, Result
from results.sources.arpent import ArpentPayloadError
from results.sources.education import EducationClient, OpenDataPayloadError
from results.sources.inserjeunes import InserJeunesClient, InserJeunesPayloadError
from results.store.sync import sync_results
from tests.conftest import FakeUpstream, fixture_bytes

pytestmark = pytest.mark.django_db

CAP = 64 * 1024
CHUNK = 8 * 1024


class EndlessList(httpx2.SyncByteStream):
    """A JSON list that never ends, served in chunks; counts the bytes it handed out."""

    def __init__(self):
        self.sent = 0

    def __iter__(self):
        row = b'{"filiere": "BTSA", "option": "", "departement": "30", "nom": "X"},'
        chunk = b"[" + row * (CHUNK // len(row))
        while True:
            self.sent += len(chunk)
            yield chunk


def endless(**headers):
    stream = EndlessList()
    return stream, httpx2.Response(
        200, stream=stream, headers={"Content-Type": "application/json", **headers}
    )


@pytest.fixture(autouse=True)
def small_cap(settings):
    settings.UPSTREAM_MAX_BYTES = CAP


def stored():
    return sorted(Result.objects.values_list("nom", "prenoms", "resultat"))


def test_an_answer_past_the_cap_is_refused_while_read_and_stores_nothing(
    gard, upstream, client_for, settings
):
    settings.UPSTREAM_MAX_BYTES = 1024 * 1024
    stream, huge = endless()
    good = httpx2.Response(200, content=fixture_bytes("resultats_30.json"))
    upstream.answer("/resultats", good, huge)
    client = client_for(upstream)
    sync_results(client, "30")
    before = stored()
    settings.UPSTREAM_MAX_BYTES = CAP
    with pytest.raises(ArpentPayloadError, match="réponse trop volumineuse"):
        sync_results(client, "30")
    # Read no further than the cap and the chunk that crossed it, and asked once only.
    assert CAP < stream.sent <= CAP + CHUNK + 100
    assert len(upstream.requests) == 2
    assert stored() == before
    failed = Fetch.objects.order_by("-started_at").first()
    assert failed.outcome == Fetch.Outcome.FAILED
    assert failed.payload == ""
    assert "plus de 65536 octets" in failed.summary


def test_an_announced_length_past_the_cap_is_refused_before_reading(gard, upstream, client_for):
    stream, huge = endless(**{"Content-Length": str(300 * 1024 * 1024)})
    upstream.answer("/resultats", huge)
    with pytest.raises(ArpentPayloadError, match="réponse trop volumineuse"):
        sync_results(client_for(upstream), "30")
    assert stream.sent == 0
    assert not Result.objects.exists()


def test_an_answer_within_the_cap_is_read_whole(gard, upstream, client_for):
    body = fixture_bytes("resultats_30.json")
    assert len(body) < CAP
    upstream.answer("/resultats", httpx2.Response(200, content=body))
    report = sync_results(client_for(upstream), "30")
    assert report.created == Result.objects.count() > 0


def test_the_open_data_portal_and_inserjeunes_are_capped_too():
    portal, inserjeunes = FakeUpstream(), FakeUpstream()
    portal_stream, huge = endless()
    portal.answer("/records", huge)
    inserjeunes_stream, huge = endless()
    inserjeunes.answer("/certifications/40321104", huge)
    education = EducationClient("http://portal.test", transport=httpx2.MockTransport(portal))
    with pytest.raises(OpenDataPayloadError, match="réponse trop volumineuse"):
        education.agricultural_establishments("30")
    exposition = InserJeunesClient(
        "https://exposition.inserjeunes.test", transport=httpx2.MockTransport(inserjeunes)
    )
    with pytest.raises(InserJeunesPayloadError, match="réponse trop volumineuse"):
        exposition.national("40321104")
    assert CAP < portal_stream.sent <= CAP + CHUNK + 100
    assert CAP < inserjeunes_stream.sent <= CAP + CHUNK + 100
