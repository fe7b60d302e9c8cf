"""Why a review refuses a request: the reason codes and their English wording, and the error
that carries a refusal (kind, reason, field, parameters) to the caller, who says it in the
reader's language."""

from __future__ import annotations

from typing import Any, Literal

from review.models import StrictModel

RuleKind = Literal["conflict", "invalid", "forbidden"]

ERROR_TYPES: dict[RuleKind, str] = {
    "conflict": "ReviewConflict",
    "invalid": "InvalidRequest",
    "forbidden": "NotPermitted",
}
"""The ApplicationError type a refused update carries, by kind; callers map it back."""


REFUSALS: dict[str, str] = {
    "unknown_market": "unknown market '{market}'; the configured markets are {known}",
    "reported_in_future": "must not be in the future",
    "category_only_for_drivers": (
        "{category} concerns the driving or the vehicle: only a driver can be reported for it, "
        "not a rider"
    ),
    "role_may_not": "{article} {role} may not {verb}",
    "not_open_to_claim": "review is {status}, not open to claim",
    "not_open_to_reassign": "review is {status}; only an open review can be reassigned",
    "reassign_to_decider": "{person} is {article} {role}; only a specialist or a lead can take it",
    "release_claimed_by_other": "review is claimed by {holder}; only they or a lead can release it",
    "claimed_by_other": "review is claimed by {holder}",
    "not_claimed": "review is {status}; it must be claimed first",
    "claimed_by_other_not_you": "review is claimed by {holder}, not {person}",
    "suspension_days_needed": "temporary_suspension needs suspension_days (1-365)",
    "suspension_days_not_applicable": (
        "suspension_days only applies to temporary_suspension, not {action}"
    ),
    "rationale_required": "a rationale is required",
    "guideline_required": "cite at least one guideline",
    "unknown_guidelines": "unknown guideline reference(s): {refs}",
    "justification_required": (
        "the matrix recommends {recommended}; a different decision needs a justification"
    ),
    "not_awaiting_second_review": "review is {status}, not awaiting a second review",
    "second_reviewer_decided": "the second reviewer must be a different person from the first",
    "closed": "review is closed",
    "record_being_written": "the case record is being written; the review takes no more notes",
    "too_many_notes": "the review already has {max_notes} notes, the most it keeps",
    "nothing_to_escalate": "review is {status}; nothing left to escalate",
    "escalation_claimed_by_other": (
        "review is claimed by {holder}; only they or a lead can escalate it"
    ),
    "actioning_not_blocked": "review is {status} and its actioning is not blocked",
    "still_being_received": "review is still being received",
    "no_such_request": "no such request: {request}",
    "one_request": "{request} takes one request",
    "request_invalid": "{name}: {problem}",
    "appeal_before_decision": "the decision was not made yet when this appeal was submitted",
    "appeal_window_closed": (
        "the appeal window closed on {deadline} ({days} days after the restriction took effect)"
    ),
    "appealed_already": (
        "this decision was already appealed; a further appeal needs new information"
    ),
    "not_appealable": "a decision to {action} restricts nothing and cannot be appealed",
    "not_decided_yet": "review is {status}; there is no decision told to the person to appeal",
    "appeal_open": "an appeal of this decision is still open",
    "overturned_already": (
        "an appeal overturned this decision already; there is nothing left to appeal"
    ),
    "appeal_by_original_decider": (
        "{person} decided or second-reviewed the original decision and may not hear its appeal"
    ),
    "modify_needs_action": "to modify the decision, give the new action",
    "modify_not_lighter": (
        "a modified decision is milder than {action} and not no_action (to take it all back, "
        "overturn it)"
    ),
    "action_only_to_modify": "an action and its days are given only to modify the decision",
    "no_hearing_open": (
        "review is {status}; it is not waiting for an answer to a notice of intent"
    ),
    "answered_already": "the person already answered this notice of intent",
    "answer_before_notice": "the notice of intent had not been sent when this answer was sent",
    "not_sampled_for_audit": "this review was not sampled for audit",
    "audit_of_own_work": "{person} decided or second-reviewed this review and may not audit it",
    "audited_already": "this decision was already audited by {auditor}",
    "no_feedback": "there is no QA feedback on this review for {person}",
    "not_your_audit": "{person} may read only the audits of their own decisions",
    "case_listed_twice": "this review is listed twice in the round",
    "no_closed_review": "{review} is not a closed review in the decision archive",
    "no_raters": "there is no specialist to answer the round",
    "not_a_rater": "{person} is not asked to answer this calibration round",
    "not_in_round": "{review} is not a case of this round",
    "took_part_in_case": "{person} decided or second-reviewed this case and does not answer it",
    "calibration_answered": (
        "you already answered this case ({action}); a round keeps first answers"
    ),
}
"""Why a review refuses a request, by reason code, in English with named parameters. The code
and parameters travel with the refusal, so the web app can say it in the reader's language."""


NO_RECOMMENDATION = "none"
"""The ``action`` a justification refusal carries when the matrix recommended nothing."""


class RefusalProblem(StrictModel):
    """One problem of a refused request: the field, the reason code (review.refusals.REFUSALS;
    None from a worker older than the codes), what fills its wording, and the English message."""

    field: str | None
    reason: str | None
    params: dict[str, str]
    message: str


class ReviewRuleError(Exception):
    """A request the review refuses.

    ``kind`` says why: ``conflict`` (the review is not in a state that takes it, HTTP 409),
    ``invalid`` (the request itself is wrong, 422) or ``forbidden`` (this person may not, 403).
    ``reason`` is a key of REFUSALS and ``params`` fill its wording; ``field`` names the
    request field at fault, when there is one.
    """

    def __init__(
        self, kind: RuleKind, reason: str, field: str | None = None, **params: object
    ) -> None:
        self.kind = kind
        self.reason = reason
        self.field = field
        self.params = {name: str(value) for name, value in params.items()}
        self.also: list[ReviewRuleError] = []
        """Further problems with the same request, each at its own field."""
        self.own_message = REFUSALS[reason].format(**self.params)
        """This problem's message alone (the exception's message holds every problem's)."""
        super().__init__(self.own_message)

    @classmethod
    def all_of(cls, problems: list[ReviewRuleError]) -> ReviewRuleError:
        """One refusal that carries every problem found: the first leads, the rest follow."""
        first, *rest = problems
        first.also = rest
        first.args = ("; ".join(p.own_message for p in problems),)
        return first

    def problems(self) -> list[RefusalProblem]:
        """This problem and every further one."""
        return [
            RefusalProblem(field=p.field, reason=p.reason, params=p.params, message=p.own_message)
            for p in (self, *self.also)
        ]

    def details(self) -> dict[str, Any]:
        """What a refusal carries to the caller beside its message: the first problem's field,
        reason, parameters and message, and ``also`` every further problem's."""
        first, *rest = self.problems()
        return first.model_dump() | {"also": [p.model_dump() for p in rest]}
