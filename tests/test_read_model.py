"""The read model keeps each review's newest summary, and pages the queue in its order with
counts, on SQLite and on PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from decision_archive.read_model import QueueQuery, ReviewReadModel, ReviewSummary
from decision_archive.store import DecisionArchive
from review.models import ReviewStatus, Severity, SlaTier
from tests.conftest import TEST_KEYS, fresh_database

NOW = datetime(2026, 12, 2, 9, tzinfo=UTC)


@pytest.fixture(params=["sqlite", "postgresql"])
def read_model(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[ReviewReadModel]:
    archive = DecisionArchive(fresh_database(request, tmp_path, request.param), TEST_KEYS)
    yield ReviewReadModel(archive.engine)
    archive.close()


def summary(review_id: str = "review-INC-1", version: int = 1, **changes: object) -> ReviewSummary:
    fields: dict[str, object] = {
        "review_id": review_id,
        "version": version,
        "status": ReviewStatus.AWAITING_DECISION,
        "tier": SlaTier.HIGH,
        "sla_deadline": NOW + timedelta(hours=24),
        "category": "dangerous_driving",
        "severity": Severity.HIGH,
        "market": "mexico-city",
        "account_id": "drv_1",
        "updated_at": NOW,
    }
    return ReviewSummary.model_validate(fields | changes)


def test_a_published_summary_reads_back_as_written(read_model: ReviewReadModel) -> None:
    written = summary(assignee_id="ana", lease_until=NOW + timedelta(minutes=30))
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
    read_model.publish(summary("review-A", tier=SlaTier.STANDARD, sla_deadline=NOW))
    read_model.publish(summary("review-B", sla_deadline=NOW + timedelta(hours=5)))
    read_model.publish(summary("review-C", sla_deadline=NOW + timedelta(hours=1)))
    read_model.publish(
        summary("review-D", tier=SlaTier.CRITICAL, sla_deadline=NOW + timedelta(hours=3))
    )

    page = read_model.page(QueueQuery())

    assert [r.review_id for r in page.reviews] == ["review-D", "review-C", "review-B", "review-A"]
    assert page.next is None


def test_keyset_pages_cover_the_queue_once_each_in_order(read_model: ReviewReadModel) -> None:
    for i in range(23):
        tier = [SlaTier.CRITICAL, SlaTier.HIGH, SlaTier.STANDARD][i % 3]
        # Several reviews share a deadline: the id breaks the tie.
        read_model.publish(
            summary(f"review-{i:02}", tier=tier, sla_deadline=NOW + timedelta(hours=i // 4))
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
    read_model.publish(summary("review-B", status=ReviewStatus.IN_REVIEW, assignee_id="ana"))
    read_model.publish(summary("review-C", category="fraud"))

    def ids(query: QueueQuery) -> list[str]:
        return sorted(r.review_id for r in read_model.page(query).reviews)

    assert ids(QueueQuery()) == ["review-A", "review-B", "review-C"]
    assert ids(QueueQuery(market="chicago")) == ["review-A"]
    assert ids(QueueQuery(assignee_id="ana")) == ["review-B"]
    assert ids(QueueQuery(category="fraud")) == ["review-C"]
    assert ids(QueueQuery(statuses=[ReviewStatus.AWAITING_DECISION])) == ["review-A", "review-C"]


def test_a_page_counts_every_status_and_tier_its_other_filters_match(
    read_model: ReviewReadModel,
) -> None:
    read_model.publish(summary("review-A"))
    read_model.publish(summary("review-B", tier=SlaTier.CRITICAL))
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
