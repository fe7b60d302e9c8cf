"""Sign-out ends the session on the server, and redirects stay on this site."""

from __future__ import annotations

import json
from base64 import b64encode
from datetime import timedelta

import httpx
import itsdangerous

from tests.test_web_api import csrf_of, post_sign_in
from tests.test_web_pages import signed_in
from webapp.auth import LiveSessions
from webapp.services import WebServices

OFF_SITE = ["//evil.example", "https://evil.example/", "/\\evil.example", "javascript:alert(1)"]


def with_cookie(value: str) -> dict[str, str]:
    """Headers that send this session cookie, as an attacker holding a copy would."""
    return {"Cookie": f"dr_session={value}"}


async def test_a_copied_session_cookie_is_refused_after_sign_out(api: httpx.AsyncClient) -> None:
    token = await signed_in(api, "ana")
    copied = api.cookies["dr_session"]
    assert (await api.get("/queue", headers=with_cookie(copied))).status_code == 200
    assert (await api.get("/api/v1/reviews", headers=with_cookie(copied))).status_code == 200

    assert (await api.post("/sign-out", data={"csrf_token": token})).status_code == 303
    api.cookies.clear()
    anonymous = await api.get("/api/v1/reviews")

    page = await api.get("/queue", headers=with_cookie(copied))
    assert page.status_code == 303
    assert page.headers["location"] == "/sign-in?next=/queue"
    replayed = await api.get("/api/v1/reviews", headers=with_cookie(copied))
    assert replayed.status_code == anonymous.status_code == 401
    assert replayed.json() == anonymous.json()


async def test_a_signed_cookie_without_a_live_session_id_is_refused(
    api: httpx.AsyncClient, web_services: WebServices
) -> None:
    # What a cookie from before session ids looks like, validly signed with the app's key.
    signer = itsdangerous.TimestampSigner(web_services.settings.signing_key())
    session = b64encode(json.dumps({"person": "ana", "sid": "made-up"}).encode())
    cookie = signer.sign(session).decode()
    page = await api.get("/queue", headers=with_cookie(cookie))
    assert page.status_code == 303
    assert page.headers["location"] == "/sign-in?next=/queue"
    assert (await api.get("/api/v1/reviews", headers=with_cookie(cookie))).status_code == 401


def test_a_session_id_lives_for_the_session_lifetime_and_is_then_forgotten() -> None:
    now = [1000.0]
    sessions = LiveSessions(clock=lambda: now[0])
    first = sessions.start("ana", timedelta(hours=10))
    assert sessions.person(first) == "ana"
    now[0] += 10 * 3600 - 1
    assert sessions.person(first) == "ana"
    now[0] += 1
    assert sessions.person(first) is None
    ended = sessions.start("marco", timedelta(hours=10))
    sessions.end(ended)
    assert sessions.person(ended) is None
    now[0] += 10 * 3600
    sessions.start("luis", timedelta(hours=10))
    assert len(sessions) == 1  # ended and expired ids take no memory


async def test_switching_language_returns_only_to_same_site_paths(
    api: httpx.AsyncClient,
) -> None:
    token = csrf_of(await api.get("/sign-in"))

    async def back_to(back: str) -> str:
        answer = await api.post(
            "/language", data={"locale": "en", "csrf_token": token, "back": back}
        )
        assert answer.status_code == 303
        return answer.headers["location"]

    for target in OFF_SITE:
        assert await back_to(target) == "/queue", target
    assert await back_to("/reviews/review-INC-1") == "/reviews/review-INC-1"


async def test_sign_in_never_redirects_to_a_backslash_host(api: httpx.AsyncClient) -> None:
    answer = await post_sign_in(api, "ana", next="/\\evil.example")
    assert answer.status_code == 303
    assert answer.headers["location"] == "/queue"
