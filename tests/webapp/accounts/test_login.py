"""Guessing passwords is throttled; errors show a friendly page, never Django's technical one."""

import pytest

from tests.conftest import loaded_addresses, served_here

pytestmark = pytest.mark.django_db


def test_after_five_wrong_passwords_even_the_right_one_is_refused_for_a_while(client, make_user, settings):
    user = make_user("viewer", "guessed")
    for _ in range(settings.LOGIN_LIMIT):
        assert client.post("/accounts/login/", {"username": user.username, "password": "wrong"}).status_code == 200
    refused = client.post("/accounts/login/", {"username": user.username, "password": "pw-for-tests-123"})
    assert refused.status_code == 429 and "Too many failed logins" in refused.content.decode()
    assert "_auth_user_id" not in client.session


def test_a_right_password_clears_the_count(client, make_user, settings):
    user = make_user("viewer", "forgetful")
    for _ in range(settings.LOGIN_LIMIT - 1):
        client.post("/accounts/login/", {"username": user.username, "password": "wrong"})
    assert client.post("/accounts/login/", {"username": user.username, "password": "pw-for-tests-123"}).status_code == 302
    client.logout()
    client.post("/accounts/login/", {"username": user.username, "password": "wrong"})
    assert client.post("/accounts/login/", {"username": user.username, "password": "pw-for-tests-123"}).status_code == 302


def test_debug_is_off_unless_asked_for_and_errors_get_a_friendly_page(client_as, settings):
    from webapp.settings import DEBUG

    assert DEBUG is False
    response = client_as("viewer").get("/no/such/page/")
    assert response.status_code == 404 and "Not found" in response.content.decode()
    assert "Content-Security-Policy" in response.headers and "script-src 'self'" in response.headers[
        "Content-Security-Policy"]


def test_the_api_docs_and_the_favicon_are_served_locally(client_as):
    client = client_as("viewer")
    docs = client.get("/api/docs").content.decode()
    addresses = loaded_addresses(docs)
    assert "/static/ninja/swagger-ui-bundle.js" in addresses
    assert all(served_here(address) for address in addresses), addresses
    assert client.get("/static/ninja/swagger-ui-bundle.js").status_code == 200
    assert client.get("/favicon.ico").status_code == 301
