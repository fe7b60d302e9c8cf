"""Which closed reviews QA audits: the sampling rules as plain functions, and the policy file
that holds them."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from review.models import EnforcementAction
from review.policy_files import PolicyFileError
from review.qa_sampling import (
    AuditCandidate,
    QaSamplingPolicy,
    SampleDraw,
    SampleRate,
    SamplingReason,
    draw_for_audit,
    draw_number,
    load_qa_sampling,
    sampling_report,
)

POLICY = QaSamplingPolicy(
    version="t1",
    seed="test-seed",
    base_rate=0.05,
    new_specialist_rate=0.25,
    new_specialist_days=90,
    deviation_rate=0.5,
    unreviewed_deactivation_rate=1.0,
)
DECIDED = datetime(2026, 11, 20, 15, tzinfo=UTC)


def candidate(**changes: object) -> AuditCandidate:
    return AuditCandidate.model_validate(
        {
            "review_id": "review-INC-1",
            "decided_by": "ana",
            "decided_at": DECIDED,
            "action": EnforcementAction.WARNING,
            "deviated": False,
            "second_reviewed": False,
            "decider_started_on": date(2024, 1, 8),
        }
        | changes
    )


def test_a_review_no_rule_singles_out_is_drawn_at_the_base_rate() -> None:
    draw = draw_for_audit(candidate(), POLICY)

    assert (draw.rate, draw.reasons) == (0.05, [SamplingReason.BASE])


def test_a_decision_by_a_specialist_in_their_first_days_is_drawn_at_the_new_specialist_rate() -> (
    None
):
    draw = draw_for_audit(candidate(decider_started_on=date(2026, 9, 1)), POLICY)

    assert draw.rate == 0.25
    assert SamplingReason.NEW_SPECIALIST in draw.reasons


def test_a_specialist_is_no_longer_new_on_their_ninetieth_day() -> None:
    started = date(2026, 8, 22)  # 90 days before 20 November

    assert (
        SamplingReason.NEW_SPECIALIST
        not in draw_for_audit(candidate(decider_started_on=started), POLICY).reasons
    )
    assert (
        SamplingReason.NEW_SPECIALIST
        in draw_for_audit(candidate(decider_started_on=date(2026, 8, 23)), POLICY).reasons
    )


def test_a_decider_whose_start_is_unknown_is_not_counted_as_new() -> None:
    assert draw_for_audit(candidate(decider_started_on=None), POLICY).rate == 0.05


def test_a_deviation_from_the_matrix_is_drawn_at_the_deviation_rate() -> None:
    draw = draw_for_audit(candidate(deviated=True), POLICY)

    assert (draw.rate, draw.reasons) == (0.5, [SamplingReason.BASE, SamplingReason.DEVIATION])


def test_every_permanent_deactivation_without_a_second_review_is_sampled() -> None:
    ids = [f"review-INC-{n}" for n in range(200)]
    draws = [
        draw_for_audit(
            candidate(review_id=i, action=EnforcementAction.PERMANENT_DEACTIVATION), POLICY
        )
        for i in ids
    ]

    assert all(d.sampled and SamplingReason.UNREVIEWED_DEACTIVATION in d.reasons for d in draws)


def test_a_second_reviewed_deactivation_is_drawn_at_the_base_rate() -> None:
    draw = draw_for_audit(
        candidate(action=EnforcementAction.PERMANENT_DEACTIVATION, second_reviewed=True), POLICY
    )

    assert draw.rate == 0.05


def test_the_highest_rate_of_the_rules_that_apply_wins() -> None:
    draw = draw_for_audit(candidate(deviated=True, decider_started_on=date(2026, 11, 1)), POLICY)

    assert draw.rate == 0.5
    assert draw.reasons == [
        SamplingReason.BASE,
        SamplingReason.NEW_SPECIALIST,
        SamplingReason.DEVIATION,
    ]


def test_the_same_seed_and_review_always_draw_the_same_number() -> None:
    first = draw_for_audit(candidate(), POLICY)

    assert draw_for_audit(candidate(), POLICY) == first
    assert first.draw == draw_number("test-seed", "review-INC-1")
    assert 0 <= first.draw < 1


def test_another_seed_draws_another_sample() -> None:
    ids = [f"review-INC-{n}" for n in range(400)]
    reseeded = POLICY.model_copy(update={"seed": "other"})

    def sampled(policy: QaSamplingPolicy) -> set[str]:
        return {i for i in ids if draw_for_audit(candidate(review_id=i), policy).sampled}

    assert sampled(POLICY) != sampled(reseeded)


def test_over_many_reviews_the_share_sampled_is_close_to_the_rate() -> None:
    draws = [draw_for_audit(candidate(review_id=f"review-{n}"), POLICY) for n in range(20_000)]

    share = sum(d.sampled for d in draws) / len(draws)

    assert 0.045 < share < 0.055


def test_the_sampling_report_counts_each_rule_a_review_fell_under() -> None:
    def draw(review_id: str, sampled: bool, *reasons: SamplingReason) -> SampleDraw:
        return SampleDraw(
            review_id=review_id,
            policy_version="t1",
            rate=0.5,
            reasons=[SamplingReason.BASE, *reasons],
            draw=0.1 if sampled else 0.9,
            sampled=sampled,
        )

    report = sampling_report(
        [
            draw("a", False),
            draw("b", True),
            draw("c", True, SamplingReason.DEVIATION),
            draw("d", False, SamplingReason.DEVIATION),
            draw("e", True, SamplingReason.DEVIATION, SamplingReason.NEW_SPECIALIST),
        ]
    )

    assert report.overall == SampleRate(eligible=5, sampled=3, rate=0.6)
    assert report.by_reason[SamplingReason.DEVIATION] == SampleRate(
        eligible=3, sampled=2, rate=2 / 3
    )
    assert report.by_reason[SamplingReason.NEW_SPECIALIST] == SampleRate(
        eligible=1, sampled=1, rate=1.0
    )
    assert report.by_reason[SamplingReason.UNREVIEWED_DEACTIVATION] == SampleRate(
        eligible=0, sampled=0, rate=None
    )


def test_the_shipped_sampling_rules_load() -> None:
    policy = load_qa_sampling()

    assert policy.unreviewed_deactivation_rate == 1.0
    assert 0 < policy.base_rate < policy.deviation_rate


def test_a_rate_above_one_is_refused_naming_the_file_and_entry(tmp_path: Path) -> None:
    bad = tmp_path / "qa_sampling.toml"
    bad.write_text(
        'version = "x"\nseed = "s"\nbase_rate = 1.5\nnew_specialist_rate = 0.2\n'
        "new_specialist_days = 90\ndeviation_rate = 0.5\nunreviewed_deactivation_rate = 1.0\n"
    )

    with pytest.raises(PolicyFileError) as err:
        load_qa_sampling(bad)

    assert str(err.value) == f"{bad}: base_rate: Input should be less than or equal to 1"
