"""Property-based fuzzing (hypothesis): every form, URL parameter and the CSV import take any
input without a server error. Run with --hypothesis-show-statistics to see the inputs tried."""

from datetime import date
from urllib.parse import quote

import pytest
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from layouts.profile import BERLINER
from results.day.removal_csv import COLUMNS, import_requests, parse
from results.models import (
    Insert,
    PrintProfile,
    Removal,
)
from tests.world import FORET, admitted, calendar

pytestmark = pytest.mark.django_db

DAY = date(2026, 7, 1)
# Function-scoped fixtures are set up once per test, not per example: the examples share the
# data and whatever the valid ones create, which is what a real installation sees too.
FUZZ = settings(
    max_examples=120,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

# Text as forms receive it: anything, control characters and NUL included, and look-alikes of
# valid values.
form_text = st.one_of(
    st.text(max_size=60),
    st.sampled_from(["", "0", "-1", "1e9", "30", "2A", "nan", "2026-02-30", "12,5", "\x00"]),
    st.from_regex(r"-?\d{1,6}([.,]\d{1,4})?", fullmatch=True),
)


def form_data(fields):
    return st.dictionaries(st.sampled_from(fields), form_text, max_size=len(fields))


@pytest.fixture
def world(title, gard, title_admin):
    """One title's objects to aim every form at, and its admin's client."""
    calendar(gard, FORET, day=DAY, candidates=20)
    admitted(gard, FORET, ("DUPONT", "Marie"))
    insert = Insert(
        title=title,
        departement=gard,
        day=DAY,
        number=1,
        names_count=1,
        pages=1,
        columns=1,
        lines=5,
        content_hash="x",
        content=[
            {
                "diploma": FORET[0],
                "option": FORET[1],
                "result": "Admission",
                "second_group": False,
                "heading": FORET[1],
                "names": ["DUPONT Marie"],
            }
        ],
    )
    insert.pdf.save("encart.pdf", ContentFile(b"%PDF-1.7 test"), save=False)
    insert.save()
    removal = Removal.objects.create(
        title=title,
        departement=gard,
        nom="DUPONT",
        prenoms="Marie",
        received_on=DAY,
        channel=Removal.Channel.LETTER,
    )
    client = Client(raise_request_exception=False)
    client.force_login(title_admin)
    return {
        "client": client,
        "title": title,
        "insert": insert,
        "removal": removal,
        "profile": PrintProfile.create_from(title, BERLINER),
    }


def answered(response):
    assert response.status_code < 500, response.content[:500]


PROFILE_FIELDS = [
    "name",
    "page_width_mm",
    "page_height_mm",
    "margin_top_mm",
    "margin_bottom_mm",
    "margin_left_mm",
    "margin_right_mm",
    "columns",
    "gutter_mm",
    "font_size_pt",
    "leading_pt",
    "list_style",
    "heading_size_pt",
    "title_size_pt",
]


@FUZZ
@given(data=form_data(PROFILE_FIELDS))
def test_the_profile_form_and_its_preview_take_any_input(world, data):
    pk = world["profile"].pk
    answered(world["client"].post(reverse("profile", args=["gazette", pk]), data))
    answered(world["client"].post(reverse("profile_preview", args=["gazette", pk]), data))


@FUZZ
@given(
    data=form_data(["bleed_mm", "crop_marks", "combine_departements", "icc_profile-clear"]),
    icc=st.one_of(st.none(), st.binary(max_size=2048)),
)
def test_the_print_settings_take_any_input_and_any_file(world, data, icc):
    files = {"icc_profile": SimpleUploadedFile("printer.icc", icc)} if icc is not None else {}
    answered(world["client"].post(reverse("print_settings", args=["gazette"]), data | files))


@FUZZ
@given(
    data=form_data(["nom", "prenoms", "departement", "diploma", "received_on", "channel", "note"])
)
def test_the_removal_request_form_takes_any_input(world, data):
    answered(world["client"].post(reverse("removals", args=["gazette"]), data))


@FUZZ
@given(lines=st.lists(form_text, max_size=4))
def test_the_removal_confirmation_takes_any_line_ids(world, lines):
    url = reverse("removal", args=["gazette", world["removal"].pk])
    answered(world["client"].post(url, {"lines": lines}))
    Removal.objects.filter(pk=world["removal"].pk).update(confirmed_at=None, lines=[])


@FUZZ
@given(data=form_data(["ina", "num_gestion"]))
def test_the_addition_form_takes_any_input(world, data, settings):
    settings.ARPENT_CONTRACT_KEYS = {}  # well-formed credentials stop before any network call
    answered(world["client"].post(reverse("additions", args=["gazette"]), data))


@FUZZ
@given(codes=st.lists(form_text, max_size=5), preset=form_text)
def test_the_departements_form_and_the_new_profile_take_any_input(world, codes, preset):
    answered(world["client"].post(reverse("choose", args=["gazette"]), {"departements": codes}))
    answered(world["client"].post(reverse("new_profile", args=["gazette"]), {"preset": preset}))


# URL parameters: path segments and query strings.
segment = st.one_of(
    st.text(min_size=1, max_size=20),
    st.sampled_from(["30", "tous", "2A", "..", "%00", "30/../48"]),
)


@FUZZ
@given(code=segment, version=form_text, day=st.from_regex(r"\d{4}-\d{2}-\d{2}", fullmatch=True))
def test_url_parameters_never_cause_a_server_error(world, code, version, day):
    client = world["client"]
    code = quote(code, safe="")
    for url in (
        f"/journal/gazette/departements/{code}/",
        f"/journal/gazette/departements/{code}/resultats/",
        f"/journal/gazette/encarts/{code}/{day}/",
        f"/journal/gazette/encarts/30/{day}/etat/",
        f"/journal/gazette/encarts/30/{DAY}/?version={quote(version)}",
        f"/journal/{code}/",
    ):
        answered(client.get(url))


@FUZZ
@given(pk=st.integers(min_value=0, max_value=2**63), page=st.integers(0, 2**31))
def test_object_ids_in_urls_never_cause_a_server_error(world, pk, page):
    client = world["client"]
    for url in (
        f"/journal/gazette/versions/{pk}/pdf/",
        f"/journal/gazette/versions/{world['insert'].pk}/pages/{page}.png",
        f"/journal/gazette/versions/{pk}/csv/",
        f"/journal/gazette/retraits/{pk}/",
        f"/journal/gazette/gabarits/{pk}/",
    ):
        answered(client.get(url))


# The CSV import: any bytes, and files shaped like the real thing with any cells.
cell = st.one_of(
    st.text(max_size=15),
    st.sampled_from(["30", "Bac pro", FORET[1], "02/07/2026", "2026-07-02", "courrier", "é;è"]),
)
csv_line = st.lists(cell, min_size=0, max_size=10).map(";".join)


@FUZZ
@given(data=st.binary(max_size=4096))
def test_the_csv_import_reads_any_bytes_without_crashing(world, data):
    parsed = parse(data, world["title"], today=DAY)
    assert parsed.errors or parsed.requests


@FUZZ
@given(lines=st.lists(csv_line, max_size=8), encoding=st.sampled_from(["utf-8", "cp1252"]))
def test_a_csv_file_is_either_wholly_valid_and_imported_or_refused_with_line_numbers(
    world, lines, encoding
):
    text = "\n".join([";".join(COLUMNS), *lines])
    data = text.encode(encoding, errors="replace")
    parsed = parse(data, world["title"], today=DAY)
    if parsed.errors:
        # Each error names its line, or refuses the file as a whole.
        prefixes = ("Ligne ", "Colonnes", "Aucune", "Plus de", "Fichier")
        assert all(error.startswith(prefixes) for error in parsed.errors), parsed.errors
    else:
        before = Removal.objects.count()
        import_requests(world["title"], parsed, None)
        assert Removal.objects.count() == before + len(parsed.requests)
    response = world["client"].post(
        reverse("import_removals", args=["gazette"]),
        {"file": SimpleUploadedFile("retraits.csv", data, "text/csv")},
    )
    answered(response)


@FUZZ
@given(data=form_data(["action", "start", "end", "page"]))
def test_the_audit_trail_filters_take_any_query_string(world, data):
    for name in ("audit", "audit_csv"):
        answered(world["client"].get(reverse(name, args=["gazette"]), data))
