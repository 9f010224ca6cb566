"""Login throttling (django-axes): five wrong passwords lock one username out from one address
for 15 minutes, ten from all addresses together lock it out from everywhere, on the editors'
login and on the admin's. Passwords follow Django's validators, 12 characters at least."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.urls import reverse

from sandbox.management.commands.demo import DEFAULT_PASSWORD, USERNAME

pytestmark = pytest.mark.django_db

ADDRESS = "203.0.113.7"


def log_in(client, username, password, address=ADDRESS, url=None, **headers):
    return client.post(
        url or reverse("login"),
        {"username": username, "password": password},
        REMOTE_ADDR=address,
        **headers,
    )


def fail(client, times, username="redac", **options):
    for _ in range(times):
        response = log_in(client, username, "pas-le-bon", **options)
    return response


def is_logged_in(client):
    return "_auth_user_id" in client.session


def test_four_wrong_passwords_only_get_the_login_form_again(client, editor):
    response = fail(client, 4)
    assert response.status_code == 200
    assert "Identifiant ou mot de passe incorrect." in response.text

    assert log_in(client, "redac", "pw").status_code == 302
    assert is_logged_in(client)


def test_after_five_wrong_passwords_the_right_one_is_refused_with_the_lockout_page(client, editor):
    assert fail(client, 5).status_code == 429

    response = log_in(client, "redac", "pw")
    assert response.status_code == 429
    assert "Connexion suspendue" in response.text
    assert "Après 5 mots de passe erronés pour cet identifiant" in response.text
    assert "Réessayez dans 15 minutes." in response.text
    assert "registration/locked_out.html" in [t.name for t in response.templates]
    assert not is_logged_in(client)


def test_another_username_from_the_same_address_is_not_locked_out(client, editor):
    get_user_model().objects.create_user("collegue", password="autre-mot-de-passe")
    fail(client, 5)

    assert log_in(client, "collegue", "autre-mot-de-passe").status_code == 302
    assert is_logged_in(client)


def test_the_same_username_from_another_address_is_not_locked_out(client, editor):
    fail(client, 5)

    assert log_in(client, "redac", "pw", address="198.51.100.20").status_code == 302


def test_the_lockout_ends_after_15_minutes(client, editor):
    start = datetime(2026, 7, 3, 9, 0, tzinfo=UTC)
    with time_machine.travel(start, tick=False) as traveller:
        fail(client, 5)
        traveller.shift(timedelta(minutes=14))
        assert log_in(client, "redac", "pw").status_code == 429
        # A try during the lockout does not extend it: 15 minutes after the fifth failure.
        traveller.shift(timedelta(minutes=1, seconds=1))
        assert log_in(client, "redac", "pw").status_code == 302
        assert is_logged_in(client)


def test_a_successful_login_clears_the_failures(client, editor):
    fail(client, 4)
    log_in(client, "redac", "pw")
    client.logout()

    assert fail(client, 4).status_code == 200


def test_the_admin_login_is_throttled_too(client):
    get_user_model().objects.create_superuser("chef", password="mot-de-passe-admin")
    admin_login = reverse("admin:login")
    assert fail(client, 5, username="chef", url=admin_login).status_code == 429

    response = log_in(client, "chef", "mot-de-passe-admin", url=admin_login)
    assert response.status_code == 429
    assert "Connexion suspendue" in response.text


def test_behind_the_proxy_a_client_cannot_escape_by_sending_its_own_forwarded_for(
    client, editor, settings
):
    settings.AXES_IPWARE_META_PRECEDENCE_ORDER = ("HTTP_X_FORWARDED_FOR", "REMOTE_ADDR")
    settings.AXES_IPWARE_PROXY_ORDER = "right-most"
    proxy = "10.0.0.2"
    for spoofed in range(5):
        # The proxy appends the address it saw; what the client sent stays on the left.
        fail(client, 1, address=proxy, HTTP_X_FORWARDED_FOR=f"192.0.2.{spoofed}, {ADDRESS}")

    response = log_in(client, "redac", "pw", address=proxy, HTTP_X_FORWARDED_FOR=ADDRESS)
    assert response.status_code == 429
    other = log_in(client, "redac", "pw", address=proxy, HTTP_X_FORWARDED_FOR="198.51.100.20")
    assert other.status_code == 302


def test_a_guesser_rotating_addresses_is_locked_out_of_the_username(client, editor):
    # Two tries from each address: far below the limit of any one (username, address) pair.
    for n in range(10):
        fail(client, 2, address=f"192.0.2.{n}")

    response = log_in(client, "redac", "pw", address="198.51.100.20")
    assert response.status_code == 429
    assert "Connexion suspendue" in response.text
    assert not is_logged_in(client)
    # Other usernames still log in.
    get_user_model().objects.create_user("collegue", password="autre-mot-de-passe")
    assert log_in(client, "collegue", "autre-mot-de-passe").status_code == 302


def test_failures_from_several_addresses_below_the_username_limit_lock_nobody_out(client, editor):
    for n in range(3):
        fail(client, 3, address=f"192.0.2.{n}")

    assert log_in(client, "redac", "pw", address="198.51.100.20").status_code == 302


def test_the_username_lockout_ends_after_the_cool_off(client, editor):
    start = datetime(2026, 7, 3, 9, 0, tzinfo=UTC)
    with time_machine.travel(start, tick=False) as traveller:
        for n in range(5):
            fail(client, 2, address=f"192.0.2.{n}")
        assert log_in(client, "redac", "pw").status_code == 429
        traveller.shift(timedelta(minutes=15, seconds=1))
        assert log_in(client, "redac", "pw").status_code == 302


def test_a_password_needs_12_characters():
    with pytest.raises(ValidationError) as refused:
        validate_password("Xq7!vB2#pLm")  # 11 characters, nothing else wrong with it

    assert [error.code for error in refused.value.error_list] == ["password_too_short"]
    validate_password("Xq7!vB2#pLm9")


def test_an_all_digit_password_is_refused_whatever_its_length():
    with pytest.raises(ValidationError) as refused:
        validate_password("382910475628")

    assert [error.code for error in refused.value.error_list] == ["password_entirely_numeric"]


def test_the_demos_password_passes_the_validators():
    user = get_user_model()(username=USERNAME)
    validate_password(DEFAULT_PASSWORD, user)
