"""Google's token endpoint and LinkedIn's profile and token endpoints."""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from linkedin_v2 import linkedin as linkedin_module

from relationkit.google import EMULATOR_CLIENT_ID, EMULATOR_CLIENT_SECRET
from relationkit.testing import GoogleEmulator

CLIENT = {"client_id": EMULATOR_CLIENT_ID, "client_secret": EMULATOR_CLIENT_SECRET}


def token(emulator: GoogleEmulator, **form: str) -> requests.Response:
    """A token request, as the emulator's own OAuth client unless ``form`` names another."""
    return requests.post(emulator.url + "/token", data={**CLIENT, **form})


def test_refresh_token_grant(google_emulator: GoogleEmulator) -> None:
    refresh = google_emulator.oauth.issue_refresh_token(("scope-a",))
    response = token(google_emulator, grant_type="refresh_token", refresh_token=refresh)
    assert response.status_code == 200
    body = response.json()
    assert body["token_type"] == "Bearer" and body["scope"] == "scope-a"
    assert 0 < body["expires_in"] <= 3600
    assert body["access_token"] in google_emulator.oauth.access_tokens


@pytest.mark.parametrize("revoked", [False, True])
def test_unknown_or_revoked_refresh_token_is_invalid_grant(
    google_emulator: GoogleEmulator, revoked: bool
) -> None:
    refresh = "1//unknown"
    if revoked:
        refresh = google_emulator.oauth.issue_refresh_token()
        google_emulator.oauth.revoke(refresh)
    response = token(google_emulator, grant_type="refresh_token", refresh_token=refresh)
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_grant"
    assert "error_description" in response.json()


@pytest.mark.parametrize(
    ("client", "why"),
    [
        ({"client_id": "nobody.apps.googleusercontent.com"}, "The OAuth client was not found."),
        ({"client_secret": "an old secret"}, "Unauthorized"),
        ({"client_id": "", "client_secret": ""}, "The OAuth client was not found."),
    ],
)
def test_an_unknown_client_or_a_wrong_secret_is_invalid_client(
    google_emulator: GoogleEmulator, client: dict[str, str], why: str
) -> None:
    refresh = google_emulator.oauth.issue_refresh_token()
    response = token(google_emulator, grant_type="refresh_token", refresh_token=refresh, **client)
    assert response.status_code == 401
    assert response.json() == {"error": "invalid_client", "error_description": why}


def test_the_client_may_authenticate_with_http_basic(google_emulator: GoogleEmulator) -> None:
    refresh = google_emulator.oauth.issue_refresh_token()
    form = {"grant_type": "refresh_token", "refresh_token": refresh}
    url = google_emulator.url + "/token"
    good = requests.post(url, data=form, auth=(EMULATOR_CLIENT_ID, EMULATOR_CLIENT_SECRET))
    assert good.status_code == 200
    bad = requests.post(url, data=form, auth=(EMULATOR_CLIENT_ID, "wrong"))
    assert bad.status_code == 401 and bad.json()["error"] == "invalid_client"


def test_a_refresh_token_works_only_for_its_own_client(google_emulator: GoogleEmulator) -> None:
    google_emulator.oauth.register_client("other.apps.googleusercontent.com", "other secret")
    refresh = google_emulator.oauth.issue_refresh_token(client_id=EMULATOR_CLIENT_ID)
    other = token(google_emulator, grant_type="refresh_token", refresh_token=refresh,
                  client_id="other.apps.googleusercontent.com",
                  client_secret="other secret")  # fmt: skip
    assert other.status_code == 400 and other.json()["error"] == "unauthorized_client"
    assert token(google_emulator, grant_type="refresh_token", refresh_token=refresh).ok


def test_authorization_code_grant_via_the_consent_redirect(google_emulator: GoogleEmulator) -> None:
    redirect = "http://localhost:8765/"
    consent = requests.get(google_emulator.url + "/o/oauth2/auth", allow_redirects=False, params={
        "redirect_uri": redirect, "state": "xyz", "scope": "a b", "response_type": "code",
    })  # fmt: skip
    assert consent.status_code == 302
    location = urlsplit(consent.headers["Location"])
    query = parse_qs(location.query)
    assert location.netloc == "localhost:8765" and query["state"] == ["xyz"]
    code = query["code"][0]
    first = token(google_emulator, grant_type="authorization_code", code=code,
                  redirect_uri=redirect)  # fmt: skip
    assert first.status_code == 200
    assert first.json()["refresh_token"] in google_emulator.oauth.refresh_tokens
    again = token(google_emulator, grant_type="authorization_code", code=code,
                  redirect_uri=redirect)  # fmt: skip
    assert again.json()["error"] == "invalid_grant"  # codes are single-use


