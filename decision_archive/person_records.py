"""What a rider or driver may see of their own reviews: their restrictions with the statement of
reasons, their strikes with when each stops counting, and their appeals with what came of them,
in their language.

Built only from the account's own case records (the decisions this tool made; a platform's
older history is not among them) and the matrix's strike periods. It carries no
reporter (not even their role), no reviewer, note, evidence detail or message of anyone else:
each field below is chosen, nothing is copied wholesale from a record.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Literal

from pydantic import Field

from decision_archive.appeals import AppealSummary
from review.appeals import AppealStatus
from review.case_record import CaseRecord
from review.guidelines import CommunityGuidelines
from review.matrix import DeactivationMatrix
from review.models import (
    AccountRole,
    EnforcementAction,
    HeardBefore,
    PriorViolation,
    StrictModel,
)


class Labelled(StrictModel):
    """A code and what it means in the record's language."""

    code: str
    label: str


class CitedGuideline(StrictModel):
    """A community guideline clause a decision cites, in the record's language."""

    ref: str
    title: str
    summary: str


class RecordedRestriction(StrictModel):
    """A decision that restricted the account, with its statement of reasons."""

    reference: str = Field(description="The review's id: what the person quotes to support.")
    action: Labelled
    suspension_days: int | None
    starts_at: datetime
    ends_at: datetime | None = Field(description="None for a permanent deactivation.")
    conduct: Labelled = Field(description="The incident category the decision found.")
    reported_at: datetime = Field(description="When the incident was reported.")
    relied_on: list[Labelled] = Field(description="The kinds of evidence the decision used.")
    guidelines: list[CitedGuideline]
    automated_recommendation: bool = Field(
        description="The deactivation matrix recommended an action before a person decided."
    )
    second_reviewed: bool
    appeal_deadline: datetime
    heard: HeardBefore | None = Field(
        default=None,
        description="The hearing the person was given before the decision, where their "
        "market's law gives one: when the notice of intent went out, until when they could "
        "answer, and when their answer arrived.",
    )
    answer: str | None = Field(
        default=None, description="What the person answered at that hearing, in their words."
    )


class RecordedStrike(StrictModel):
    """A confirmed violation and whether it still counts."""

    reference: str
    conduct: Labelled
    action: Labelled
    decided_at: datetime
    expires_at: datetime
    state: Labelled = Field(description="active, expired or retracted.")


class RecordedAppeal(StrictModel):
    """An appeal the person made (or a correction our quality checks opened) and its outcome
    (never who heard it, nor why: the message they were sent says that)."""

    reference: str = Field(description="The appeal's id.")
    appealed: str = Field(description="The review whose decision it appeals.")
    received_at: datetime
    new_information: bool
    status: Labelled
    outcome: Labelled | None = Field(description="None while it is heard.")
    decided_at: datetime | None
    opened_by: Literal["person", "quality_audit"] = Field(
        default="person",
        description="``quality_audit``: our own quality check reopened the decision (a "
        "correction); the person did not appeal.",
    )


class PersonRecords(StrictModel):
    """Everything the account's holder may see of the reviews of their account."""

    account_id: str
    role: AccountRole | None = Field(description="None for an account with no records.")
    locale: str = Field(description="The language the labels are written in.")
    restrictions: list[RecordedRestriction] = Field(description="Newest first.")
    strikes: list[RecordedStrike] = Field(description="Newest first.")
    appeals: list[RecordedAppeal] = Field(default_factory=list, description="Newest first.")


def person_records(
    account_id: str,
    records: list[CaseRecord],
    matrix: DeactivationMatrix,
    guidelines: CommunityGuidelines,
    t: Callable[[str], str],
    locale: str,
    now: datetime,
    appeals: list[AppealSummary] | None = None,
) -> PersonRecords:
    """The person's view of ``records`` (the account's case records) and ``appeals`` (the
    account's), labelled with ``t`` in ``locale``; strikes are as the matrix counts them at
    ``now``, retracted where an appeal overturned the decision."""
    appeals = [
        a
        for a in appeals or []
        if a.account_id == account_id
        # A correction our quality checks opened is theirs to see once it changed the
        # decision, as they were then told; one upheld or still heard is not.
        and (a.origin == "person" or (a.status is AppealStatus.CLOSED and a.outcome != "uphold"))
    ]
    overturned = {
        a.review_id for a in appeals if a.outcome == "overturn" and a.status is AppealStatus.CLOSED
    }
    own = [r for r in records if r.request.account.id == account_id]
    own.sort(key=lambda r: r.closed_at, reverse=True)

    def category(code: str) -> Labelled:
        return Labelled(code=code, label=t(f"category_{code}"))

    def action(code: str) -> Labelled:
        return Labelled(code=code, label=t(f"action_{code}"))

    restrictions = []
    for record in own:
        reasons, hearing = record.statement_of_reasons, record.hearing
        if reasons is None:
            continue
        cited = []
        for ref in reasons.guideline_refs:
            if ref in guidelines:
                _, text = guidelines.clause(ref).text(locale)
                cited.append(CitedGuideline(ref=ref, title=text.title, summary=text.summary))
        restrictions.append(
            RecordedRestriction(
                reference=record.review_id,
                action=action(str(reasons.action)),
                suspension_days=reasons.suspension_days,
                starts_at=reasons.starts_at,
                ends_at=reasons.ends_at,
                conduct=category(str(reasons.category)),
                reported_at=reasons.reported_at,
                relied_on=[
                    Labelled(code=str(s), label=t(f"source_{s}"))
                    for s in reasons.evidence_relied_on
                ],
                guidelines=cited,
                automated_recommendation=reasons.automated_recommendation,
                second_reviewed=reasons.second_reviewed,
                appeal_deadline=reasons.appeal_deadline,
                heard=reasons.heard,
                answer=hearing.answer.statement if hearing and hearing.answer else None,
            )
        )
    confirmed = {  # oldest first, so a newer record of an incident is the one kept
        record.request.incident_id: record
        for record in reversed(own)
        if record.decision.action is not EnforcementAction.NO_ACTION
    }
    priors = [
        PriorViolation(
            incident_id=incident_id,
            category=str(record.request.category),
            action=str(record.decision.action),
            decided_at=record.decision.decided_at,
            retracted=record.review_id in overturned,
        )
        for incident_id, record in confirmed.items()
    ]
    strikes = [
        RecordedStrike(
            reference=confirmed[strike.incident_id].review_id,
            conduct=category(strike.category),
            action=action(strike.action),
            decided_at=strike.decided_at,
            expires_at=strike.expires_at,
            state=Labelled(code=strike.state, label=t(f"record_strike_{strike.state}")),
        )
        for strike in matrix.strikes(priors, now)
    ]
    return PersonRecords(
        account_id=account_id,
        role=own[0].request.account.role if own else None,
        locale=locale,
        restrictions=restrictions,
        strikes=strikes,
        appeals=[
            RecordedAppeal(
                reference=a.appeal_id,
                appealed=a.review_id,
                received_at=a.received_at,
                new_information=a.new_information,
                status=Labelled(code=str(a.status), label=t(f"status_{a.status}")),
                outcome=Labelled(code=a.outcome, label=t(f"outcome_was_{a.outcome}"))
                if a.outcome and a.status is AppealStatus.CLOSED
                else None,
                decided_at=a.decided_at,
                opened_by=a.origin,
            )
            for a in sorted(appeals, key=lambda a: a.received_at, reverse=True)
        ],
    )
