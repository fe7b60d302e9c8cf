"""Everything a person can ask of a review, declared once.

Each ``PersonAction`` names its workflow update, its URL, the request the workflow receives and
the body a person submits, who may ask at all, the lifecycle check that refuses it and the
change it makes. The workflow's update handler and validator, the review client, the API routes,
the pages' forms and the permission the pages show are all derived from this table, so a new
action is one entry here plus its check and apply in ``review/lifecycle.py``.

Update names are stored in every review's history: never rename one.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Generic, TypeVar

from pydantic import ValidationError

from review import lifecycle
from review.matrix import ReviewPolicy
from review.models import (
    ClaimRequest,
    DecisionBody,
    DecisionRequest,
    EscalationRequest,
    MoreInfoRequest,
    NoteBody,
    NoteRequest,
    Person,
    PersonRole,
    ReasonBody,
    ReassignBody,
    ReassignRequest,
    RetryActioningRequest,
    ReviewState,
    SecondReviewBody,
    SecondReviewRequest,
    StrictModel,
)
from review.refusals import ReviewRuleError

RequestT = TypeVar("RequestT", bound=StrictModel)

EVERYONE = frozenset(PersonRole)
DECIDERS = frozenset({PersonRole.SPECIALIST, PersonRole.LEAD})


@dataclass(frozen=True)
class PersonAction(Generic[RequestT]):
    """One thing a person can ask of a review."""

    update: str
    """The workflow update's name (stored in history: never rename)."""
    path: str
    """The URL segment: POST /api/v1/reviews/{review_id}/{path} and the page's form."""
    verb: str
    """What the action is called where people read it: "a qa may not claim"."""
    summary: str
    """One line for the API docs."""
    request: type[RequestT]
    body: type[StrictModel] | None
    """What a person submits: the request without the person (None: nothing to fill in)."""
    person_field: str
    """The request field that holds the person asking."""
    roles: frozenset[PersonRole]
    """Who may ask at all; the lifecycle check decides the rest."""
    check: Callable[[ReviewState, RequestT, ReviewPolicy], None]
    apply: Callable[[ReviewState, RequestT, datetime], None]
    named_people: tuple[str, ...] = ()
    """Body fields that name a person by id; the request holds that person (id and role) as
    the people directory knows them."""

    def request_for(
        self,
        person: Person,
        body: StrictModel | None,
        people: Callable[[str], Person | None] = lambda _: None,
    ) -> RequestT:
        """The workflow request for ``person`` submitting ``body``; ``people`` finds the people
        the body names (ValidationError naming the field when it finds nobody)."""
        fields: dict[str, Any] = body.model_dump() if body is not None else {}
        for name in self.named_people:
            named = people(fields[name])
            if named is None:
                raise ValidationError.from_exception_data(
                    self.request.__name__,
                    [
                        {
                            "type": "value_error",
                            "loc": (name,),
                            "input": fields[name],
                            "ctx": {"error": ValueError("no such person")},
                        }
                    ],
                )
            fields[name] = named
        return self.request.model_validate({**fields, self.person_field: person})

    def person_of(self, request: RequestT) -> Person:
        """The person asking."""
        person: Person = getattr(request, self.person_field)
        return person

    def may(self, role: PersonRole) -> bool:
        """Whether a person with ``role`` may ask for this at all."""
        return role in self.roles

    def refuse(self, state: ReviewState, request: RequestT, policy: ReviewPolicy) -> None:
        """Raise ReviewRuleError when the review cannot take this request now; the one place
        the role rule and the lifecycle rules are applied."""
        role = self.person_of(request).role
        if not self.may(role):
            raise ReviewRuleError(
                "forbidden",
                "role_may_not",
                article=lifecycle.article(str(role)),
                role=role,
                verb=self.verb,
                request=self.update,
            )
        self.check(state, request, policy)


CLAIM: PersonAction[ClaimRequest] = PersonAction(
    update="claim",
    path="claim",
    verb="claim",
    summary="Claim the review to work it.",
    request=ClaimRequest,
    body=None,
    person_field="reviewer",
    roles=DECIDERS,
    check=lambda state, request, _: lifecycle.check_claim(state, request),
    apply=lifecycle.apply_claim,
)

DECIDE: PersonAction[DecisionRequest] = PersonAction(
    update="submit_decision",
    path="decision",
    verb="decide",
    summary="Decide a review the caller has claimed.",
    request=DecisionRequest,
    body=DecisionBody,
    person_field="reviewer",
    roles=DECIDERS,
    check=lifecycle.check_decision,
    apply=lifecycle.apply_decision,
)

