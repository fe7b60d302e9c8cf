"""A claim is a lease: it runs while the specialist works, lapses back to the queue when nobody
does, and can be extended, released, held by a lead past its time, or reassigned by a lead.
Pure rules, without Temporal."""

from __future__ import annotations

from datetime import timedelta

import pytest

from review import actions, lifecycle
from review.models import (
    ClaimRequest,
    Person,
    PersonRole,
    ReassignBody,
    ReassignRequest,
    ReviewState,
    ReviewStatus,
    SecondReviewRequest,
)
from tests.review_steps import ANA, LUIS, MARCO, OLGA
from tests.test_lifecycle_rules import NOW, POLICY, decided, decision, refused, review

LEASE = timedelta(minutes=30)


def leased(**changes: object) -> ReviewState:
    """A review opened since claims are leases (30 minutes), claimed by ana at NOW."""
    state = review(**changes)
    state.lease_minutes = 30
    lifecycle.apply_claim(state, ClaimRequest(reviewer=ANA), NOW)
    return state


def test_a_claim_runs_for_the_lease_from_when_it_was_taken() -> None:
    state = leased()
    assert state.lease_until == NOW + LEASE
    assert lifecycle.lease_running(state) == NOW + LEASE


def test_a_review_opened_before_leases_keeps_its_claim_without_one() -> None:
    state = review()
    lifecycle.apply_claim(state, ClaimRequest(reviewer=ANA), NOW)
    assert state.lease_until is None and lifecycle.lease_running(state) is None


def test_working_on_extends_the_lease_from_now() -> None:
    state = leased()
    lifecycle.check_extend_claim(state, ClaimRequest(reviewer=ANA))
    lifecycle.apply_extend_claim(state, ClaimRequest(reviewer=ANA), NOW + timedelta(minutes=20))
    assert state.lease_until == NOW + timedelta(minutes=20) + LEASE


def test_only_the_assignee_extends_a_claim() -> None:
    err = refused(lifecycle.check_extend_claim, leased(), ClaimRequest(reviewer=MARCO))
    assert (err.kind, err.reason) == ("conflict", "claimed_by_other_not_you")


def test_a_lapsed_lease_returns_the_review_to_the_queue_and_says_whose_it_was() -> None:
    state = leased()
    lifecycle.expire_lease(state, NOW + LEASE)
    assert (state.status, state.assignee, state.lease_until) == (
        ReviewStatus.AWAITING_DECISION,
        None,
        None,
    )
    entry = state.timeline[-1]
    assert (entry.event, entry.actor, entry.detail) == ("claim_expired", None, "ana")


def test_the_assignee_releases_a_claim_back_to_the_queue() -> None:
    state = leased()
    lifecycle.check_release_claim(state, ClaimRequest(reviewer=ANA))
    lifecycle.apply_release_claim(state, ClaimRequest(reviewer=ANA), NOW)
    assert state.status is ReviewStatus.AWAITING_DECISION and state.assignee is None
    assert (state.timeline[-1].event, state.timeline[-1].detail) == ("claim_released", "ana")


def test_a_lead_may_release_someone_elses_claim_and_another_specialist_may_not() -> None:
    lifecycle.check_release_claim(leased(), ClaimRequest(reviewer=LUIS))
    err = refused(lifecycle.check_release_claim, leased(), ClaimRequest(reviewer=MARCO))
    assert (err.kind, err.reason, err.params) == (
        "forbidden",
        "release_claimed_by_other",
        {"holder": "ana"},
    )


def test_nothing_unclaimed_can_be_released() -> None:
    err = refused(lifecycle.check_release_claim, review(), ClaimRequest(reviewer=ANA))
    assert (err.kind, err.reason) == ("conflict", "not_claimed")


