"""A known month of a team's work, written straight into an archive's tables, whose numbers the
metric tests work out by hand.

November 2026, closed reviews (rule A is dangerous_driving's, recommending a warning):

| id | market      | category          | tier     | rule | action               | dev | by    | 2nd | ret | secs  | met |
|----|-------------|-------------------|----------|------|----------------------|-----|-------|-----|-----|-------|-----|
| R1 | mexico-city | dangerous_driving | high     | A    | warning              |     | ana   |     |     |  3600 | yes |
| R2 | mexico-city | dangerous_driving | high     | A    | temporary_suspension | yes | ana   | yes | yes |  7200 | yes |
| R3 | mexico-city | physical_assault  | critical | B    | permanent_deact.     |     | marco | yes |     |  1800 | yes |
| R4 | seattle     | fraud             | standard | C    | warning              |     | marco |     |     | 90000 | no  |
| R5 | seattle     | dangerous_driving | high     | A    | no_action            | yes | ana   | yes |     |   600 | yes |

R1 closed exactly at the month's start; R6 (October) and R7 (exactly at the month's end) fall
outside it. QA scored R2 (disagrees: wrong_action), R3 (agrees) and R4 (disagrees:
documentation). R2 was appealed twice (upheld, then overturned); R6 once (overturned). A QA correction
overturned R3: a correction, not an appeal, so no appeal rate counts it. Open now
(2026-11-30 12:00 UTC): O1 high, 30 min old; O2 high, 5 h, at risk; O3 critical, 2 days,
breached; O4 standard (Seattle), 4 days; O5 is closed.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from decision_archive.facts import DecisionFacts
from decision_archive.read_model import TIER_RANK
from decision_archive.store import (
    _utc,
    appeals,
    decision_facts,
    facts_row,
    qa_scores,
    review_summaries,
)
from review.models import EnforcementAction, IncidentCategory, Severity, SlaTier

START = datetime(2026, 11, 1, tzinfo=UTC)
END = datetime(2026, 12, 1, tzinfo=UTC)
NOW = datetime(2026, 11, 30, 12, tzinfo=UTC)
RULE_A = "dangerous_driving.high.first"
RULE_B = "physical_assault.critical.first"
RULE_C = "fraud.standard.first"

W = EnforcementAction.WARNING
S = EnforcementAction.TEMPORARY_SUSPENSION
P = EnforcementAction.PERMANENT_DEACTIVATION
N = EnforcementAction.NO_ACTION


def _facts(
    review_id: str,
    closed_at: datetime,
    market: str,
    category: IncidentCategory,
    tier: SlaTier,
    rule: str,
    recommended: EnforcementAction,
    action: EnforcementAction,
    decided_by: str,
    seconds: float,
    met: bool,
    second_reviewed: bool = False,
    returned: bool = False,
) -> DecisionFacts:
    received = closed_at - timedelta(days=2)
    decided = received + timedelta(seconds=seconds)
    return DecisionFacts(
        review_id=review_id,
        market=market,
        category=category,
        severity=Severity.HIGH,
        account_role="driver",
        tier=tier,
        rule_id=rule,
        matrix_version="2026.12.3",
        recommended_action=recommended,
        action=action,
        deviated=action is not recommended,
        decided_by=decided_by,
        second_reviewer="luis" if second_reviewed else None,
        second_reviewed=second_reviewed,
        second_review_returned=returned,
        escalated=False,
        received_at=received,
        first_decided_at=decided,
        decided_at=decided,
        closed_at=closed_at,
        sla_deadline=received + timedelta(hours=24),
        sla_met=met,
        sla_breached=not met,
    )


DD = IncidentCategory.DANGEROUS_DRIVING
CLOSED = [
    _facts("R1", START, "mexico-city", DD, SlaTier.HIGH, RULE_A, W, W, "ana", 3600, True),
    _facts(
        "R2",
        START + timedelta(days=3),
        "mexico-city",
        DD,
        SlaTier.HIGH,
        RULE_A,
        W,
        S,
        "ana",
        7200,
        True,
        second_reviewed=True,
        returned=True,
    ),
    _facts(
        "R3",
        START + timedelta(days=5),
        "mexico-city",
        IncidentCategory.PHYSICAL_ASSAULT,
        SlaTier.CRITICAL,
        RULE_B,
        P,
        P,
        "marco",
        1800,
        True,
        second_reviewed=True,
    ),
    _facts(
        "R4",
        START + timedelta(days=9),
        "seattle",
        IncidentCategory.FRAUD,
        SlaTier.STANDARD,
        RULE_C,
        W,
        W,
        "marco",
        90000,
        False,
    ),
    _facts(
        "R5",
        START + timedelta(days=20),
        "seattle",
        DD,
        SlaTier.HIGH,
        RULE_A,
        W,
        N,
        "ana",
        600,
        True,
        second_reviewed=True,
    ),
    _facts(
        "R6",
        START - timedelta(hours=1),
        "mexico-city",
        DD,
        SlaTier.HIGH,
        RULE_A,
        W,
        S,
        "ana",
        100,
        True,
    ),
    _facts("R7", END, "mexico-city", DD, SlaTier.HIGH, RULE_A, W, S, "ana", 50, True),
]


def _score(review_id: str, decided_by: str, agrees: bool, error: str | None) -> dict[str, object]:
    return {
        "review_id": review_id,
        "auditor_id": "sofia",
        "scored_at": NOW,
        "decided_by": decided_by,
        "action_correct": error not in ("wrong_action",),
        "guidelines_correct": True,
        "rationale_adequate": error != "documentation",
        "message_appropriate": True,
        "error_type": error,
        "agrees": agrees,
        "key_id": "test",
        "sealed_comment": b"-",
    }


def _appeal(
    review_id: str, sequence: int, outcome: str | None, market: str, origin: str = "person"
) -> dict[str, object]:
    return {
        "appeal_id": f"appeal-{review_id}-{sequence}",
        "review_id": review_id,
        "account_id": f"acct-{review_id}",
        "market": market,
        "sequence": sequence,
        "version": 1,
        "status": "closed" if outcome else "awaiting_decision",
        "outcome": outcome,
        "new_information": sequence > 1,
        "received_at": NOW - timedelta(days=3),
        "sla_deadline": NOW,
        "sla_state": "met",
        "key_id": "test",
        "sealed_view": b"-",
        "origin": origin,
    }


def _open(
    review_id: str,
    tier: SlaTier,
    age: timedelta,
    state: str,
    market: str = "mexico-city",
    status: str = "awaiting_decision",
) -> dict[str, object]:
    return {
        "review_id": review_id,
        "version": 1,
        "status": status,
        "tier": str(tier),
        "tier_rank": TIER_RANK[tier],
        "sla_deadline": _utc(NOW + timedelta(hours=4)),
        "category": str(DD),
        "severity": "high",
        "market": market,
        "account_id": f"acct-{review_id}",
        "escalated": state == "breached",
        "updated_at": NOW,
        "sla_state": state,
        "started_at": NOW - age,
    }


def write_team_month(engine: Engine) -> None:
    """Write the month into the archive's tables (facts, QA scores, appeals, open reviews)."""
    with engine.begin() as db:
        db.execute(decision_facts.insert(), [facts_row(f) for f in CLOSED])
        db.execute(
            qa_scores.insert(),
            [
                _score("R2", "ana", False, "wrong_action"),
                _score("R3", "marco", True, None),
                _score("R4", "marco", False, "documentation"),
            ],
        )
        db.execute(
            appeals.insert(),
            [
                _appeal("R2", 1, "uphold", "mexico-city"),
                _appeal("R2", 2, "overturn", "mexico-city"),
                _appeal("R6", 1, "overturn", "mexico-city"),
                _appeal("R3", 1, "overturn", "mexico-city", origin="quality_audit"),
            ],
        )
        db.execute(
            review_summaries.insert(),
            [
                _open("O1", SlaTier.HIGH, timedelta(minutes=30), "on_track"),
                _open("O2", SlaTier.HIGH, timedelta(hours=5), "at_risk"),
                _open("O3", SlaTier.CRITICAL, timedelta(days=2), "breached"),
                _open("O4", SlaTier.STANDARD, timedelta(days=4), "on_track", market="seattle"),
                _open("O5", SlaTier.HIGH, timedelta(days=1), "met", status="closed"),
            ],
        )


def count(engine: Engine, table: sa.Table) -> int:
    """Rows in a table."""
    with engine.connect() as db:
        return int(db.execute(sa.select(sa.func.count()).select_from(table)).scalar_one())
