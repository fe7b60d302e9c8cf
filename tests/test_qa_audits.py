"""QA audits: a score's rules as plain functions, and the archive's book of draws, scores and
feedback (on SQLite; the SQL is the metrics tests' on both databases)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
import sqlalchemy as sa
from pydantic import ValidationError

from decision_archive.__main__ import main as archive_command
from decision_archive.facts import facts_of
from decision_archive.quality import NotAudited, QaBook
from decision_archive.store import DecisionArchive, decision_facts, qa_samples, qa_scores
from review.matrix import ReviewPolicy
from review.models import EnforcementAction
from review.qa_audit import QaErrorType, QaScoreBody, opens_correction
from review.qa_sampling import QaSamplingPolicy, SamplingReason
from review.refusals import ReviewRuleError
from tests.team_month import count
from tests.test_decision_archive import NOW, decided_record

EVERY_ONE = QaSamplingPolicy(
    version="all",
    seed="s",
    base_rate=1.0,
    new_specialist_rate=1.0,
    new_specialist_days=90,
    deviation_rate=1.0,
    unreviewed_deactivation_rate=1.0,
)
NONE_BUT_RULES = EVERY_ONE.model_copy(
    update={"version": "rules", "base_rate": 0.0, "new_specialist_rate": 0.0, "deviation_rate": 0.0}
)
SOUND = QaScoreBody(
    action_correct=True,
    guidelines_correct=True,
    rationale_adequate=True,
    message_appropriate=True,
    comment="Clear rationale, right references.",
)
WRONG_ACTION = QaScoreBody(
    action_correct=False,
    guidelines_correct=True,
    rationale_adequate=True,
    message_appropriate=True,
    error_type=QaErrorType.WRONG_ACTION,
    comment="Two statements and no telematics: a warning, not a suspension.",
)


def unknown_start(_person: str) -> date | None:
    return None


@pytest.fixture
def policy(shipped_policy: tuple[ReviewPolicy, object]) -> ReviewPolicy:
    return shipped_policy[0]


@pytest.fixture
def book(archive: DecisionArchive) -> QaBook:
    return QaBook.of(archive)


def archived(archive: DecisionArchive, policy: ReviewPolicy, **changes: object) -> str:
    record = decided_record(policy, **changes)
    archive.write(record, NOW)
    return record.review_id


# A score's rules


def test_a_score_with_a_failed_check_must_name_the_error() -> None:
    with pytest.raises(ValidationError) as err:
        QaScoreBody(**(SOUND.model_dump() | {"rationale_adequate": False}))

    [problem] = err.value.errors()
    assert (problem["loc"], problem["type"]) == (("error_type",), "error_type_needed")


def test_an_action_error_cannot_call_the_action_correct() -> None:
    with pytest.raises(ValidationError) as err:
        QaScoreBody(**(SOUND.model_dump() | {"error_type": "false_positive"}))

    [problem] = err.value.errors()
    assert problem["loc"] == ("error_type",)
    assert problem["msg"] == "false_positive says the action was wrong, but action_correct is true"


def test_an_action_found_wrong_is_not_a_documentation_error() -> None:
    with pytest.raises(ValidationError) as err:
        QaScoreBody(
            **(SOUND.model_dump() | {"action_correct": False, "error_type": "documentation"})
        )

    [problem] = err.value.errors()
    assert (problem["loc"], problem["type"]) == (("error_type",), "error_type_needs_action_error")


def test_a_score_agrees_only_when_every_check_passes_and_no_error_is_named() -> None:
    documentation = QaScoreBody(
        **(SOUND.model_dump() | {"error_type": "documentation", "rationale_adequate": False})
    )

    assert SOUND.agrees
    assert not WRONG_ACTION.agrees
    assert not documentation.agrees


@pytest.mark.parametrize(
    ("error", "action", "opens"),
    [
        (QaErrorType.FALSE_POSITIVE, EnforcementAction.PERMANENT_DEACTIVATION, True),
        (QaErrorType.WRONG_ACTION, EnforcementAction.TEMPORARY_SUSPENSION, True),
        (QaErrorType.FALSE_POSITIVE, EnforcementAction.WARNING, False),
        (QaErrorType.FALSE_NEGATIVE, EnforcementAction.TEMPORARY_SUSPENSION, False),
        (QaErrorType.DOCUMENTATION, EnforcementAction.PERMANENT_DEACTIVATION, False),
    ],
)
def test_only_a_wrongful_restriction_opens_a_correction(
    error: QaErrorType, action: EnforcementAction, opens: bool
) -> None:
    score = QaScoreBody(
        action_correct=error is QaErrorType.DOCUMENTATION,
        guidelines_correct=True,
        rationale_adequate=error is not QaErrorType.DOCUMENTATION,
        message_appropriate=True,
        error_type=error,
        comment="x",
    )

    assert opens_correction(score, action) is opens


# Decision facts


def test_archiving_a_record_writes_its_decision_facts(
    archive: DecisionArchive, policy: ReviewPolicy
) -> None:
    record = decided_record(policy, action=EnforcementAction.EDUCATION)
    archive.write(record, NOW)

    facts = facts_of(record)
    assert record.recommendation is not None
    assert record.recommendation.action is not EnforcementAction.EDUCATION
    assert facts.action is EnforcementAction.EDUCATION
    assert facts.deviated and facts.decided_by == "ana"
    assert facts.decision_seconds == 2 * 3600  # received 3 h before closing, decided 1 h before
    assert facts.rule_id == record.recommendation.rule_id
    with archive.engine.connect() as db:
        stored = db.execute(sa.select(decision_facts)).mappings().one()
    assert (stored["review_id"], stored["decision_seconds"]) == (record.review_id, 7200)


def test_the_facts_command_writes_facts_for_records_archived_without_them(
    archive: DecisionArchive,
    policy: ReviewPolicy,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    archived(archive, policy)
    archived(archive, policy)
    with archive.engine.begin() as db:
        db.execute(decision_facts.delete())
    monkeypatch.setenv("DR_ARCHIVE_URL", str(archive.engine.url))

    assert archive_command(["facts"]) == 0
    assert archive_command(["facts"]) == 0

    assert capsys.readouterr().out.splitlines() == [
        "wrote the decision facts of 2 case record(s)",
        "wrote the decision facts of 0 case record(s)",
    ]
    assert count(archive.engine, decision_facts) == 2


# Draws and the queue


def test_each_closed_review_is_drawn_once_and_keeps_its_first_draw(
    archive: DecisionArchive, book: QaBook, policy: ReviewPolicy
) -> None:
    first = archived(archive, policy)

    assert book.draw_pending(EVERY_ONE, unknown_start, NOW) == 1
    second = archived(archive, policy)
    assert book.draw_pending(NONE_BUT_RULES, unknown_start, NOW) == 1
    assert book.draw_pending(EVERY_ONE, unknown_start, NOW) == 0

    assert book.item(first).sampled and book.item(first).policy_version == "all"
    assert not book.item(second).sampled and book.item(second).policy_version == "rules"


def test_the_sampling_report_gives_the_rate_as_drawn(
    archive: DecisionArchive, book: QaBook, policy: ReviewPolicy
) -> None:
    archived(archive, policy)
    archived(archive, policy, action=EnforcementAction.PERMANENT_DEACTIVATION)
    book.draw_pending(NONE_BUT_RULES, unknown_start, NOW)

    report = book.report()

    assert (report.overall.eligible, report.overall.sampled) == (2, 1)
    unreviewed = report.by_reason[SamplingReason.UNREVIEWED_DEACTIVATION]
    assert (unreviewed.eligible, unreviewed.sampled, unreviewed.rate) == (1, 1, 1.0)


def test_the_queue_never_offers_a_decision_to_the_person_who_made_it(
    archive: DecisionArchive, book: QaBook, policy: ReviewPolicy
) -> None:
    review_id = archived(archive, policy)
    book.draw_pending(EVERY_ONE, unknown_start, NOW)

    assert [i.review_id for i in book.queue("sofia")] == [review_id]
    assert book.queue("ana") == []


def test_an_unsampled_review_cannot_be_scored(
    archive: DecisionArchive, book: QaBook, policy: ReviewPolicy
) -> None:
    review_id = archived(archive, policy)
    book.draw_pending(NONE_BUT_RULES, unknown_start, NOW)

    with pytest.raises(ReviewRuleError) as err:
        book.score(review_id, "sofia", SOUND, NOW)

    assert (err.value.kind, err.value.reason) == ("conflict", "not_sampled_for_audit")


def test_a_review_not_closed_here_is_not_audited(book: QaBook) -> None:
    with pytest.raises(NotAudited):
        book.score("review-nowhere", "sofia", SOUND, NOW)


# Scores and feedback


def test_the_decider_may_not_audit_their_own_decision(
    archive: DecisionArchive, book: QaBook, policy: ReviewPolicy
) -> None:
    review_id = archived(archive, policy)
    book.draw_pending(EVERY_ONE, unknown_start, NOW)

    with pytest.raises(ReviewRuleError) as err:
        book.score(review_id, "ana", SOUND, NOW)

    assert (err.value.kind, err.value.reason) == ("forbidden", "audit_of_own_work")


def test_a_scored_decision_leaves_the_queue_and_keeps_its_sealed_comment(
    archive: DecisionArchive, book: QaBook, policy: ReviewPolicy
) -> None:
    review_id = archived(archive, policy)
    book.draw_pending(EVERY_ONE, unknown_start, NOW)

    score, stored = book.score(review_id, "sofia", WRONG_ACTION, NOW)

    assert stored and not score.agrees_with_decision
    assert score.comment == WRONG_ACTION.comment
    assert book.queue("sofia") == []
    with archive.engine.connect() as db:
        sealed = db.execute(sa.select(qa_scores.c.sealed_comment)).scalar_one()
    assert b"telematics" not in sealed


def test_the_same_score_sent_twice_is_stored_once(
    archive: DecisionArchive, book: QaBook, policy: ReviewPolicy
) -> None:
    review_id = archived(archive, policy)
    book.draw_pending(EVERY_ONE, unknown_start, NOW)
    first, _ = book.score(review_id, "sofia", SOUND, NOW)

    again, stored = book.score(review_id, "sofia", SOUND, NOW + timedelta(minutes=1))

    assert not stored and again == first
    assert count(archive.engine, qa_scores) == 1


def test_a_second_different_score_is_refused_naming_the_first_auditor(
    archive: DecisionArchive, book: QaBook, policy: ReviewPolicy
) -> None:
    review_id = archived(archive, policy)
    book.draw_pending(EVERY_ONE, unknown_start, NOW)
    book.score(review_id, "sofia", SOUND, NOW)

    with pytest.raises(ReviewRuleError, match="already audited by sofia"):
        book.score(review_id, "luis", WRONG_ACTION, NOW)


def test_a_disagreement_is_feedback_the_specialist_sees_and_acknowledges_once(
    archive: DecisionArchive, book: QaBook, policy: ReviewPolicy
) -> None:
    review_id = archived(archive, policy)
    book.draw_pending(EVERY_ONE, unknown_start, NOW)
    book.score(review_id, "sofia", WRONG_ACTION, NOW)

    [feedback] = book.feedback_for("ana")
    assert feedback.score is not None and feedback.score.acknowledged_at is None
    book.acknowledge(review_id, "ana", NOW + timedelta(hours=1))
    book.acknowledge(review_id, "ana", NOW + timedelta(hours=2))

    [read] = book.feedback_for("ana")
    assert read.score is not None and read.score.acknowledged_at == NOW + timedelta(hours=1)
    assert [i.review_id for i in book.disagreements()] == [review_id]


def test_an_agreeing_score_is_no_feedback_to_acknowledge(
    archive: DecisionArchive, book: QaBook, policy: ReviewPolicy
) -> None:
    review_id = archived(archive, policy)
    book.draw_pending(EVERY_ONE, unknown_start, NOW)
    book.score(review_id, "sofia", SOUND, NOW)

    assert book.feedback_for("ana") == []
    with pytest.raises(ReviewRuleError, match="no QA feedback on this review for ana"):
        book.acknowledge(review_id, "ana", NOW)


def test_retention_takes_the_facts_and_audits_with_the_record(
    archive: DecisionArchive, book: QaBook, policy: ReviewPolicy
) -> None:
    review_id = archived(archive, policy)
    book.draw_pending(EVERY_ONE, unknown_start, NOW)
    book.score(review_id, "sofia", SOUND, NOW)

    archive.delete([review_id])

    assert [count(archive.engine, t) for t in (decision_facts, qa_samples, qa_scores)] == [0, 0, 0]


def test_reviews_closed_before_the_lookback_are_not_drawn(
    archive: DecisionArchive, book: QaBook, policy: ReviewPolicy
) -> None:
    old = decided_record(policy, closed_at=NOW - timedelta(days=EVERY_ONE.lookback_days + 1))
    archive.write(old, NOW)
    recent = archived(archive, policy)

    assert book.draw_pending(EVERY_ONE, unknown_start, NOW) == 1
    assert [i.review_id for i in book.queue("sofia")] == [recent]
    with pytest.raises(NotAudited):
        book.item(old.review_id)
