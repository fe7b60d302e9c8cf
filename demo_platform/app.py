"""The demo platform: evidence sources, account status service and notification gateway.

It implements the same HTTP contracts a real deployment points the worker at:

- ``GET  /evidence/incidents/{incident_id}/trip?account_id=``, ``.../reports``,
  ``.../telematics``, ``.../messages`` and ``GET /evidence/accounts/{account_id}/history``
- ``POST /account-status/accounts/{account_id}/holds`` and ``.../enforcements``
  (``Idempotency-Key`` header), ``GET /account-status/accounts/{account_id}``
- ``POST /notification-gateway/messages`` (``Idempotency-Key`` header; the first message per key
  is kept and a repeat gets the same id back with 200), ``GET /notification-gateway/messages``

Outage switch for demos and tests: when the review id (``X-Review-Id`` header) or incident id
contains ``outage-<source>`` (e.g. ``INC-7-outage-telematics``), that evidence source answers 503.

Refusal switch for demos and tests: when the review id in the body or the account id contains
``refuse-enforcement`` (or ``refuse-hold``), the account status service refuses the first
request for each ``Idempotency-Key`` of that change with 423 (the account is locked), changing
nothing; a later request with the same key goes through. The worker does not retry a 423, so
the review's actioning is blocked until an operator retries it, and that retry succeeds.
"""

from __future__ import annotations

import json
import sqlite3
import threading
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from html import escape
from pathlib import Path
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.routing import Route

from demo_platform import synthetic

SCHEMA = """
create table if not exists operations (
    service text not null, idempotency_key text not null, response text not null,
    primary key (service, idempotency_key));
create table if not exists accounts (
    account_id text primary key, status text not null, until text, updated_at text not null);
create table if not exists messages (
    id text primary key, idempotency_key text unique not null, received_at text not null,
    message text not null);
create table if not exists refusals (
    service text not null, idempotency_key text not null, refused_at text not null,
    primary key (service, idempotency_key));
"""


class PlatformStore:
    """The demo platform's memory: account statuses, sent messages, idempotency keys."""

    def __init__(self, path: Path | None = None) -> None:
        self._lock = threading.Lock()
        self._db = sqlite3.connect(str(path) if path else ":memory:", check_same_thread=False)
        self._db.executescript(SCHEMA)

    def once(
        self, service: str, key: str, perform: Callable[[], dict[str, Any]]
    ) -> tuple[dict[str, Any], bool]:
        """Perform an operation at most once per key; returns (answer, performed_now)."""
        with self._lock, self._db:
            row = self._db.execute(
                "select response from operations where service=? and idempotency_key=?",
                (service, key),
            ).fetchone()
            if row:
                return json.loads(row[0]), False
            answer = perform()
            self._db.execute(
                "insert into operations values (?, ?, ?)", (service, key, json.dumps(answer))
            )
            return answer, True

    def refuse_first(self, service: str, key: str) -> bool:
        """True the first time ``key`` asks ``service`` for a change (which is then refused),
        False on every later attempt."""
        with self._lock, self._db:
            cursor = self._db.execute(
                "insert or ignore into refusals values (?, ?, ?)",
                (service, key, _now().isoformat()),
            )
            return cursor.rowcount == 1

    def set_account(self, account_id: str, status: str, until: datetime | None) -> None:
        """Record an account's new status (called inside ``once``)."""
        self._db.execute(
            "insert or replace into accounts values (?, ?, ?, ?)",
            (account_id, status, until.isoformat() if until else None, _now().isoformat()),
        )

    def account(self, account_id: str) -> dict[str, Any]:
        """An account's status; accounts never touched are active."""
        with self._lock:
            row = self._db.execute(
                "select status, until, updated_at from accounts where account_id=?", (account_id,)
            ).fetchone()
        if row is None:
            return {"account_id": account_id, "status": "active", "until": None}
        return {"account_id": account_id, "status": row[0], "until": row[1], "updated_at": row[2]}

    def add_message(self, message_id: str, key: str, message: dict[str, Any]) -> None:
        """Keep a delivered message (called inside ``once``)."""
        self._db.execute(
            "insert into messages values (?, ?, ?, ?)",
            (message_id, key, _now().isoformat(), json.dumps(message)),
        )

    def messages(self, review_id: str | None, recipient: str | None) -> list[dict[str, Any]]:
        """Delivered messages, newest first, optionally for one review or recipient."""
        with self._lock:
            rows = self._db.execute(
                "select id, idempotency_key, received_at, message from messages "
                "order by received_at desc"
            ).fetchall()
        found = []
        for message_id, key, received_at, body in rows:
            message = json.loads(body)
            if review_id and message.get("review_id") != review_id:
                continue
            if recipient and message.get("recipient_account_id") != recipient:
                continue
            found.append(
                {"id": message_id, "idempotency_key": key, "received_at": received_at, **message}
            )
        return found