SECOND_REVIEW: PersonAction[SecondReviewRequest] = PersonAction(
    update="submit_second_review",
    path="second-review",
    verb="second review",
    summary="A lead approves the decision or returns it to the specialist.",
    request=SecondReviewRequest,
    body=SecondReviewBody,
    person_field="reviewer",
    roles=frozenset({PersonRole.LEAD}),
    check=lambda state, request, _: lifecycle.check_second_review(state, request),
    apply=lifecycle.apply_second_review,
)

ADD_NOTE: PersonAction[NoteRequest] = PersonAction(
    update="add_note",
    path="notes",
    verb="add notes",
    summary="Add a note to the case file.",
    request=NoteRequest,
    body=NoteBody,
    person_field="author",
    roles=EVERYONE,
    check=lambda state, request, _: lifecycle.check_note(state, request),
    apply=lifecycle.apply_note,
)

REQUEST_MORE_INFO: PersonAction[MoreInfoRequest] = PersonAction(
    update="request_more_info",
    path="request-more-info",
    verb="request more information",
    summary="Send the review back to gathering evidence.",
    request=MoreInfoRequest,
    body=ReasonBody,
    person_field="reviewer",
    roles=DECIDERS,
    check=lambda state, request, _: lifecycle.check_more_info(state, request),
    apply=lifecycle.apply_more_info,
)

ESCALATE: PersonAction[EscalationRequest] = PersonAction(
    update="escalate",
    path="escalate",
    verb="escalate",
    summary="Raise the review to the leads' queue.",
    request=EscalationRequest,
    body=ReasonBody,
    person_field="reviewer",
    roles=DECIDERS,
    check=lambda state, request, _: lifecycle.check_escalation(state, request),
    apply=lambda state, request, now: lifecycle.escalate(
        state, request.reason, now, request.reviewer
    ),
)

RETRY_ACTIONING: PersonAction[RetryActioningRequest] = PersonAction(
    update="retry_actioning",
    path="retry-actioning",
    verb="retry actioning",
    summary="Retry actioning a platform service refused, once the cause is fixed.",
    request=RetryActioningRequest,
    body=ReasonBody,
    person_field="operator",
    roles=frozenset({PersonRole.OPERATOR, PersonRole.LEAD}),
    check=lambda state, request, _: lifecycle.check_retry_actioning(state, request),
    apply=lifecycle.apply_retry_actioning,
)

EXTEND_CLAIM: PersonAction[ClaimRequest] = PersonAction(
    update="extend_claim",
    path="extend-claim",
    verb="extend claims",
    summary="Keep working: the claim's lease runs again from now (the page sends this).",
    request=ClaimRequest,
    body=None,
    person_field="reviewer",
    roles=DECIDERS,
    check=lambda state, request, _: lifecycle.check_extend_claim(state, request),
    apply=lifecycle.apply_extend_claim,
)

RELEASE_CLAIM: PersonAction[ClaimRequest] = PersonAction(
    update="release_claim",
    path="release",
    verb="release claims",
    summary="Give the review back to the queue (its assignee, or a lead).",
    request=ClaimRequest,
    body=None,
    person_field="reviewer",
    roles=DECIDERS,
    check=lambda state, request, _: lifecycle.check_release_claim(state, request),
    apply=lifecycle.apply_release_claim,
)

HOLD_CLAIM: PersonAction[ClaimRequest] = PersonAction(
    update="hold_claim",
    path="hold",
    verb="hold claims",
    summary="A lead keeps the claim with its assignee past the lease.",
    request=ClaimRequest,
    body=None,
    person_field="reviewer",
    roles=frozenset({PersonRole.LEAD}),
    check=lambda state, request, _: lifecycle.check_hold_claim(state, request),
    apply=lifecycle.apply_hold_claim,
)

REASSIGN: PersonAction[ReassignRequest] = PersonAction(
    update="reassign",
    path="reassign",
    verb="reassign reviews",
    summary="A lead gives an open review to a specialist or lead (``to``: their id).",
    request=ReassignRequest,
    body=ReassignBody,
    person_field="lead",
    roles=frozenset({PersonRole.LEAD}),
    check=lambda state, request, _: lifecycle.check_reassign(state, request),
    apply=lifecycle.apply_reassign,
    named_people=("to",),
)

ACTIONS: tuple[PersonAction[Any], ...] = (
    CLAIM,
    DECIDE,
    SECOND_REVIEW,
    ADD_NOTE,
    REQUEST_MORE_INFO,
    ESCALATE,
    RETRY_ACTIONING,
    EXTEND_CLAIM,
    RELEASE_CLAIM,
    HOLD_CLAIM,
    REASSIGN,
)

BY_UPDATE: dict[str, PersonAction[Any]] = {a.update: a for a in ACTIONS}
BY_PATH: dict[str, PersonAction[Any]] = {a.path: a for a in ACTIONS}
