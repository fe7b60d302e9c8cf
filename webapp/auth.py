"""Who is calling, signed-in sessions, and CSRF protection for browser forms.

A caller is found by, in order: an ``Authorization: Bearer`` token, the trusted SSO header
(when configured), or the signed session cookie of a signed-in person. Each sign-in gets a
random session id that is live on the server until sign-out or the end of the session
lifetime, so a copy of the cookie stops working at sign-out. Browser forms carry a
per-session CSRF token; API calls made with a session cookie send it as ``X-CSRF-Token``.
"""

from __future__ import annotations

import hmac
import secrets
import threading
import time
from collections.abc import Callable
from datetime import timedelta

from starlette.requests import Request

from webapp.drafts import FORM_DRAFTS
from webapp.people import Caller, PeopleDirectory

SESSION_PERSON = "person"
SESSION_ID = "sid"
SESSION_CSRF = "csrf"
SESSION_LOCALE = "locale"


class LiveSessions:
    """The ids of signed-in sessions, each with its person, until sign-out or its lifetime ends.

    A list of live ids (not of revoked ones) held in memory: the web app is one process
    (``python -m webapp`` runs a single uvicorn process, no workers), so every request sees
    it. The trade-off is that a restart signs everyone out, which fails safe; an in-memory
    list of revoked ids would instead forget its revocations on restart. Several processes
    or replicas would need a shared store instead. Lifetimes are absolute from sign-in and
    kept here, not in the cookie, because a cookie is re-signed (and so renewed) whenever
    its session changes, e.g. on a language switch; ended and expired ids are dropped, so
    memory is bounded by the sign-ins of one session lifetime.
    """

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._lock = threading.Lock()
        self._sessions: dict[str, tuple[str, float]] = {}

    def start(self, person_id: str, lifetime: timedelta) -> str:
        """A new session id for this person, live for ``lifetime``."""
        session_id = secrets.token_urlsafe(32)
        now = self._clock()
        with self._lock:
            # Sweeping on each sign-in keeps memory bounded without a background task.
            for expired in [k for k, (_, until) in self._sessions.items() if until <= now]:
                del self._sessions[expired]
            self._sessions[session_id] = (person_id, now + lifetime.total_seconds())
        return session_id

    def person(self, session_id: str) -> str | None:
        """The person a live session id belongs to; None once ended or expired."""
        with self._lock:
            found = self._sessions.get(session_id)
            if found is None:
                return None
            person_id, until = found
            if until <= self._clock():
                del self._sessions[session_id]
                return None
            return person_id

    def end(self, session_id: str) -> None:
        """End a session: its id, and every copy of its cookie, stop working."""
        with self._lock:
            self._sessions.pop(session_id, None)

    def __len__(self) -> int:
        with self._lock:
            return len(self._sessions)


LIVE_SESSIONS = LiveSessions()


def caller_of(
    request: Request, people: PeopleDirectory, trusted_header: str | None
) -> Caller | None:
    """The caller of this request, or None when not authenticated."""
    authorization = request.headers.get("authorization", "")
    if authorization.lower().startswith("bearer "):
        return people.bearer(authorization[7:].strip())
    if trusted_header and (person_id := request.headers.get(trusted_header)):
        return people.person(person_id.strip())
    return _session_caller(request, people)


def _session_caller(request: Request, people: PeopleDirectory) -> Caller | None:
    # A cookie without a live id (signed out, expired, or issued before session ids) is
    # treated exactly like no cookie at all.
    session_id = request.session.get(SESSION_ID)
    person_id = LIVE_SESSIONS.person(session_id) if isinstance(session_id, str) else None
    if person_id is None or person_id != request.session.get(SESSION_PERSON):
        return None
    return people.person(person_id)


def start_session(request: Request, person_id: str, lifetime: timedelta) -> None:
    """Sign a person in: a fresh session (no fixation) with a new live id."""
    end_session(request)
    request.session[SESSION_ID] = LIVE_SESSIONS.start(person_id, lifetime)
    request.session[SESSION_PERSON] = person_id


def end_session(request: Request) -> None:
    """Sign out: the session id stops working on the server and the cookie is cleared."""
    session_id = request.session.get(SESSION_ID)
    if isinstance(session_id, str):
        LIVE_SESSIONS.end(session_id)
        FORM_DRAFTS.drop_session(session_id)
    request.session.clear()


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
