"""Who is calling, and CSRF protection for browser forms.

A caller is found by, in order: an ``Authorization: Bearer`` token, the trusted SSO header
(when configured), or the signed session cookie of a signed-in person. Browser forms carry a
per-session CSRF token; API calls made with a session cookie send it as ``X-CSRF-Token``.
"""

from __future__ import annotations

import hmac
import secrets

from starlette.requests import Request

from webapp.people import Caller, PeopleDirectory

SESSION_PERSON = "person"
SESSION_CSRF = "csrf"
SESSION_LOCALE = "locale"


def caller_of(
    request: Request, people: PeopleDirectory, trusted_header: str | None
) -> Caller | None:
    """The caller of this request, or None when not authenticated."""
    authorization = request.headers.get("authorization", "")
    if authorization.lower().startswith("bearer "):
        return people.bearer(authorization[7:].strip())
    if trusted_header and (person_id := request.headers.get(trusted_header)):
        return people.person(person_id.strip())
    person_id = request.session.get(SESSION_PERSON)
    return people.person(person_id) if person_id else None


def uses_session(request: Request) -> bool:
    """True when the request is authenticated by cookie (and so needs CSRF protection)."""
    return not request.headers.get("authorization", "").lower().startswith("bearer ")


def csrf_token(request: Request) -> str:
    """The session's CSRF token, made on first use."""
    token = request.session.get(SESSION_CSRF)
    if not token:
        token = secrets.token_urlsafe(32)
        request.session[SESSION_CSRF] = token
    return str(token)


def csrf_valid(request: Request, submitted: str | None) -> bool:
    """Whether a submitted CSRF token matches the session's."""
    expected = request.session.get(SESSION_CSRF)
    return bool(expected and submitted and hmac.compare_digest(str(expected), submitted))