def test_a_lead_holds_a_claim_past_its_lease() -> None:
    state = leased()
    actions.HOLD_CLAIM.refuse(state, ClaimRequest(reviewer=LUIS), POLICY)
    lifecycle.apply_hold_claim(state, ClaimRequest(reviewer=LUIS), NOW)
    assert lifecycle.lease_running(state) is None
    assert (state.assignee, state.lease_held_by) == (ANA, LUIS)
    # Working on it no longer starts a lease: the hold stands.
    lifecycle.apply_extend_claim(state, ClaimRequest(reviewer=ANA), NOW)
    assert state.lease_until is None


def test_only_a_lead_holds_a_claim() -> None:
    err = refused(actions.HOLD_CLAIM.refuse, leased(), ClaimRequest(reviewer=MARCO), POLICY)
    assert (err.kind, err.reason) == ("forbidden", "role_may_not")


def test_a_lead_reassigns_an_open_review_with_a_fresh_lease() -> None:
    state = leased()
    later = NOW + timedelta(minutes=10)
    request = ReassignRequest(lead=LUIS, to=MARCO)
    actions.REASSIGN.refuse(state, request, POLICY)
    lifecycle.apply_reassign(state, request, later)
    assert (state.assignee, state.status, state.lease_until) == (
        MARCO,
        ReviewStatus.IN_REVIEW,
        later + LEASE,
    )
    entry = state.timeline[-1]
    assert (entry.event, entry.actor, entry.detail) == ("reassigned", "luis", "marco")


def test_a_review_is_reassigned_only_to_someone_who_can_decide_it() -> None:
    err = refused(lifecycle.check_reassign, leased(), ReassignRequest(lead=LUIS, to=OLGA))
    assert (err.kind, err.field, err.reason) == ("invalid", "to", "reassign_to_decider")
    assert err.params == {"person": "olga", "article": "an", "role": "operator"}


def test_a_decided_review_is_not_reassigned() -> None:
    state = decided(leased(), decision(leased()))
    err = refused(lifecycle.check_reassign, state, ReassignRequest(lead=LUIS, to=MARCO))
    assert (err.kind, err.reason) == ("conflict", "not_open_to_reassign")


def test_a_reassignment_names_the_person_as_the_directory_knows_them() -> None:
    directory = {"marco": MARCO}
    request = actions.REASSIGN.request_for(LUIS, ReassignBody(to="marco"), directory.get)
    assert request == ReassignRequest(lead=LUIS, to=MARCO)


def test_a_reassignment_to_nobody_the_directory_knows_is_invalid_naming_the_field() -> None:
    from pydantic import ValidationError

    with pytest.raises(ValidationError) as raised:
        actions.REASSIGN.request_for(LUIS, ReassignBody(to="nobody"), {}.get)
    assert raised.value.errors()[0]["loc"] == ("to",)
    assert "no such person" in raised.value.errors()[0]["msg"]


def test_deciding_ends_the_lease() -> None:
    state = leased()
    decided(state, decision(state))
    assert state.lease_until is None


def test_asking_for_more_information_pauses_the_lease_until_the_evidence_is_back() -> None:
    state = leased()
    lifecycle.start_gathering(state, NOW)
    assert lifecycle.lease_running(state) is None and state.assignee == ANA
    later = NOW + timedelta(hours=2)
    lifecycle.evidence_gathered(state, [], POLICY, later)
    assert state.status is ReviewStatus.IN_REVIEW and state.lease_until == later + LEASE


def test_a_decision_a_lead_returns_starts_a_lease_for_the_rework() -> None:
    state = leased()
    decided(
        state,
        decision(
            state,
            action="permanent_deactivation",
            suspension_days=None,
            justification="Repeat offence.",
        ),
    )
    later = NOW + timedelta(hours=1)
    lifecycle.apply_second_review(
        state, SecondReviewRequest(reviewer=LUIS, outcome="return", comment="Cite the GPS."), later
    )
    assert state.status is ReviewStatus.IN_REVIEW and state.lease_until == later + LEASE


def test_a_qa_person_is_not_someone_a_review_can_be_given_to() -> None:
    sofia = Person(id="sofia", role=PersonRole.QA)
    err = refused(lifecycle.check_reassign, leased(), ReassignRequest(lead=LUIS, to=sofia))
    assert err.params["role"] == "qa"
