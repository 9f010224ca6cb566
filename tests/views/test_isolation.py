"""Title isolation: every URL pattern walked as anonymous, as another title's user, as the
title's own user. A new pattern fails here until it says how it is walked."""

from datetime import date

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from layouts.profile import BERLINER
from results.editions.builds import build_version
from results.models import (
    Addition,
    Job,
    Membership,
    PrintProfile,
    Removal,
    SectionHold,
    Title,
)
from tests.world import FORET, admitted, calendar, member, newspaper

pytestmark = pytest.mark.django_db

DAY = date(2026, 7, 1)
# What the title's pages show and another title's user must never see.
SECRETS = ("Gazette", "Gard", "DUPONTEL", "Amandine", "ZIDANE")
# Patterns outside the titles' pages: the login, the health probe (public, no title's data:
# tests/views/test_health.py), the admin (staff only, its own checks) and the sandbox (stand-ins for
# public APIs: ARPENT, InserJeunes, data.education.gouv.fr).
NOT_TITLE_PAGES = (
    "connexion/",
    "deconnexion/",
    "sante/",
    "admin/",
    "arpent-resultats-api/",
    "api/inserjeunes/",
    "api/explore/",
)


def walk(patterns, prefix=""):
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            yield from walk(pattern.url_patterns, prefix + str(pattern.pattern))
        elif isinstance(pattern, URLPattern):
            yield prefix + str(pattern.pattern), pattern.name


def title_patterns():
    return [
        (route, name)
        for route, name in walk(get_resolver().url_patterns)
        if not route.startswith(NOT_TITLE_PAGES) and name != "home"
    ]


@pytest.fixture
def world(title, gard, lozere, editor, title_admin):
    """Two titles on one installation, each with its data; users of each, with roles."""
    other = newspaper("L'Autre Journal", "autre", lozere)
    calendar(gard, FORET, day=DAY, candidates=20)
    admitted(gard, FORET, ("DUPONTEL", "Amandine"), ("ZIDANE", "Paul"))
    version, _ = build_version(title, gard, DAY)
    users = {
        "redac": editor,
        "chef": title_admin,
        "autre": member(other, "autre", Membership.Role.ADMIN),
    }
    objects = {
        "version": version,
        "profile": PrintProfile.create_from(title, BERLINER),
        "removal": Removal.objects.create(
            title=title,
            departement=gard,
            nom="DUPONTEL",
            prenoms="Amandine",
            received_on=DAY,
            channel=Removal.Channel.LETTER,
        ),
        "addition": Addition.objects.create(
            title=title,
            departement=gard,
            filiere=FORET[0],
            option=FORET[1],
            nom="ZIDANE",
            prenoms="Paul",
            resultat="Admission",
            day=DAY,
        ),
        "hold": SectionHold.objects.create(
            departement=gard, filiere=FORET[0], option=FORET[1], reason="16 admis pour 10 candidats"
        ),
    }
    return users, objects


def kwargs_of(name, objects, slug="gazette"):
    """The URL arguments of each pattern, pointing at the gazette's objects."""
    version, profile, removal = objects["version"], objects["profile"], objects["removal"]
    departement = {"slug": slug, "code": "30"}
    insert = {"slug": slug, "scope": "30", "day": DAY}
    by_name = {
        "title": {"slug": slug},
        "choose": {"slug": slug},
        "planning": {"slug": slug},
        "planning_csv": {"slug": slug},
        "planning_pdf": {"slug": slug},
        "departement": departement,
        "activity": departement,
        "request_fetch": departement,
        "results_list": departement,
        "inserts": {"slug": slug},
        "insert": insert,
        "insert_status": insert,
        "build": insert,
        "confirm_section": {**insert, "pk": objects["hold"].pk},
        "download": {"slug": slug, "pk": version.pk},
        "page_thumbnail": {"slug": slug, "pk": version.pk, "page": 1},
        "export_csv": {"slug": slug, "pk": version.pk},
        "export_tagged_text": {"slug": slug, "pk": version.pk},
        "mark_final": {"slug": slug, "pk": version.pk},
        "print_settings": {"slug": slug},
        "removals": {"slug": slug},
        "import_removals": {"slug": slug},
        "removal": {"slug": slug, "pk": removal.pk},
        "additions": {"slug": slug},
        "profiles": {"slug": slug},
        "new_profile": {"slug": slug},
        "profile": {"slug": slug, "pk": profile.pk},
        "profile_preview": {"slug": slug, "pk": profile.pk},
        "default_profile": {"slug": slug, "pk": profile.pk},
        "audit": {"slug": slug},
        "diplomas": {"slug": slug},
        "refresh_diplomas": {"slug": slug},
        "audit_csv": {"slug": slug},
    }
    return by_name.get(name)


# Pages only the title's admins open; its editors get 403. Besides the audit trail, everything
# that changes the whole title's print: départements followed, print settings and ICC profile,
# layout profiles and the default one. Editors keep what a deliberation day needs.
ADMIN_ONLY = {
    "audit",
    "audit_csv",
    "choose",
    "print_settings",
    "new_profile",
    "profile",
    "profile_preview",
    "default_profile",
}
# Views that only take POST: walked with POST, where GET answers 405.
POST_ONLY = {
    "confirm_section",
    "request_fetch",
    "refresh_diplomas",
    "build",
    "mark_final",
    "new_profile",
    "default_profile",
    "profile_preview",
}
# A form's target whose GET sends back to the page holding the form.
REDIRECTS_ON_GET = {"import_removals"}


def urls(objects, slug="gazette"):
    walked = []
    for route, name in title_patterns():
        kwargs = kwargs_of(name, objects, slug)
        assert kwargs is not None, f"URL pattern {route!r} ({name}): say how to walk it here"
        walked.append((name, reverse(name, kwargs=kwargs)))
    return walked


