"""The review lifecycle and who is told what, as plain functions (no Temporal)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from review import actions, lifecycle
from review.markets import load_markets
from review.matrix import load_review_policy
from review.models import (
    AccountChange,
    ClaimRequest,
    DecisionRequest,
    EnforcementAction,
    EscalationRequest,
    HearingAnswerBody,
    MoreInfoRequest,
    NoteRequest,
    Person,
    PersonRole,
    RetryActioningRequest,
    ReviewState,
    ReviewStatus,
    SecondReviewRequest,
)
from review.notices import plan_notices
from review.refusals import ReviewRuleError
from tests.conftest import review_request
from tests.review_steps import ANA, LUIS, MARCO, OLGA, following_recommendation

POLICY = load_review_policy()
MARKETS = load_markets()
NOW = datetime(2026, 11, 24, 12, tzinfo=UTC)
SOFIA = Person(id="sofia", role=PersonRole.QA)


def review(**changes: Any) -> ReviewState:
    """A review of dangerous driving (high) with evidence gathered, awaiting a decision."""
    state = lifecycle.open_review(review_request(**changes), POLICY, NOW)
    lifecycle.evidence_gathered(state, [], POLICY, NOW)
    return state


def claimed(**changes: Any) -> ReviewState:
    state = review(**changes)
    lifecycle.apply_claim(state, ClaimRequest(reviewer=ANA), NOW)
    return state


def decision(state: ReviewState, **changes: Any) -> DecisionRequest:
    return following_recommendation(state, rationale="GPS shows 118 km/h in a 50 zone.", **changes)


def refused(check: Any, *args: Any) -> ReviewRuleError:
    with pytest.raises(ReviewRuleError) as raised:
        check(*args)
    return raised.value


def decided(state: ReviewState, request: DecisionRequest, at: datetime = NOW) -> ReviewState:
    lifecycle.check_decision(state, request, POLICY)
    lifecycle.apply_decision(state, request, at)
    return state


# --- claim --------------------------------------------------------------------------------------


def test_a_specialist_claims_an_open_review() -> None:
    state = claimed()
    assert state.status is ReviewStatus.IN_REVIEW and state.assignee == ANA


def test_a_review_claimed_by_someone_else_cannot_be_claimed() -> None:
    err = refused(lifecycle.check_claim, claimed(), ClaimRequest(reviewer=MARCO))
    assert err.kind == "conflict" and "claimed by ana" in str(err)


@pytest.mark.parametrize("person", [SOFIA, OLGA])
def test_qa_and_operators_cannot_claim(person: Person) -> None:
    assert (
        refused(actions.CLAIM.refuse, review(), ClaimRequest(reviewer=person), POLICY).kind
        == "forbidden"
    )


def test_claiming_ones_own_review_again_changes_nothing() -> None:
    state = claimed()
    before = len(state.timeline)
    lifecycle.check_claim(state, ClaimRequest(reviewer=ANA))
    lifecycle.apply_claim(state, ClaimRequest(reviewer=ANA), NOW)
    assert len(state.timeline) == before


# --- decision -----------------------------------------------------------------------------------


def test_a_decision_needs_the_review_claimed_first() -> None:
    state = review()
    assert refused(lifecycle.check_decision, state, decision(state), POLICY).kind == "conflict"


def test_following_the_matrix_goes_to_actioning_and_meets_the_sla() -> None:
    state = claimed()
    decided(state, decision(state))
    assert state.status is ReviewStatus.ACTIONING and state.sla.met is True


def test_a_decision_after_the_deadline_misses_the_sla() -> None:
    state = claimed()
    decided(state, decision(state), at=state.sla.deadline + timedelta(minutes=1))
    assert state.sla.met is False


def test_deviating_without_justification_is_invalid() -> None:
    state = claimed()
    err = refused(
        lifecycle.check_decision,
        state,
        decision(state, action="warning", suspension_days=None),
        POLICY,
    )
    assert (err.kind, err.field) == ("invalid", "justification")
    assert "recommends temporary_suspension 7 days" in str(err)


def test_a_different_suspension_length_is_a_deviation() -> None:
    state = claimed()
    err = refused(lifecycle.check_decision, state, decision(state, suspension_days=10), POLICY)
    assert err.field == "justification"


def test_a_justified_deviation_goes_to_a_second_review() -> None:
    state = claimed()
    decided(
        state,
        decision(
            state, action="warning", suspension_days=None, justification="First report in 4 years."
        ),
    )
    assert state.decision is not None and state.decision.deviates_from_recommendation
    assert state.status is ReviewStatus.AWAITING_SECOND_REVIEW


def test_permanent_deactivation_always_needs_a_second_review() -> None:
    state = claimed()
    decided(
        state,
        decision(
            state,
            action="permanent_deactivation",
            suspension_days=None,
            justification="Third report this month.",
        ),
    )
    assert state.status is ReviewStatus.AWAITING_SECOND_REVIEW


def test_an_unknown_guideline_is_invalid() -> None:
    state = claimed()
    err = refused(
        lifecycle.check_decision, state, decision(state, policy_refs=["CG-NOPE-1"]), POLICY
    )
    assert (err.kind, err.field) == ("invalid", "policy_refs")


def test_suspension_days_on_a_warning_are_invalid() -> None:
    state = claimed()
    err = refused(
        lifecycle.check_decision,
        state,
        decision(state, action="warning", suspension_days=3, justification="x"),
        POLICY,
    )
    assert err.field == "suspension_days"


# --- second review ------------------------------------------------------------------------------


def awaiting_second_review() -> ReviewState:
    state = claimed(category="fraud", severity="high")
    return decided(state, decision(state))


def test_a_decision_needing_a_second_review_starts_the_second_reviews_clock() -> None:
    state = awaiting_second_review()  # fraud, high: tier high

    (clock,) = state.stage_clocks

    hours = POLICY.matrix.sla.tiers[state.sla.tier].second_review_hours
    assert clock.stage == "second_review" and clock.met is None
    assert clock.deadline - clock.started_at == timedelta(hours=hours)  # type: ignore[arg-type]
    assert clock.at_risk_at - clock.started_at == timedelta(hours=hours * 0.75)  # type: ignore[operator]
    assert lifecycle.open_stage(state) is clock


def test_a_return_closes_the_second_review_and_starts_the_rework_clock() -> None:
    state = awaiting_second_review()
    returned = SecondReviewRequest(reviewer=LUIS, outcome="return", comment="Dashcam first.")

    lifecycle.apply_second_review(state, returned, NOW + timedelta(hours=1))

    second_review, rework = state.stage_clocks
    assert second_review.met is True
    assert rework.stage == "rework" and rework.started_at == NOW + timedelta(hours=1)
    assert lifecycle.open_stage(state) is rework


def test_the_revised_decision_closes_rework_and_opens_a_new_second_review() -> None:
    state = awaiting_second_review()
    returned = SecondReviewRequest(reviewer=LUIS, outcome="return", comment="Dashcam first.")
    lifecycle.apply_second_review(state, returned, NOW)
    late = NOW + timedelta(days=3)

    decided(state, decision(state), late)

    assert [(c.stage, c.met) for c in state.stage_clocks] == [
        ("second_review", True),
        ("rework", False),  # past its deadline
        ("second_review", None),
    ]


def test_a_stage_breach_is_recorded_and_escalates() -> None:
    state = awaiting_second_review()
    clock = lifecycle.open_stage(state)
    assert clock is not None

    lifecycle.mark_stage_breached(state, clock, clock.deadline)

    assert clock.breached and state.escalated
    assert state.escalation_reasons[-1].startswith("SLA breached: no second review by ")


def test_a_policy_recorded_before_stage_targets_starts_no_stage_clock() -> None:
    tiers = {
        tier: target.model_copy(update={"second_review_hours": None, "rework_hours": None})
        for tier, target in POLICY.matrix.sla.tiers.items()
    }
    sla = POLICY.matrix.sla.model_copy(update={"tiers": tiers})
    older = POLICY.model_copy(update={"matrix": POLICY.matrix.model_copy(update={"sla": sla})})
    state = lifecycle.open_review(review_request(category="fraud", severity="high"), older, NOW)
    lifecycle.evidence_gathered(state, [], older, NOW)
    lifecycle.apply_claim(state, ClaimRequest(reviewer=ANA), NOW)

    decided(state, decision(state))

    assert state.status is ReviewStatus.AWAITING_SECOND_REVIEW and state.stage_clocks == []


def test_the_person_who_decided_cannot_second_review() -> None:
    state = review(category="fraud", severity="high")
    lifecycle.apply_claim(state, ClaimRequest(reviewer=LUIS), NOW)  # a lead may decide too
    decided(state, decision(state, reviewer=LUIS))
    err = refused(
        lifecycle.check_second_review,
        state,
        SecondReviewRequest(reviewer=LUIS, outcome="approve", comment="ok"),
    )
    assert err.kind == "forbidden" and "different person" in str(err)


def test_only_a_lead_gives_a_second_review() -> None:
    err = refused(
        actions.SECOND_REVIEW.refuse,
        awaiting_second_review(),
        SecondReviewRequest(reviewer=MARCO, outcome="approve", comment="ok"),
        POLICY,
    )
    assert err.kind == "forbidden" and str(err) == "a specialist may not second review"


def test_an_approved_second_review_goes_to_actioning() -> None:
    state = awaiting_second_review()
    lifecycle.apply_second_review(
        state, SecondReviewRequest(reviewer=LUIS, outcome="approve", comment="ok"), NOW
    )
    assert state.status is ReviewStatus.ACTIONING


def test_a_returned_decision_goes_back_to_the_specialist() -> None:
    state = awaiting_second_review()
    lifecycle.apply_second_review(
        state, SecondReviewRequest(reviewer=LUIS, outcome="return", comment="Check fares."), NOW
    )
    assert state.status is ReviewStatus.IN_REVIEW and state.assignee == ANA


# --- notes, more info, escalation, SLA ----------------------------------------------------------


def test_notes_are_refused_once_closed() -> None:
    state = review()
    state.status = ReviewStatus.CLOSED
    assert (
        refused(lifecycle.check_note, state, NoteRequest(author=ANA, text="late")).kind
        == "conflict"
    )


def test_notes_are_refused_once_the_case_record_is_being_written() -> None:
    state = review()
    lifecycle.begin_record(state, NOW)

    err = refused(lifecycle.check_note, state, NoteRequest(author=ANA, text="too late"))

    assert err.kind == "conflict" and "case record is being written" in str(err)


def test_a_review_keeps_at_most_max_notes() -> None:
    state = review()
    for n in range(lifecycle.MAX_NOTES):
        lifecycle.check_note(state, NoteRequest(author=ANA, text=f"note {n}"))
        lifecycle.apply_note(state, NoteRequest(author=ANA, text=f"note {n}"), NOW)

    err = refused(lifecycle.check_note, state, NoteRequest(author=ANA, text="one more"))

    assert (err.kind, err.field) == ("conflict", "text")
    assert len(state.notes) == lifecycle.MAX_NOTES


def test_a_specialist_cannot_escalate_a_review_someone_else_claimed() -> None:
    err = refused(
        lifecycle.check_escalation, claimed(), EscalationRequest(reviewer=MARCO, reason="stuck")
    )
    assert err.kind == "forbidden" and "claimed by ana" in str(err)


@pytest.mark.parametrize("person", [ANA, LUIS], ids=["the assignee", "a lead"])
def test_the_assignee_or_a_lead_may_escalate_a_claimed_review(person: Person) -> None:
    lifecycle.check_escalation(claimed(), EscalationRequest(reviewer=person, reason="stuck"))


def test_an_unclaimed_review_may_be_escalated_by_any_specialist() -> None:
    lifecycle.check_escalation(review(), EscalationRequest(reviewer=MARCO, reason="urgent"))


@pytest.mark.parametrize("person", [SOFIA, OLGA], ids=["qa", "operator"])
def test_qa_and_operators_cannot_escalate(person: Person) -> None:
    err = refused(
        actions.ESCALATE.refuse, review(), EscalationRequest(reviewer=person, reason="x"), POLICY
    )
    assert err.kind == "forbidden" and str(err).endswith("may not escalate")


def test_more_information_goes_back_to_gathering_and_keeps_the_claim() -> None:
    state = claimed()
    lifecycle.apply_more_info(state, MoreInfoRequest(reviewer=ANA, reason="Dashcam"), NOW)
    assert state.status is ReviewStatus.GATHERING_EVIDENCE and state.assignee == ANA


def test_a_breach_is_recorded_and_escalates() -> None:
    state = review()
    lifecycle.mark_breached(state, state.sla.deadline)
    assert state.sla.breached and state.escalated
    assert state.escalation_reasons[0].startswith("SLA breached")


def test_a_report_from_the_future_is_refused_at_intake() -> None:
    request = review_request(reported_at=(NOW + timedelta(minutes=6)).isoformat())
    err = refused(lifecycle.check_intake, request, NOW, MARKETS)
    assert (err.kind, err.field) == ("invalid", "reported_at")


@pytest.mark.parametrize("category", ["dangerous_driving", "impaired_driving", "unsafe_vehicle"])
def test_a_rider_reported_for_the_driving_or_the_vehicle_is_refused_at_intake(
    category: str,
) -> None:
    request = review_request(category=category, account={"id": "rdr_5", "role": "rider"})
    err = refused(lifecycle.check_intake, request, NOW, MARKETS)
    assert (err.kind, err.field, err.reason) == ("invalid", "category", "category_only_for_drivers")
    assert f"{category} concerns the driving or the vehicle" in str(err)


@pytest.mark.parametrize("category", ["dangerous_driving", "impaired_driving", "unsafe_vehicle"])
def test_a_driver_reported_for_the_driving_or_the_vehicle_is_accepted(category: str) -> None:
    lifecycle.check_intake(review_request(category=category), NOW, MARKETS)


def test_a_rider_can_be_reported_for_what_riders_do() -> None:
    request = review_request(category="property_damage", account={"id": "rdr_5", "role": "rider"})
    lifecycle.check_intake(request, NOW, MARKETS)


def test_retrying_actioning_needs_an_operator_or_lead_and_a_block() -> None:
    state = review()
    retry = RetryActioningRequest(operator=OLGA, reason="fixed")
    assert refused(lifecycle.check_retry_actioning, state, retry).kind == "conflict"
    lifecycle.block_actioning(state, "account change: HTTP 404", NOW)
    lifecycle.check_retry_actioning(state, retry)
    assert (
        refused(
            actions.RETRY_ACTIONING.refuse,
            state,
            RetryActioningRequest(operator=ANA, reason="x"),
            POLICY,
        ).kind
        == "forbidden"
    )


def test_two_steps_refused_side_by_side_are_both_named_in_the_block() -> None:
    state = review()
    lifecycle.block_actioning(state, "decision message: gateway answered 503", NOW)
    lifecycle.block_actioning(state, "reporter message: gateway answered 503", NOW)
    assert state.actioning_blocked == (
        "decision message: gateway answered 503; reporter message: gateway answered 503"
    )
    lifecycle.apply_retry_actioning(state, RetryActioningRequest(operator=OLGA, reason="up"), NOW)
    assert state.actioning_blocked is None


# --- who is told what ---------------------------------------------------------------------------


def actioned(action: str, held: bool = False, **changes: Any) -> ReviewState:
    state = claimed(**changes)
    if held:
        state.account_changes.append(
            AccountChange(
                change="interim_hold", account_status="on_hold", applied_at=NOW, reference="h"
            )
        )
    rec = state.recommendation
    assert rec is not None
    days = 7 if action == "temporary_suspension" else None
    same = action == rec.action and days == rec.suspension_days
    return decided(
        state,
        decision(
            state, action=action, suspension_days=days, justification=None if same else "reason"
        ),
    )


def test_a_suspension_notice_carries_its_end_and_the_appeal_deadline() -> None:
    jobs = plan_notices(actioned("temporary_suspension"), POLICY, NOW)
    notice = jobs[0].content
    assert notice.kind == "outcome_notice"
    assert notice.suspension_ends_at == NOW + timedelta(days=7)
    assert notice.appeal_deadline == NOW + timedelta(days=POLICY.matrix.appeal_window_days)


def test_the_reporter_notice_carries_no_outcome_at_all() -> None:
    jobs = plan_notices(actioned("temporary_suspension"), POLICY, NOW)
    reporter = jobs[1]
    assert reporter.recipient.account_id == "rdr_9"
    assert set(reporter.content.model_dump()) == {"kind", "review_id", "reporter_role", "market"}


def test_no_action_without_a_hold_tells_the_account_nothing() -> None:
    jobs = plan_notices(actioned("no_action"), POLICY, NOW)
    assert [j.content.kind for j in jobs] == ["report_reviewed"]


def test_no_action_after_a_hold_tells_the_account_the_hold_is_lifted() -> None:
    jobs = plan_notices(actioned("no_action", held=True), POLICY, NOW)
    assert jobs[0].content.kind == "outcome_notice" and jobs[0].content.interim_hold_lifted


def test_a_platform_reporter_gets_no_message() -> None:
    jobs = plan_notices(
        actioned("temporary_suspension", reporter={"id": "fraud-model", "role": "platform"}),
        POLICY,
        NOW,
    )
    assert [j.content.kind for j in jobs] == ["outcome_notice"]


def test_the_reporter_is_written_to_in_their_own_language() -> None:
    state = actioned(
        "temporary_suspension",
        account={"locale": "es-MX"},
        reporter={"id": "rdr_9", "role": "rider", "locale": "en"},
    )
    assert plan_notices(state, POLICY, NOW)[1].recipient.locale == "en"


def test_a_reporter_whose_language_is_unknown_is_written_to_in_the_markets_language() -> None:
    # Never the reported account's: a Portuguese notice would tell the reporter about them.
    state = actioned(
        "temporary_suspension",
        account={"locale": "pt-BR", "market": "mexico-city"},
        reporter={"id": "rdr_9", "role": "rider"},
    )
    assert plan_notices(state, POLICY, NOW)[1].recipient.locale == "es-MX"
    chicago = actioned(
        "temporary_suspension",
        account={"locale": "pt-BR", "market": "chicago"},
        reporter={"id": "rdr_9", "role": "rider"},
    )
    assert plan_notices(chicago, POLICY, NOW)[1].recipient.locale == "en"


def test_each_message_has_one_idempotency_key_per_review_and_kind() -> None:
    state = actioned("temporary_suspension")
    keys = [j.idempotency_key for j in plan_notices(state, POLICY, NOW)]
    assert keys == [f"{state.review_id}:outcome_notice", f"{state.review_id}:report_reviewed"]
    assert keys == [
        j.idempotency_key for j in plan_notices(state, POLICY, NOW + timedelta(hours=1))
    ]


def test_a_suspension_is_a_restriction_and_a_warning_is_not() -> None:
    assert EnforcementAction.TEMPORARY_SUSPENSION.restricts_account
    assert not EnforcementAction.WARNING.restricts_account


# --- steps in flight ----------------------------------------------------------------------------


def test_a_review_waiting_for_people_runs_no_step() -> None:
    assert not lifecycle.steps_may_be_running(claimed())


@pytest.mark.parametrize(
    "status",
    [ReviewStatus.RECEIVED, ReviewStatus.GATHERING_EVIDENCE, ReviewStatus.ACTIONING],
)
def test_a_review_being_received_gathered_or_carried_out_may_run_a_step(
    status: ReviewStatus,
) -> None:
    state = review()
    state.status = status
    assert lifecycle.steps_may_be_running(state)


def test_a_held_review_may_run_a_step_until_its_hold_notice_is_sent() -> None:
    state = review(category="physical_assault", severity="high")
    state.account_changes.append(
        AccountChange(
            change="interim_hold", account_status="on_hold", applied_at=NOW, reference="hold-1"
        )
    )
    assert lifecycle.steps_may_be_running(state)


# --- the person's hearing ---------------------------------------------------------------------


def approved_deactivation(hearing_days: int | None) -> ReviewState:
    """A permanent deactivation decided and approved, in a market giving ``hearing_days``."""
    state = claimed()
    state.hearing_days = hearing_days
    decided(
        state,
        decision(
            state,
            action=EnforcementAction.PERMANENT_DEACTIVATION,
            suspension_days=None,
            justification="Repeated and deliberate.",
        ),
    )
    approval = SecondReviewRequest(reviewer=LUIS, outcome="approve", comment="Agreed.")
    lifecycle.check_second_review(state, approval)
    lifecycle.apply_second_review(state, approval, NOW)
    return state


def heard(state: ReviewState) -> ReviewState:
    lifecycle.notice_of_intent_sent(state, NOW, NOW + timedelta(days=5))
    return state


ANSWER = HearingAnswerBody(statement="It was my brother.", submitted_at=NOW)


def test_an_approved_deactivation_goes_to_a_hearing_where_the_market_gives_one() -> None:
    state = approved_deactivation(hearing_days=5)
    assert state.status is ReviewStatus.HEARING
    assert state.hearing is not None and state.hearing.intended == state.decision


def test_an_approved_deactivation_is_carried_out_where_the_market_gives_no_hearing() -> None:
    assert approved_deactivation(hearing_days=0).status is ReviewStatus.ACTIONING


def test_a_review_opened_before_hearings_gives_none() -> None:
    assert approved_deactivation(hearing_days=None).status is ReviewStatus.ACTIONING


def test_a_suspension_needs_no_hearing() -> None:
    state = claimed()
    state.hearing_days = 5
    decided(state, decision(state, action=EnforcementAction.TEMPORARY_SUSPENSION, suspension_days=7, justification="Mitigated."))
    lifecycle.apply_second_review(
        state, SecondReviewRequest(reviewer=LUIS, outcome="approve", comment="Ok."), NOW
    )
    assert state.status is ReviewStatus.ACTIONING and state.hearing is None


def test_the_hearing_never_ends_sooner_than_its_days_from_when_the_notice_went_out() -> None:
    state = approved_deactivation(hearing_days=5)
    late = NOW + timedelta(hours=6)  # the gateway was down: the notice went out late
    due = lifecycle.notice_of_intent_sent(state, late, NOW + timedelta(days=5))
    assert due == late + timedelta(days=5)


def test_an_answer_before_the_notice_went_out_is_refused() -> None:
    state = approved_deactivation(hearing_days=5)
    err = refused(lifecycle.check_hearing_answer, state, ANSWER, NOW)
    assert (err.kind, err.reason) == ("conflict", "no_hearing_open")


def test_an_answer_dated_before_the_notice_is_refused_naming_submitted_at() -> None:
    state = heard(approved_deactivation(hearing_days=5))
    early = ANSWER.model_copy(update={"submitted_at": NOW - timedelta(days=1)})
    err = refused(lifecycle.check_hearing_answer, state, early, NOW)
    assert (err.kind, err.reason, err.field) == ("invalid", "answer_before_notice", "submitted_at")


def test_the_answer_goes_back_to_the_decider_on_the_reconsideration_clock() -> None:
    state = heard(approved_deactivation(hearing_days=5))
    assert lifecycle.apply_hearing_answer(state, ANSWER, NOW + timedelta(hours=2))
    lifecycle.end_hearing(state, NOW + timedelta(hours=2))

    assert state.status is ReviewStatus.IN_REVIEW and state.assignee == ANA
    assert state.decision is None and state.second_review is None
    assert state.lease_until is None  # hers until she decides, releases or a lead reassigns
    assert state.hearing is not None and state.hearing.intended_second_review is not None
    clock = lifecycle.open_stage(state)
    assert clock is not None and clock.stage == "reconsideration"
    assert clock.deadline == NOW + timedelta(hours=2 + 24)  # the high tier's target


def test_the_same_answer_again_changes_nothing_and_another_is_refused() -> None:
    state = heard(approved_deactivation(hearing_days=5))
    lifecycle.apply_hearing_answer(state, ANSWER, NOW)
    assert not lifecycle.apply_hearing_answer(state, ANSWER, NOW)
    other = ANSWER.model_copy(update={"statement": "Something else."})
    assert refused(lifecycle.check_hearing_answer, state, other, NOW).reason == "answered_already"


def test_an_answer_sent_in_time_that_arrives_after_the_deadline_joins_the_review() -> None:
    state = heard(approved_deactivation(hearing_days=5))
    due = NOW + timedelta(days=5)
    lifecycle.end_hearing(state, due)  # the period ended; the answer was on its way
    sent_in_time = ANSWER.model_copy(update={"submitted_at": due - timedelta(minutes=2)})
    assert lifecycle.apply_hearing_answer(state, sent_in_time, due + timedelta(minutes=20))
    assert state.hearing is not None and state.hearing.answer is not None
    assert state.status is ReviewStatus.IN_REVIEW  # still with the decider, now with it


def test_an_answer_sent_after_the_deadline_is_refused() -> None:
    state = heard(approved_deactivation(hearing_days=5))
    due = NOW + timedelta(days=5)
    lifecycle.end_hearing(state, due)
    sent_late = ANSWER.model_copy(update={"submitted_at": due + timedelta(minutes=1)})
    err = refused(lifecycle.check_hearing_answer, state, sent_late, due + timedelta(minutes=2))
    assert (err.kind, err.reason) == ("conflict", "no_hearing_open")


def test_an_answer_arriving_long_after_the_deadline_is_refused_even_dated_in_time() -> None:
    state = heard(approved_deactivation(hearing_days=5))
    due = NOW + timedelta(days=5)
    lifecycle.end_hearing(state, due)
    backdated = ANSWER.model_copy(update={"submitted_at": due - timedelta(minutes=1)})
    err = refused(lifecycle.check_hearing_answer, state, backdated, due + timedelta(hours=2))
    assert err.reason == "no_hearing_open"


def test_an_answer_after_the_new_decision_is_refused() -> None:
    state = heard(approved_deactivation(hearing_days=5))
    due = NOW + timedelta(days=5)
    lifecycle.end_hearing(state, due)
    decided(state, decision(state, action=EnforcementAction.PERMANENT_DEACTIVATION, suspension_days=None, justification="No answer."), due + timedelta(minutes=5))
    in_time = ANSWER.model_copy(update={"submitted_at": due - timedelta(minutes=1)})
    err = refused(lifecycle.check_hearing_answer, state, in_time, due + timedelta(minutes=10))
    assert err.reason == "no_hearing_open"


def test_a_new_deactivation_after_the_hearing_is_carried_out_without_another() -> None:
    state = heard(approved_deactivation(hearing_days=5))
    lifecycle.end_hearing(state, NOW + timedelta(days=5))
    decided(state, decision(state, action=EnforcementAction.PERMANENT_DEACTIVATION, suspension_days=None, justification="No answer."))
    lifecycle.apply_second_review(
        state, SecondReviewRequest(reviewer=LUIS, outcome="approve", comment="Ok."), NOW
    )
    assert state.status is ReviewStatus.ACTIONING
    assert [e.event for e in state.timeline].count("hearing_started") == 1


def test_after_a_hearing_even_no_action_is_told_to_the_person() -> None:
    state = heard(approved_deactivation(hearing_days=5))
    lifecycle.end_hearing(state, NOW + timedelta(days=5))
    decided(state, decision(state, action=EnforcementAction.NO_ACTION, suspension_days=None, justification="The answer explains it."))
    [told] = [j for j in plan_notices(state, POLICY, NOW) if j.recipient.account_id == "drv_123"]
    assert told.content.kind == "outcome_notice" and told.content.heard is not None


def test_the_lease_starts_again_when_the_decider_takes_the_review_up_after_the_hearing() -> None:
    state = heard(approved_deactivation(hearing_days=5))
    state.lease_minutes = 30
    lifecycle.end_hearing(state, NOW + timedelta(days=5))
    assert lifecycle.lease_running(state) is None
    later = NOW + timedelta(days=5, hours=9)
    lifecycle.check_extend_claim(state, ClaimRequest(reviewer=ANA))
    lifecycle.apply_extend_claim(state, ClaimRequest(reviewer=ANA), later)
    assert lifecycle.lease_running(state) == later + timedelta(minutes=30)
