"""Request limits and error pages: an over-large request gets a French 400 page, never a 500,
and every error page renders in French even without a request."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.template.loader import render_to_string
from django.test import Client
from django.urls import reverse

from results.models import Title

pytestmark = pytest.mark.django_db

MB = 1024 * 1024


@pytest.fixture
def browser(title_admin):
    """A client whose requests go through the CSRF check, with the cookie a visit leaves: the
    check reads the body before any view does."""
    client = Client(enforce_csrf_checks=True)
    client.force_login(title_admin)
    client.get(print_settings())
    return client


def print_settings():
    return reverse("print_settings", args=["gazette"])


def test_an_upload_over_the_body_limit_answers_400_with_the_french_page(browser, settings):
    upload = SimpleUploadedFile("enorme.icc", b"\0" * (settings.UPLOAD_MAX_BODY_SIZE + 1))
    response = browser.post(print_settings(), {"icc_profile": upload, "bleed_mm": "0"})

    assert response.status_code == 400
    page = response.text
    assert '<html lang="fr">' in page
    assert "Requête refusée" in page
    assert "un profil ICC fait 8 Mo au plus" in page
    assert not Title.objects.get().icc_profile


def test_a_profile_just_over_8_mb_gets_the_forms_own_message(client, title_admin):
    client.force_login(title_admin)
    upload = SimpleUploadedFile("gros.icc", b"\0" * (8 * MB + 100_000))
    response = client.post(print_settings(), {"icc_profile": upload, "bleed_mm": "0"})

    assert response.status_code == 200
    assert "Fichier trop gros pour un profil ICC (8 Mo au plus)." in response.text


def test_form_fields_over_the_limit_answer_400_with_the_french_page(browser):
    body = "bleed_mm=0&note=" + "a" * (1 * MB + 1)
    response = browser.post(
        print_settings(), body, content_type="application/x-www-form-urlencoded"
    )

    assert response.status_code == 400
    assert "Requête refusée" in response.text


def test_too_many_fields_answer_400(browser):
    body = "&".join(f"field{i}=x" for i in range(501))
    response = browser.post(
        print_settings(), body, content_type="application/x-www-form-urlencoded"
    )

    assert response.status_code == 400


def test_an_expired_form_gets_the_french_csrf_page(browser):
    response = browser.post(print_settings(), {"bleed_mm": "0"})

    assert response.status_code == 403
    assert "Formulaire expiré" in response.text
    assert "Rien n'a été enregistré." in response.text


def test_an_unknown_page_gets_the_french_404(client, title_admin):
    client.force_login(title_admin)
    response = client.get("/journal/gazette/nulle-part/")

    assert response.status_code == 404
    assert "Page introuvable" in response.text


@pytest.mark.parametrize(
    ("template", "heading"),
    [
        ("400.html", "Requête refusée"),
        ("403.html", "Accès refusé"),
        ("403_csrf.html", "Formulaire expiré"),
        ("404.html", "Page introuvable"),
        ("500.html", "Erreur du serveur"),
    ],
)
def test_error_pages_render_in_french_without_a_request(template, heading):
    # As Django's handler renders 400 and 500: no request, no context processor.
    page = render_to_string(template)

    assert '<html lang="fr">' in page
    assert f"<h1>{heading}</h1>" in page
    assert 'href="/static/css/app.css"' in page
