"""What the web app's handlers share: the review client, people, policy, renderer, settings;
and the dependency that authenticates and authorizes a request."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import cached_property
from typing import Literal

from fastapi import HTTPException, Request

from decision_archive.appeals import AppealBook
from decision_archive.quality import QaBook
from decision_archive.report import CaseReportRenderer
from decision_archive.store import AccessAction, AccessEntry, DecisionArchive
from notifications.rendering import MessageRenderer
from review.matrix import ReviewPolicy
from review.models import ReviewState, ReviewStatus
from review.qa_sampling import QaSamplingPolicy, load_qa_sampling
from review.refusals import RuleKind
from webapp.access import Permission, allowed, refusal
from webapp.auth import caller_of, csrf_valid, uses_session
from webapp.people import Caller, PeopleDirectory
from webapp.settings import WebSettings
from workflows.appeal_client import AppealClient
from workflows.client import ReviewClient

HTTP_STATUS: dict[RuleKind, int] = {"conflict": 409, "invalid": 422, "forbidden": 403}
"""How a refusal by the review's rules (review/lifecycle.py) answers over HTTP."""


def update_id(path: str, caller: Caller, key: str | None) -> str | None:
    """The workflow update id for a caller's idempotency key, scoped to the request (its URL
    segment) and the caller so that two callers' keys never collide."""
    return f"{path}:{caller.name}:{key}" if key else None


@dataclass
class WebServices:
    """Long-lived things every request uses."""

    reviews: ReviewClient
    people: PeopleDirectory
    policy: ReviewPolicy
    renderer: MessageRenderer
    settings: WebSettings
    archive: DecisionArchive
    reports: CaseReportRenderer
    qa_sampling: QaSamplingPolicy = field(default_factory=load_qa_sampling)

    @cached_property
    def qa(self) -> QaBook:
        """QA's draws, scores and feedback, in the archive's database."""
        return QaBook.of(self.archive)

    @cached_property
    def appeals(self) -> AppealClient:
        """Appeals, on the reviews' Temporal client and task queue, read from the archive."""
        return AppealClient(
            self.reviews.client, self.reviews, AppealBook.of(self.archive), self.reviews.task_queue
        )

    def temporal_ui_link(self, review_id: str) -> str:
        """The review's workflow in the Temporal Web UI."""
        namespace = self.reviews.client.namespace
        base = self.settings.temporal_ui_url.rstrip("/")
        return f"{base}/namespaces/{namespace}/workflows/{review_id}"

    async def report_link(self, caller: Caller, state: ReviewState) -> str | None:
        """Where this caller reads the review's case report: only once the review is closed,
        its record is in the archive, and the caller's role may read reports."""
        if state.status is not ReviewStatus.CLOSED or not allowed(caller, Permission.READ_REPORTS):
            return None
        if not await asyncio.to_thread(self.archive.has_record, state.review_id):
            return None  # closed before the archive existed, or purged by retention
        return report_path(state.review_id)

    async def record_access(
        self,
        request: Request,
        caller: Caller,
        action: AccessAction,
        review_id: str | None,
        channel: Literal["page", "api", "codec"],
        detail: str | None = None,
    ) -> None:
        """Note in the access log that a person looked at a review, report or history, or that
        a platform client gave an account holder a review's record."""
        person_id, role = (
            (caller.person.id, str(caller.person.role))
            if caller.person
            else (caller.name, "platform")
        )
        entry = AccessEntry(
            at=datetime.now(UTC),
            person_id=person_id,
            role=role,
            action=action,
            review_id=review_id,
            channel=channel,
            client_address=request.client.host if request.client else None,
            detail=detail,
        )
        await asyncio.to_thread(self.archive.record_access, entry)


def report_path(review_id: str) -> str:
    """Where a closed review's case report is read (HTML; ``?format=md`` for Markdown)."""
    return f"/api/v1/reviews/{review_id}/report"


def services_of(request: Request) -> WebServices:
    """The app's services (a FastAPI dependency)."""
    services: WebServices = request.app.state.services
    return services


def current_caller(request: Request) -> Caller | None:
    """Who is calling, or None."""
    services = services_of(request)
    return caller_of(request, services.people, services.settings.trusted_user_header)


def authorize(permission: Permission, csrf: bool = True) -> Callable[[Request], Awaitable[Caller]]:
    """A dependency: 401 without credentials, 403 without the permission or CSRF token.

    ``csrf=False`` is for endpoints a cross-origin page of ours calls (the codec endpoint for
    the Temporal Web UI), where CORS decides which origin may read the answer.
    """

    async def dependency(request: Request) -> Caller:
        caller = current_caller(request)
        if caller is None:
            raise HTTPException(
                401, "sign in or send a bearer token", headers={"WWW-Authenticate": "Bearer"}
            )
        if not allowed(caller, permission):
            raise HTTPException(403, refusal(caller, permission))
        if csrf and request.method != "GET" and uses_session(request):
            submitted = request.headers.get("x-csrf-token")
            if not csrf_valid(request, submitted):
                raise HTTPException(403, "missing or wrong CSRF token (X-CSRF-Token header)")
        return caller

    return dependency
