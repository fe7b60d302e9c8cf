"""The read model keeps each review's newest summary, and pages the queue in its order with
counts, on SQLite and on PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa

from decision_archive.read_model import (
    QueueCursor,
    QueueQuery,
    ReviewReadModel,
    ReviewSummary,
    summary_of,
)
from decision_archive.store import DecisionArchive, review_views
from review import lifecycle
from review.matrix import load_review_policy
from review.models import IncidentCategory, ReviewState, ReviewStatus, Severity, SlaTier
from tests.conftest import TEST_KEYS, fresh_database, review_request

NOW = datetime(2026, 12, 2, 9, tzinfo=UTC)


@pytest.fixture(params=["sqlite", "postgresql"])
def read_model(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[ReviewReadModel]:
    archive = DecisionArchive(fresh_database(request, tmp_path, request.param), TEST_KEYS)
    yield ReviewReadModel(archive.engine, TEST_KEYS)
    archive.close()


def summary(review_id: str = "review-INC-1", version: int = 1, **changes: object) -> ReviewSummary:
    fields: dict[str, object] = {
        "review_id": review_id,
        "version": version,
        "status": ReviewStatus.AWAITING_DECISION,
        "sla_tier": SlaTier.HIGH,
        "sla_deadline": NOW + timedelta(hours=24),
        "category": IncidentCategory.DANGEROUS_DRIVING,
        "sla_state": "on_track",
        "severity": Severity.HIGH,
        "market": "mexico-city",
        "account_id": "drv_1",
        "updated_at": NOW,
    }
    return ReviewSummary.model_validate(fields | changes)


def test_a_published_summary_reads_back_as_written(read_model: ReviewReadModel) -> None:
    written = summary(assignee="ana", lease_until=NOW + timedelta(minutes=30))
    assert read_model.publish(written)
    assert read_model.summary(written.review_id) == written


def test_a_newer_version_replaces_the_summary(read_model: ReviewReadModel) -> None:
    read_model.publish(summary(version=1))
    assert read_model.publish(summary(version=2, status=ReviewStatus.IN_REVIEW))
    found = read_model.summary("review-INC-1")
    assert found is not None and (found.version, found.status) == (2, ReviewStatus.IN_REVIEW)


def test_a_stale_publication_never_rolls_a_review_back(read_model: ReviewReadModel) -> None:
    read_model.publish(summary(version=3, status=ReviewStatus.CLOSED))
    assert not read_model.publish(summary(version=2, status=ReviewStatus.IN_REVIEW))
    found = read_model.summary("review-INC-1")
    assert found is not None and (found.version, found.status) == (3, ReviewStatus.CLOSED)


def test_the_same_publication_twice_writes_once(read_model: ReviewReadModel) -> None:
    assert read_model.publish(summary(version=1))
    assert not read_model.publish(summary(version=1))


def test_the_queue_puts_the_most_urgent_tier_first_then_the_soonest_deadline(
    read_model: ReviewReadModel,
) -> None:
    read_model.publish(summary("review-A", sla_tier=SlaTier.STANDARD, sla_deadline=NOW))
    read_model.publish(summary("review-B", sla_deadline=NOW + timedelta(hours=5)))
    read_model.publish(summary("review-C", sla_deadline=NOW + timedelta(hours=1)))
    read_model.publish(
        summary("review-D", sla_tier=SlaTier.CRITICAL, sla_deadline=NOW + timedelta(hours=3))
    )

    page = read_model.page(QueueQuery())

    assert [r.review_id for r in page.reviews] == ["review-D", "review-C", "review-B", "review-A"]
    assert page.next is None


def test_keyset_pages_cover_the_queue_once_each_in_order(read_model: ReviewReadModel) -> None:
    for i in range(23):
        tier = [SlaTier.CRITICAL, SlaTier.HIGH, SlaTier.STANDARD][i % 3]
        # Several reviews share a deadline: the id breaks the tie.
        read_model.publish(
            summary(f"review-{i:02}", sla_tier=tier, sla_deadline=NOW + timedelta(hours=i // 4))
        )
    whole = read_model.page(QueueQuery(), limit=100).reviews

    seen: list[str] = []
    page = read_model.page(QueueQuery(), limit=5)
    while True:
        seen += [r.review_id for r in page.reviews]
        if page.next is None:
            break
        page = read_model.page(QueueQuery(), after=page.next, limit=5)

    assert seen == [r.review_id for r in whole] and len(seen) == 23


def test_filters_narrow_the_page_and_empty_means_any(read_model: ReviewReadModel) -> None:
    read_model.publish(summary("review-A", market="chicago"))
    read_model.publish(summary("review-B", status=ReviewStatus.IN_REVIEW, assignee="ana"))
    read_model.publish(summary("review-C", category=IncidentCategory.FRAUD))

    def ids(query: QueueQuery) -> list[str]:
        return sorted(r.review_id for r in read_model.page(query).reviews)

    assert ids(QueueQuery()) == ["review-A", "review-B", "review-C"]
    assert ids(QueueQuery(market="chicago")) == ["review-A"]
    assert ids(QueueQuery(assignee="ana")) == ["review-B"]
    assert ids(QueueQuery(category=IncidentCategory.FRAUD)) == ["review-C"]
    assert ids(QueueQuery(statuses=[ReviewStatus.AWAITING_DECISION])) == ["review-A", "review-C"]


def test_a_page_counts_every_status_and_tier_its_other_filters_match(
    read_model: ReviewReadModel,
) -> None:
    read_model.publish(summary("review-A"))
    read_model.publish(summary("review-B", sla_tier=SlaTier.CRITICAL))
    read_model.publish(summary("review-C", status=ReviewStatus.IN_REVIEW))
    read_model.publish(summary("review-D", market="chicago"))

    page = read_model.page(
        QueueQuery(statuses=[ReviewStatus.IN_REVIEW], market="mexico-city"), limit=1
    )

    assert [r.review_id for r in page.reviews] == ["review-C"]
    assert page.counts == {
        "awaiting_decision": {"high": 1, "critical": 1},
        "in_review": {"high": 1},
    }


def opened_review(review_id: str = "review-INC-1") -> ReviewState:
    request = review_request(incident_id=review_id.removeprefix("review-"))
    return lifecycle.open_review(request, load_review_policy(), NOW)


def test_the_summary_of_a_state_is_what_the_queue_shows_of_it() -> None:
    state = opened_review()
    state.version = 4
    found = summary_of(state, NOW)
    assert (found.review_id, found.version, found.status) == (state.review_id, 4, state.status)
    assert (found.sla_tier, found.sla_deadline, found.sla_state) == (
        state.sla.tier,
        state.sla.deadline,
        "on_track",
    )
    assert (found.account_id, found.started_at) == (state.request.account.id, NOW)


def test_a_published_view_reads_back_whole(read_model: ReviewReadModel) -> None:
    state = opened_review()
    state.version = 1
    read_model.publish(summary_of(state, NOW), state)
    assert read_model.view(state.review_id) == state


def test_a_view_is_stored_sealed(read_model: ReviewReadModel) -> None:
    state = opened_review()
    read_model.publish(summary_of(state, NOW), state)
    with read_model.engine.connect() as db:
        stored = db.execute(sa.select(review_views.c.sealed_view)).scalar_one()
    assert state.request.summary.encode() not in stored
    assert state.request.account.id.encode() not in stored


def test_a_stale_publication_leaves_the_newer_view(read_model: ReviewReadModel) -> None:
    state = opened_review()
    state.version = 2
    read_model.publish(summary_of(state, NOW), state)
    older = state.model_copy(update={"version": 1, "status": ReviewStatus.CLOSED})
    assert not read_model.publish(summary_of(older, NOW), older)
    found = read_model.view(state.review_id)
    assert found is not None and found.status is state.status


def test_a_mirrored_row_never_replaces_a_published_one(read_model: ReviewReadModel) -> None:
    read_model.publish(summary(version=1))
    assert not read_model.mirror(summary(version=9, status=ReviewStatus.CLOSED))
    found = read_model.summary("review-INC-1")
    assert found is not None and found.status is ReviewStatus.AWAITING_DECISION


def test_a_publication_replaces_a_mirrored_row_whatever_its_version(
    read_model: ReviewReadModel,
) -> None:
    assert read_model.mirror(summary(version=9))
    assert read_model.mirror(summary(version=3, status=ReviewStatus.IN_REVIEW))
    assert read_model.publish(summary(version=1, status=ReviewStatus.ACTIONING))
    assert read_model.sources(["review-INC-1"]) == {"review-INC-1": "workflow"}


def test_a_cursor_token_stands_for_its_cursor() -> None:
    cursor = QueueCursor(tier_rank=1, sla_deadline=NOW, review_id="review-INC|7")
    assert QueueCursor.parse(cursor.token()) == cursor


@pytest.mark.parametrize("token", ["", "nonsense", "MXwx"])
def test_a_token_the_queue_never_gave_out_is_refused_saying_so(token: str) -> None:
    with pytest.raises(ValueError, match="not a cursor this queue gave out"):
        QueueCursor.parse(token)


def test_the_open_queue_leaves_closed_reviews_out_and_totals_what_it_shows(
    read_model: ReviewReadModel,
) -> None:
    read_model.publish(summary("review-A"))
    read_model.publish(summary("review-B", status=ReviewStatus.CLOSED))
    read_model.publish(summary("review-C", sla_tier=SlaTier.CRITICAL, escalated=True))

    page = read_model.page(QueueQuery(open_only=True), limit=1)

    assert [r.review_id for r in page.reviews] == ["review-C"]
    assert page.total == 2
    assert [r.review_id for r in read_model.page(QueueQuery(escalated=True)).reviews] == [
        "review-C"
    ]


def test_deleting_a_record_at_the_end_of_retention_forgets_its_summary_and_view(
    read_model: ReviewReadModel,
) -> None:
    state = opened_review()
    read_model.publish(summary_of(state, NOW), state)
    DecisionArchive(read_model.engine.url.render_as_string(hide_password=False), TEST_KEYS).delete(
        [state.review_id]
    )
    assert read_model.summary(state.review_id) is None
    assert read_model.view(state.review_id) is None