def test_unsupported_grant_type(google_emulator: GoogleEmulator) -> None:
    response = token(google_emulator, grant_type="password")
    assert response.status_code == 400
    assert response.json()["error"] == "unsupported_grant_type"


def test_revoke_endpoint(google_emulator: GoogleEmulator) -> None:
    refresh = google_emulator.oauth.issue_refresh_token()
    assert requests.post(google_emulator.url + "/revoke", data={"token": refresh}).ok
    assert google_emulator.oauth.refresh_tokens[refresh].revoked


def test_oauth_faults(google_emulator: GoogleEmulator) -> None:
    google_emulator.inject_fault("oauth", "oauth.token", status=503)
    refresh = google_emulator.oauth.issue_refresh_token()
    assert token(google_emulator, grant_type="refresh_token",
                 refresh_token=refresh).status_code == 503  # fmt: skip


# -- LinkedIn ---------------------------------------------------------------------------------


def test_me_with_bearer_token_and_query_parameter(google_emulator: GoogleEmulator) -> None:
    access = google_emulator.linkedin.issue_token()
    by_header = requests.get(google_emulator.url + "/v2/me",
                             headers={"Authorization": f"Bearer {access}"})  # fmt: skip
    by_query = requests.get(google_emulator.url + "/v2/me",
                            params={"oauth2_access_token": access})  # fmt: skip
    assert by_header.json() == by_query.json()
    profile = by_header.json()
    assert profile["localizedFirstName"] == "Alex"
    assert profile["firstName"]["localized"]["en_US"] == "Alex"


def test_userinfo(google_emulator: GoogleEmulator) -> None:
    access = google_emulator.linkedin.issue_token()
    info = requests.get(google_emulator.url + "/v2/userinfo",
                        headers={"Authorization": f"Bearer {access}"}).json()  # fmt: skip
    assert info["sub"] == "emuMember01" and info["email_verified"] is True


@pytest.mark.parametrize(
    ("setup", "code"),
    [("missing", 65604), ("unknown", 65600), ("revoked", 65601), ("expired", 65602)],
)
def test_token_errors_in_linkedin_format(
    google_emulator: GoogleEmulator, setup: str, code: int
) -> None:
    access = google_emulator.linkedin.issue_token()
    if setup == "revoked":
        google_emulator.linkedin.revoke_token(access)
    elif setup == "expired":
        google_emulator.advance(timedelta(days=61))
    params = {} if setup == "missing" else {
        "oauth2_access_token": "nope" if setup == "unknown" else access
    }  # fmt: skip
    response = requests.get(google_emulator.url + "/v2/me", params=params)
    assert response.status_code == 401
    body = response.json()
    assert (body["serviceErrorCode"], body["status"]) == (code, 401)
    assert body["message"]
    assert set(body) <= {"serviceErrorCode", "message", "status", "code"}
    if setup == "revoked":
        assert body["code"] == "REVOKED_ACCESS_TOKEN"


def test_rate_limit_fault_in_linkedin_format(google_emulator: GoogleEmulator) -> None:
    google_emulator.inject_fault("linkedin", "linkedin.me", status=429)
    access = google_emulator.linkedin.issue_token()
    response = requests.get(google_emulator.url + "/v2/me", params={"oauth2_access_token": access})
    assert response.status_code == 429
    assert response.json()["status"] == 429 and "serviceErrorCode" in response.json()


def test_access_token_endpoint(google_emulator: GoogleEmulator) -> None:
    consent = requests.get(google_emulator.url + "/oauth/v2/authorization", params={
        "redirect_uri": "http://localhost/cb", "state": "s", "response_type": "code",
    }, allow_redirects=False)  # fmt: skip
    code = parse_qs(urlsplit(consent.headers["Location"]).query)["code"][0]
    form = {"grant_type": "authorization_code", "code": code, "redirect_uri": "http://localhost/cb",
            "client_id": "k", "client_secret": "s"}  # fmt: skip
    response = requests.post(google_emulator.url + "/oauth/v2/accessToken", data=form)
    assert response.status_code == 200
    assert response.json()["access_token"] in google_emulator.linkedin.tokens
    reused = requests.post(google_emulator.url + "/oauth/v2/accessToken", data=form)
    assert reused.status_code == 400 and reused.json()["error"] == "invalid_request"


def test_python_linkedin_v2_against_the_emulator(
    google_emulator: GoogleEmulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The unmodified library; its base URL can only be moved by replacing ENDPOINTS."""
    monkeypatch.setattr(linkedin_module.ENDPOINTS, "BASE", google_emulator.url + "/v2")
    access = google_emulator.linkedin.issue_token()
    application = linkedin_module.LinkedInApplication(token=access)
    assert application.get_profile()["id"] == "emuMember01"
    assert google_emulator.requests[-1].params["oauth2_access_token"] == [access]
