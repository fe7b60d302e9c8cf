"""What the statement of reasons says of a decided review, as plain functions (no Temporal):
the trip, the evidence the decision rests on, what made it harsh, what was automated, the hold."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from review import lifecycle
from review.matrix import load_review_policy
from review.models import (
    AccountChange,
    AccountHistory,
    EnforcementAction,
    EvidenceItem,
    EvidenceSource,
    PriorViolation,
    ReviewState,
    StatementOfReasons,
    TripDetails,
    TripReference,
)
from review.notices import (
    NoticeOfIntentContent,
    OutcomeNoticeContent,
    plan_hold_notice,
    plan_notices,
    preview_notices,
)
from review.reasons import statement_of_reasons
from tests.conftest import review_request
from tests.review_steps import ANA, following_recommendation

POLICY = load_review_policy()
NOW = datetime(2026, 11, 24, 12, tzinfo=UTC)
TRIP_STARTED = datetime(2026, 11, 23, 14, 5, tzinfo=UTC)


def gathered(priors: int = 0) -> list[EvidenceItem]:
    """Every source answered: the trip, the account's history (with ``priors`` confirmed
    violations) and, whatever the category, the other three."""
    trip = TripDetails(
        trip_id="trp_8841",
        started_at=TRIP_STARTED,
        pickup_area="Roma Norte",
        distance_km=7.5,
        driver_account_id="drv_123",
        rider_account_id="rdr_9",
    )
    history = AccountHistory(
        account_id="drv_123",
        member_since=NOW - timedelta(days=900),
        completed_trips=2400,
        prior_violations=[
            PriorViolation(
                incident_id=f"INC-OLD-{n}",
                category="dangerous_driving",
                action="warning",
                decided_at=NOW - timedelta(days=60 + n),
            )
            for n in range(priors)
        ],
    )
    items = [
        EvidenceItem(
            source=EvidenceSource.TRIP_DETAILS, available=True, data=trip, gathered_at=NOW
        ),
        EvidenceItem(
            source=EvidenceSource.ACCOUNT_HISTORY, available=True, data=history, gathered_at=NOW
        ),
    ]
    for source in (
        EvidenceSource.INCIDENT_REPORTS,
        EvidenceSource.TELEMATICS,
        EvidenceSource.IN_APP_MESSAGES,
    ):
        items.append(EvidenceItem(source=source, available=True, gathered_at=NOW))
    return items


def decided(priors: int = 0, held: bool = False, **changes: Any) -> ReviewState:
    """A review decided as the matrix recommends, with every source gathered."""
    state = lifecycle.open_review(review_request(**changes), POLICY, NOW)
    if held:
        state.account_changes.append(
            AccountChange(
                change="interim_hold",
                account_status="on_hold",
                applied_at=NOW - timedelta(hours=3),
                reference="acct-hold-1",
            )
        )
    lifecycle.evidence_gathered(state, gathered(priors), POLICY, NOW)
    state.assignee = ANA
    request = following_recommendation(state)
    lifecycle.apply_decision(state, request, NOW)
    return state


def reasons(state: ReviewState) -> StatementOfReasons:
    found = statement_of_reasons(state, POLICY, NOW)
    assert found is not None
    return found


def test_a_fraud_decision_rests_on_no_speed_data_even_when_it_was_gathered() -> None:
    state = decided(category="fraud", severity="high")
    assert reasons(state).evidence_relied_on == [
        EvidenceSource.TRIP_DETAILS,
        EvidenceSource.ACCOUNT_HISTORY,
        EvidenceSource.INCIDENT_REPORTS,
    ]


def test_a_dangerous_driving_decision_rests_on_the_speed_data() -> None:
    relied_on = reasons(decided(category="dangerous_driving")).evidence_relied_on
    assert EvidenceSource.TELEMATICS in relied_on
    assert EvidenceSource.IN_APP_MESSAGES not in relied_on


def test_a_notice_of_intent_lists_the_evidence_the_category_rests_on() -> None:
    state = decided(category="fraud", severity="high")
    state.decision = None
    state.hearing_days = 5  # Mexico City gives drivers a hearing before a deactivation
    (job,) = preview_notices(
        state,
        EnforcementAction.PERMANENT_DEACTIVATION,
        None,
        ["CG-INTEGRITY-1"],
        POLICY,
        NOW,
    )
    assert isinstance(job.content, NoticeOfIntentContent)
    assert EvidenceSource.TELEMATICS not in job.content.evidence_relied_on
    assert job.content.trip_id == "trp_8841"


def test_the_statement_names_the_trip_by_its_reference_and_start() -> None:
    assert reasons(decided()).trip == TripReference(trip_id="trp_8841", started_at=TRIP_STARTED)


def test_the_outcome_notice_names_the_trip_too() -> None:
    content = plan_notices(decided(), POLICY, NOW)[0].content
    assert content.trip == TripReference(trip_id="trp_8841", started_at=TRIP_STARTED)


def test_a_first_violation_severe_enough_is_not_put_down_to_history() -> None:
    # Fraud at high severity is a permanent deactivation with no history at all.
    state = decided(priors=1, category="fraud", severity="high")
    assert state.decision is not None
    assert state.decision.action is EnforcementAction.PERMANENT_DEACTIVATION
    assert reasons(state).because_of_prior_violations is False


def test_a_deactivation_the_earlier_violations_brought_says_so() -> None:
    # Dangerous driving (high) is a 7-day suspension the first time; two strikes make it final.
    state = decided(priors=2, category="dangerous_driving", severity="high")
    assert state.decision is not None
    assert state.decision.action is EnforcementAction.PERMANENT_DEACTIVATION
    assert reasons(state).because_of_prior_violations is True


def test_a_longer_suspension_the_earlier_violation_brought_says_so() -> None:
    state = decided(priors=1, category="dangerous_driving", severity="high")
    assert state.decision is not None and state.decision.suspension_days == 30
    assert reasons(state).because_of_prior_violations is True


def test_an_incident_our_systems_detected_is_declared_automated() -> None:
    state = decided(reporter={"id": "safety-systems", "role": "platform"})
    assert reasons(state).detected_automatically is True


def test_an_incident_a_person_reported_is_not_called_automated_detection() -> None:
    assert reasons(decided()).detected_automatically is False


def test_a_suspension_after_a_hold_records_when_the_hold_began() -> None:
    state = decided(held=True)
    assert reasons(state).held_since == NOW - timedelta(hours=3)


def test_a_hold_notice_says_how_long_the_person_could_appeal() -> None:
    state = lifecycle.open_review(review_request(category="weapons", severity="high"), POLICY, NOW)
    content = plan_hold_notice(state, POLICY, NOW).content
    assert content.appeal_window_days == 30


def test_every_message_about_an_incident_our_systems_raised_says_so() -> None:
    state = decided(reporter={"id": "fraud-model", "role": "platform"})
    (notice,) = plan_notices(state, POLICY, NOW)  # nobody to tell of a report
    assert isinstance(notice.content, OutcomeNoticeContent)
    assert notice.content.detected_automatically is True
    reported = plan_notices(decided(), POLICY, NOW)[0].content
    assert isinstance(reported, OutcomeNoticeContent)
    assert reported.detected_automatically is False