# What a POST-only view needs to do its work for the right user.
POST_DATA = {"new_profile": {"preset": "tabloid"}}


def request(client, name, url):
    return client.post(url, POST_DATA.get(name, {})) if name in POST_ONLY else client.get(url)


def test_every_page_sends_anonymous_visitors_to_the_login(client, world):
    _, objects = world
    walked = [("home", reverse("home")), *urls(objects)]
    for name, url in walked:
        response = request(client, name, url)
        assert response.status_code == 302, url
        assert response["Location"].startswith(reverse("login")), url
    assert len(walked) == len(title_patterns()) + 1


def test_another_titles_user_gets_404_everywhere_and_sees_nothing_of_the_title(client, world):
    users, objects = world
    client.force_login(users["autre"])
    jobs_before = Job.objects.count()
    walked = 0
    # The gazette's URLs, and the outsider's own title's URLs pointing at the gazette's objects.
    for slug in ("gazette", "autre"):
        for name, url in urls(objects, slug):
            if slug == "autre" and name in ("title", "choose", "planning", "inserts"):
                continue  # pages of the outsider's own title, with no gazette object in them
            if slug == "autre" and "pk" not in str(kwargs_of(name, objects)) and "30" not in url:
                continue
            for response in (request(client, name, url), client.post(url)):
                assert response.status_code == 404, (slug, url, response.status_code)
                body = response.content.decode(errors="replace")
                assert not any(secret in body for secret in SECRETS), url
            walked += 1
    assert walked >= 40
    # Nothing was started, marked or changed on the gazette's behalf.
    assert Job.objects.count() == jobs_before
    objects["version"].refresh_from_db()
    assert not objects["version"].is_final
    assert not Removal.objects.exclude(pk=objects["removal"].pk).exists()
    assert PrintProfile.objects.get(pk=objects["profile"].pk).is_default
    assert SectionHold.objects.get().is_held


def test_the_titles_own_users_open_every_page(client, world):
    users, objects = world
    for username in ("redac", "chef"):
        client.force_login(users[username])
        for name, url in urls(objects):
            response = request(client, name, url)
            if name in ADMIN_ONLY and username == "redac":
                assert response.status_code == 403, url
            elif name in POST_ONLY or name in REDIRECTS_ON_GET:
                assert response.status_code in (200, 302), (url, response.status_code)
            else:
                assert response.status_code == 200, (url, response.status_code)


def test_every_page_and_download_of_a_title_tells_caches_not_to_keep_it(client, world):
    users, objects = world
    client.force_login(users["chef"])
    walked = [("home", reverse("home")), *urls(objects)]
    for name, url in walked:
        response = request(client, name, url)
        assert response["Cache-Control"] == "private, no-store", (url, response.status_code)
    downloads = {"download", "page_thumbnail", "export_csv", "export_tagged_text", "planning_csv"}
    assert downloads <= {name for name, _ in walked}


def test_the_admin_pages_are_not_kept_by_caches_either(client, world):
    users, _ = world
    users["chef"].is_staff = users["chef"].is_superuser = True
    users["chef"].save()
    client.force_login(users["chef"])

    assert client.get("/admin/results/removal/")["Cache-Control"] == "private, no-store"


def test_static_files_keep_their_own_caching(client, world, settings):
    settings.WHITENOISE_USE_FINDERS = True  # serve from static/, no collectstatic in tests
    users, _ = world
    client.force_login(users["chef"])
    response = client.get("/static/css/app.css")

    assert response.status_code == 200
    assert "no-store" not in response.get("Cache-Control", "")


def test_an_editor_changes_nothing_of_the_titles_print_and_is_told_why_in_french(client, world):
    users, objects = world
    gazette = Title.objects.get(slug="gazette")
    other_profile = PrintProfile.create_from(gazette, BERLINER)
    client.force_login(users["redac"])
    attempts = [
        (reverse("choose", args=["gazette"]), {"departements": ["48"]}),
        (reverse("print_settings", args=["gazette"]), {"bleed_mm": "5"}),
        (reverse("new_profile", args=["gazette"]), {"preset": "tabloid"}),
        (reverse("profile", args=["gazette", other_profile.pk]), {"name": "Changé"}),
        (reverse("default_profile", args=["gazette", other_profile.pk]), {}),
    ]
    for url, data in attempts:
        response = client.post(url, data)
        assert response.status_code == 403, url
        assert "réservée aux administrateurs du titre" in response.text, url
        assert "403.html" in [t.name for t in response.templates], url

    assert list(gazette.departements.values_list("code", flat=True)) == ["30"]
    assert PrintProfile.objects.filter(title=gazette).count() == 2
    assert PrintProfile.objects.get(pk=objects["profile"].pk).is_default
    assert PrintProfile.objects.get(pk=other_profile.pk).name == other_profile.name


def test_an_editor_sees_no_link_to_what_only_the_admins_change(client, world):
    users, objects = world
    # "Impression", "Choisir les départements", "Nouveau gabarit…", "Modifier".
    admin_links = [
        reverse("print_settings", args=["gazette"]),
        reverse("choose", args=["gazette"]),
        reverse("new_profile", args=["gazette"]),
        reverse("profile", args=["gazette", objects["profile"].pk]),
    ]
    pages = [reverse("title", args=["gazette"]), reverse("profiles", args=["gazette"])]
    client.force_login(users["redac"])
    editor_sees = "".join(client.get(page).text for page in pages)
    client.force_login(users["chef"])
    admin_sees = "".join(client.get(page).text for page in pages)

    for link in admin_links:
        assert f'"{link}"' not in editor_sees, link
        assert f'"{link}"' in admin_sees, link
    assert "Définir par défaut" not in editor_sees
