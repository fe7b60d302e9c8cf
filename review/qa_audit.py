"""QA audits of closed decisions: what a score says, whether it agrees with the decision, and
what a disagreement sets in motion. Plain rules; nothing here does I/O or reads a clock.

A score agrees with the decision when all four checks pass and it names no error. Any other
score is a disagreement: it goes back to the specialist who decided, as feedback they read and
acknowledge, and to the leads. A disagreement that finds the account was restricted wrongly (a
false positive, or a wrong action, on a suspension or deactivation) also opens a correction: the
decision is heard again by someone who had no part in it, exactly as a person's appeal is, and
an overturn reinstates the account and retracts the strike.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Literal

from pydantic import Field, ValidationInfo, field_validator
from pydantic_core import PydanticCustomError

from review.models import EnforcementAction, NonBlankText, StrictModel
from review.refusals import ReviewRuleError


class QaErrorType(StrEnum):
    """What kind of error QA found."""

    FALSE_POSITIVE = "false_positive"
    """Action taken where none was warranted."""
    FALSE_NEGATIVE = "false_negative"
    """No action, or too mild an action, where the guidelines call for one."""
    WRONG_ACTION = "wrong_action"
    """An action was warranted, but not this one."""
    DOCUMENTATION = "documentation"
    """The decision may stand, but its rationale or references do not show why."""


SCORE_CHECKS = ("action_correct", "guidelines_correct", "rationale_adequate", "message_appropriate")
"""The four checks of a score, in the order a form shows them."""


class QaScoreBody(StrictModel):
    """A QA reviewer's score of one sampled decision (``POST /api/v1/qa/{review_id}/score``)."""

    action_correct: bool = Field(description="The action follows the guidelines and the matrix.")
    guidelines_correct: bool = Field(
        description="The guideline references cited are the right ones."
    )
    rationale_adequate: bool = Field(description="The rationale shows why, from the evidence.")
    message_appropriate: bool = Field(description="What the person was told fits the decision.")
    error_type: QaErrorType | None = Field(
        default=None,
        validate_default=True,
        description="The kind of error found; null when the decision is sound, required when "
        "a check failed.",
    )
    comment: NonBlankText = Field(
        max_length=5000, description="What the specialist should know: the feedback they read."
    )

    @field_validator("error_type")
    @classmethod
    def _error_type_matches_the_checks(
        cls, value: QaErrorType | None, info: ValidationInfo
    ) -> QaErrorType | None:
        # The checks come first in the model, so they are validated by now.
        checks = [info.data.get(name) for name in SCORE_CHECKS]
        if value is None and not all(checks):
            raise PydanticCustomError(
                "error_type_needed",
                "a check failed, so name the kind of error (false_positive, false_negative, "
                "wrong_action or documentation)",
            )
        if value is QaErrorType.DOCUMENTATION and info.data.get("action_correct") is False:
            raise PydanticCustomError(
                "error_type_needs_action_error",
                "the action was not correct, so the error is false_positive, false_negative or "
                "wrong_action, not documentation",
            )
        if value in _ACTION_ERRORS and info.data.get("action_correct"):
            raise PydanticCustomError(
                "error_type_contradicts_action",
                "{error_type} says the action was wrong, but action_correct is true",
                {"error_type": str(value)},
            )
        return value

    @property
    def all_checks_pass(self) -> bool:
        """All four checks pass."""
        return (
            self.action_correct
            and self.guidelines_correct
            and self.rationale_adequate
            and self.message_appropriate
        )

    @property
    def agrees(self) -> bool:
        """QA agrees with the decision: every check passes and no error is named."""
        return self.all_checks_pass and self.error_type is None


_ACTION_ERRORS = frozenset(
    {QaErrorType.FALSE_POSITIVE, QaErrorType.FALSE_NEGATIVE, QaErrorType.WRONG_ACTION}
)


def opens_correction(score: QaScoreBody, action: EnforcementAction) -> bool:
    """Whether the score finds the account was restricted wrongly, so the decision is heard
    again as an appeal is: a false positive or a wrong action on a suspension or deactivation."""
    return action.restricts_account and score.error_type in (
        QaErrorType.FALSE_POSITIVE,
        QaErrorType.WRONG_ACTION,
    )


class QaScore(QaScoreBody):
    """A score as the archive keeps it."""

    review_id: str
    auditor_id: str
    decided_by: str
    scored_at: datetime
    agrees_with_decision: bool
    acknowledged_at: datetime | None = None
    correction_id: str | None = Field(
        default=None, description="The appeal opened to correct the decision, where one was."
    )
    correction_state: Literal["pending", "opened", "refused"] | None = Field(
        default=None,
        description="pending: to be opened (an appeal of the decision is still open, or "
        "Temporal was unreachable); refused: correction_note says why; null: none needed.",
    )
    correction_note: str | None = None


def refuse_audit(
    auditor_id: str, decided_by: str, second_reviewer: str | None, sampled: bool
) -> None:
    """Raise ReviewRuleError when this auditor may not score this review: it was not sampled,
    or they decided or second-reviewed it."""
    if not sampled:
        raise ReviewRuleError("conflict", "not_sampled_for_audit")
    if auditor_id in (decided_by, second_reviewer):
        raise ReviewRuleError("forbidden", "audit_of_own_work", person=auditor_id)
