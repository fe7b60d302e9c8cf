"""Everything a person can ask of a review, in one table the API and the pages share.

Each entry says which permission it takes, which body a person submits, and how that body and
the person become the workflow request the ReviewClient sends.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel

from review.models import (
    ClaimRequest,
    DecisionBody,
    DecisionRequest,
    EscalationRequest,
    MoreInfoRequest,
    NoteBody,
    NoteRequest,
    Person,
    ReasonBody,
    RetryActioningRequest,
    ReviewAck,
    SecondReviewBody,
    SecondReviewRequest,
)
from temporal_runtime.reviews import ReviewClient
from webapp.access import Permission
from webapp.people import Caller

Send = Callable[[ReviewClient, str, Person, Any, str | None], Awaitable[ReviewAck]]


@dataclass(frozen=True)
class PersonRequest:
    """One kind of request: its URL segment, permission, body model and how to send it (with
    the person's idempotency key, if they gave one)."""

    path: str
    permission: Permission
    body: type[BaseModel] | None
    send: Send


PERSON_REQUESTS: dict[str, PersonRequest] = {
    r.path: r
    for r in (
        PersonRequest(
            "claim",
            Permission.CLAIM,
            None,
            lambda c, rid, p, _, key: c.claim(rid, ClaimRequest(reviewer=p), key),
        ),
        PersonRequest(
            "decision",
            Permission.DECIDE,
            DecisionBody,
            lambda c, rid, p, b, key: c.decide(
                rid, DecisionRequest(reviewer=p, **b.model_dump()), key
            ),
        ),
        PersonRequest(
            "second-review",
            Permission.SECOND_REVIEW,
            SecondReviewBody,
            lambda c, rid, p, b, key: c.second_review(
                rid, SecondReviewRequest(reviewer=p, **b.model_dump()), key
            ),
        ),
        PersonRequest(
            "notes",
            Permission.ADD_NOTE,
            NoteBody,
            lambda c, rid, p, b, key: c.add_note(rid, NoteRequest(author=p, **b.model_dump()), key),
        ),
        PersonRequest(
            "request-more-info",
            Permission.REQUEST_MORE_INFO,
            ReasonBody,
            lambda c, rid, p, b, key: c.request_more_info(
                rid, MoreInfoRequest(reviewer=p, **b.model_dump()), key
            ),
        ),
        PersonRequest(
            "escalate",
            Permission.ESCALATE,
            ReasonBody,
            lambda c, rid, p, b, key: c.escalate(
                rid, EscalationRequest(reviewer=p, **b.model_dump()), key
            ),
        ),
        PersonRequest(
            "retry-actioning",
            Permission.RETRY_ACTIONING,
            ReasonBody,
            lambda c, rid, p, b, key: c.retry_actioning(
                rid, RetryActioningRequest(operator=p, **b.model_dump()), key
            ),
        ),
    )
}


def update_id(path: str, caller: Caller, key: str | None) -> str | None:
    """The workflow update id for a person's idempotency key, scoped to the action and person
    so that two people's keys never collide."""
    return f"{path}:{caller.name}:{key}" if key else None