def _now() -> datetime:
    return datetime.now(UTC)


def _outage(request: Request, source: str) -> bool:
    marker = f"outage-{source.replace('_', '-')}"
    haystack = " ".join(
        [request.headers.get("x-review-id", ""), request.path_params.get("incident_id", "")]
    ).lower()
    return marker in haystack


def _evidence(source: str, build: Callable[[Request], dict[str, Any]]) -> Callable[..., Any]:
    async def endpoint(request: Request) -> Response:
        if _outage(request, source):
            return JSONResponse({"error": f"{source} is down (demo outage)"}, status_code=503)
        return JSONResponse(build(request))

    return endpoint


def _refusal_switched_on(change: str, account_id: str, body: dict[str, Any]) -> bool:
    marker = f"refuse-{change}"
    haystack = " ".join([account_id, str(body.get("review_id", ""))]).lower()
    return marker in haystack


def _refused(change: str) -> Response:
    return JSONResponse(
        {
            "error": f"the account is locked against changes; {change} refused (demo refusal: "
            "the next attempt with this Idempotency-Key goes through)"
        },
        status_code=423,
    )


ENFORCED_STATUS = {
    "no_action": "active",
    "education": "active",
    "warning": "active",
    "temporary_suspension": "suspended",
    "permanent_deactivation": "deactivated",
}


async def _json_object(request: Request) -> dict[str, Any]:
    """The request's JSON body when it is an object, else empty (a hold needs no body)."""
    try:
        body = await request.json()
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}


def _idempotency_key(request: Request) -> str | None:
    key = request.headers.get("idempotency-key", "").strip()
    return key or None


def create_app(store: PlatformStore | None = None) -> Starlette:
    """The demo platform as one ASGI app."""
    db = store or PlatformStore()

    async def place_hold(request: Request) -> Response:
        key = _idempotency_key(request)
        if key is None:
            return JSONResponse({"error": "Idempotency-Key header is required"}, status_code=400)
        account_id = request.path_params["account_id"]
        body = await _json_object(request)
        if _refusal_switched_on("hold", account_id, body) and db.refuse_first("holds", key):
            return _refused("hold")

        def perform() -> dict[str, Any]:
            db.set_account(account_id, "on_hold", None)
            return {
                "account_id": account_id,
                "status": "on_hold",
                "reference": f"hold_{uuid.uuid4().hex[:12]}",
            }

        answer, created = db.once("holds", key, perform)
        return JSONResponse(answer, status_code=201 if created else 200)

    async def enforce(request: Request) -> Response:
        key = _idempotency_key(request)
        if key is None:
            return JSONResponse({"error": "Idempotency-Key header is required"}, status_code=400)
        account_id = request.path_params["account_id"]
        body = await _json_object(request)
        action = body.get("action")
        if action not in ENFORCED_STATUS:
            return JSONResponse({"error": "action: unknown action"}, status_code=422)
        days = body.get("suspension_days")
        if _refusal_switched_on("enforcement", account_id, body) and db.refuse_first(
            "enforcements", key
        ):
            return _refused("enforcement")

        def perform() -> dict[str, Any]:
            status = ENFORCED_STATUS[action]
            until = _now() + timedelta(days=days) if status == "suspended" and days else None
            db.set_account(account_id, status, until)
            return {
                "account_id": account_id,
                "status": status,
                "until": until.isoformat() if until else None,
                "reference": f"enf_{uuid.uuid4().hex[:12]}",
            }

        answer, created = db.once("enforcements", key, perform)
        return JSONResponse(answer, status_code=201 if created else 200)

    async def reinstate(request: Request) -> Response:
        key = _idempotency_key(request)
        if key is None:
            return JSONResponse({"error": "Idempotency-Key header is required"}, status_code=400)
        account_id = request.path_params["account_id"]
        body = await _json_object(request)
        if not body.get("review_id"):
            return JSONResponse({"error": "review_id: required"}, status_code=422)

        def perform() -> dict[str, Any]:
            db.set_account(account_id, "active", None)
            return {
                "account_id": account_id,
                "status": "active",
                "reference": f"rst_{uuid.uuid4().hex[:12]}",
            }

        answer, created = db.once("reinstatements", key, perform)
        return JSONResponse(answer, status_code=201 if created else 200)

    async def account(request: Request) -> Response:
        return JSONResponse(db.account(request.path_params["account_id"]))

    async def send_message(request: Request) -> Response:
        key = _idempotency_key(request)
        if key is None:
            return JSONResponse({"error": "Idempotency-Key header is required"}, status_code=400)
        message = await request.json()
        missing = [
            f for f in ("recipient_account_id", "locale", "subject", "body") if not message.get(f)
        ]
        if missing:
            return JSONResponse({"error": f"missing fields: {', '.join(missing)}"}, status_code=422)

        def perform() -> dict[str, Any]:
            message_id = f"msg_{uuid.uuid4().hex[:12]}"
            db.add_message(message_id, key, message)
            return {"id": message_id, "status": "accepted"}

        answer, created = db.once("messages", key, perform)
        return JSONResponse(answer, status_code=201 if created else 200)

    async def list_messages(request: Request) -> Response:
        found = db.messages(
            request.query_params.get("review_id"), request.query_params.get("recipient")
        )
        if "text/html" in request.headers.get("accept", "") and "json" not in request.query_params:
            return HTMLResponse(_outbox_page(found))
        return JSONResponse({"messages": found})

    async def healthz(request: Request) -> Response:
        return JSONResponse({"status": "ok"})

    def param(name: str) -> Callable[[Request], str]:
        return lambda r: str(r.path_params[name])

    routes = [
        Route(
            "/evidence/incidents/{incident_id}/trip",
            _evidence(
                "trip_details",
                lambda r: synthetic.trip_details(
                    r.path_params["incident_id"], r.query_params.get("account_id", "drv_0")
                ),
            ),
        ),
        Route(
            "/evidence/incidents/{incident_id}/reports",
            _evidence(
                "incident_reports", lambda r: synthetic.incident_reports(param("incident_id")(r))
            ),
        ),
        Route(
            "/evidence/accounts/{account_id}/history",
            _evidence(
                "account_history", lambda r: synthetic.account_history(param("account_id")(r))
            ),
        ),
        Route(
            "/evidence/incidents/{incident_id}/telematics",
            _evidence("telematics", lambda r: synthetic.telematics(param("incident_id")(r))),
        ),
        Route(
            "/evidence/incidents/{incident_id}/messages",
            _evidence(
                "in_app_messages", lambda r: synthetic.in_app_messages(param("incident_id")(r))
            ),
        ),
        Route("/account-status/accounts/{account_id}/holds", place_hold, methods=["POST"]),
        Route("/account-status/accounts/{account_id}/enforcements", enforce, methods=["POST"]),
        Route("/account-status/accounts/{account_id}/reinstatements", reinstate, methods=["POST"]),
        Route("/account-status/accounts/{account_id}", account),
        Route("/notification-gateway/messages", send_message, methods=["POST"]),
        Route("/notification-gateway/messages", list_messages, methods=["GET"]),
        Route("/healthz", healthz),
    ]
    return Starlette(routes=routes)


MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def readable_time(timestamp: str) -> str:
    """An ISO timestamp as people read it, in UTC: ``2 Dec 2026, 09:42 UTC`` (the text as it
    is when it is not a timestamp)."""
    try:
        at = datetime.fromisoformat(timestamp)
    except ValueError:
        return timestamp
    if at.tzinfo is None:
        at = at.replace(tzinfo=UTC)  # the store writes UTC; a naive time can only be that
    at = at.astimezone(UTC)
    return f"{at.day} {MONTHS[at.month - 1]} {at.year}, {at:%H:%M} UTC"


def message_count(count: int) -> str:
    """``1 message``, ``11 messages``."""
    return f"{count} message" if count == 1 else f"{count} messages"


def _outbox_page(messages: list[dict[str, Any]]) -> str:
    rows = "".join(
        f"<article><h2>{escape(m['subject'])}</h2><p class=meta>"
        f'<time datetime="{escape(m["received_at"])}">{escape(readable_time(m["received_at"]))}'
        f"</time> · to {escape(m['recipient_account_id'])} ({escape(str(m.get('recipient_role')))})"
        f" · {escape(m['locale'])}"
        + (f" · fallback from {escape(m['fallback_from'])}" if m.get("fallback_from") else "")
        + f" · {escape(str(m.get('review_id')))}</p><pre>{escape(m['body'])}</pre></article>"
        for m in messages
    )
    return (
        "<!doctype html><meta charset=utf-8><title>Demo notification outbox</title>"
        "<style>body{font:15px system-ui;max-width:52rem;margin:2rem auto;padding:0 1rem}"
        "article{border:1px solid #ccd;border-radius:8px;padding:0 1rem;margin:1rem 0}"
        ".meta{color:#556;font-size:13px}pre{white-space:pre-wrap;font:14px/1.45 system-ui}</style>"
        f"<h1>Demo notification outbox</h1><p>{message_count(len(messages))}, newest first.</p>"
        f"{rows}"
    )
