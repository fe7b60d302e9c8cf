"""Keep the read model whole against Temporal (the reviews on the client's task queue): mirror
reviews whose code publishes nothing, check that every row agrees with Temporal, and rebuild it
from Temporal and the archive.

``python -m workflows.read_model_sync check|rebuild`` (Temporal from the standard environment
settings, the archive from ``DR_ARCHIVE_URL``):

- ``check`` lists every review Temporal knows and prints each read-model row that disagrees
  with its search attributes (or is missing); it exits 1 when any does. A disagreement seen
  once is read again after a moment before it is reported, since both sides are written a few
  milliseconds apart.
- ``rebuild`` writes every open review's row again from its workflow's state as it answers now
  (the summary and the sealed view, whatever the row held, at the review's own version, so its
  next change still replaces it), else from visibility; a closed review's row from visibility
  where none was published, and one Temporal has forgotten from its case record.

The worker runs ``mirror_unpublished`` in the background: reviews that started on a build from
before the read model publish nothing, so their rows are mirrored from visibility until they
close.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta

from pydantic import Field
from temporalio.service import RPCError

from decision_archive.read_model import ReviewReadModel, ReviewSummary, summary_of
from decision_archive.store import DecisionArchive
from review.case_record import CaseRecord
from review.models import ReviewStatus, StrictModel
from workflows.client import (
    ReviewClient,
    ReviewFilter,
    ReviewNotFound,
    ReviewRefused,
    ReviewsUnavailable,
)

log = logging.getLogger("deactivation_review.read_model")

COMPARED = (
    "status",
    "category",
    "severity",
    "sla_tier",
    "sla_deadline",
    "sla_state",
    "assignee",
    "account_id",
    "market",
    "escalated",
)
"""What a row and visibility both say of a review, and must agree on."""


class Disagreement(StrictModel):
    """A read-model row that says something else than Temporal about a review."""

    review_id: str
    field: str = Field(description="The summary field, or 'row' when the row is missing.")
    read_model: str | None
    temporal: str | None

    def describe(self) -> str:
        """One line for an operator."""
        if self.field == "row":
            return f"{self.review_id}: no row in the read model (Temporal: {self.temporal})"
        return (
            f"{self.review_id}: {self.field} is {self.read_model!r} in the read model, "
            f"{self.temporal!r} in Temporal"
        )


class RebuildReport(StrictModel):
    """What a rebuild wrote."""

    from_workflows: int = 0
    from_visibility: int = 0
    from_records: int = 0
    already_newer: int = 0

    def describe(self) -> str:
        """One line for an operator."""
        return (
            f"rebuilt the read model: {self.from_workflows} from workflows, "
            f"{self.from_visibility} from visibility, {self.from_records} from case records, "
            f"{self.already_newer} already newer"
        )


def disagreements(row: ReviewSummary | None, visible: ReviewSummary) -> list[Disagreement]:
    """How a review's row differs from what visibility lists for it."""
    if row is None:
        return [
            Disagreement(
                review_id=visible.review_id, field="row", read_model=None, temporal=visible.status
            )
        ]
    found = []
    for name in COMPARED:
        mine, theirs = getattr(row, name), getattr(visible, name)
        if mine != theirs:
            found.append(
                Disagreement(
                    review_id=row.review_id,
                    field=name,
                    read_model=None if mine is None else str(mine),
                    temporal=None if theirs is None else str(theirs),
                )
            )
    return found


async def check(
    reviews: ReviewClient, read_model: ReviewReadModel, settle: float = 2.0
) -> list[Disagreement]:
    """Every disagreement between the read model and Temporal visibility, seen twice
    ``settle`` seconds apart (a review changing just then is not one)."""

    async def seen() -> dict[str, list[Disagreement]]:
        visible = await reviews.visible(
            ReviewFilter(open_only=False, task_queue=reviews.task_queue)
        )
        rows = await asyncio.to_thread(read_model.summaries, [v.review_id for v in visible])
        found = {v.review_id: disagreements(rows.get(v.review_id), v) for v in visible}
        return {review_id: d for review_id, d in found.items() if d}

    first = await seen()
    if not first:
        return []
    await asyncio.sleep(settle)
    again = await seen()
    return [d for review_id in sorted(first) for d in again.get(review_id, [])]


async def rebuild(
    reviews: ReviewClient, read_model: ReviewReadModel, archive: DecisionArchive
) -> RebuildReport:
    """Write every review's row (and view) again from Temporal, and the rows of closed reviews
    Temporal no longer holds from their case records."""
    report = RebuildReport()
    visible = await reviews.visible(ReviewFilter(open_only=False, task_queue=reviews.task_queue))
    known = {v.review_id for v in visible}
    for summary in visible:
        if summary.status is ReviewStatus.CLOSED:
            # Its workflow published its end, or the mirror wrote it: a closed review changes
            # no more, and querying it would replay its whole history.
            if await asyncio.to_thread(read_model.mirror, summary):
                report.from_visibility += 1
            else:
                report.already_newer += 1
            continue
        try:
            state = await reviews.current_state(summary.review_id)
        except (ReviewsUnavailable, ReviewNotFound, ReviewRefused, RPCError):
            # Its worker is away (or it just went): what visibility says is what is known.
            if await asyncio.to_thread(read_model.mirror, summary):
                report.from_visibility += 1
            else:
                report.already_newer += 1
            continue
        # What the workflow answers now is the truth: it replaces whatever the row holds.
        await asyncio.to_thread(
            read_model.publish, summary_of(state, datetime.now(UTC)), state, True
        )
        report.from_workflows += 1
    for entry in await asyncio.to_thread(archive.index):
        if entry.review_id in known:
            continue
        record = await asyncio.to_thread(archive.read, entry.review_id)
        if record is None:
            continue
        if await asyncio.to_thread(read_model.publish, record_summary(record)):
            report.from_records += 1
        else:
            report.already_newer += 1
    return report


def record_summary(record: CaseRecord) -> ReviewSummary:
    """The summary of a closed review, from its case record (version 0: anything its
    workflow published is newer)."""
    return ReviewSummary(
        review_id=record.review_id,
        version=0,
        status=ReviewStatus.CLOSED,
        category=record.request.category,
        severity=record.request.severity,
        sla_tier=record.sla.tier,
        sla_deadline=record.sla.deadline,
        sla_state="met" if record.sla.met else "missed",
        assignee=record.decision.reviewer.id,
        account_id=record.request.account.id,
        market=record.request.account.market,
        escalated=record.escalated,
        started_at=record.received_at,
        updated_at=record.closed_at,
    )


async def mirror_unpublished(reviews: ReviewClient, read_model: ReviewReadModel) -> int:
    """Mirror each open review that has no row its workflow published, and the last state of
    each mirrored review that has closed since; how many there were."""
    visible = await reviews.visible(ReviewFilter(task_queue=reviews.task_queue))
    sources = await asyncio.to_thread(read_model.sources, [v.review_id for v in visible])
    mirrored = 0
    for summary in visible:
        if sources.get(summary.review_id) == "workflow":
            continue
        mirrored += 1
        await asyncio.to_thread(read_model.mirror, summary)
    # A mirrored review gone from the open list has closed: write what it closed as.
    listed = {v.review_id for v in visible}
    for review_id in await asyncio.to_thread(read_model.mirrored_open):
        if review_id in listed:
            continue
        try:
            final = await reviews.visible_one(review_id)
        except ReviewNotFound:
            continue  # Temporal no longer holds it; rebuild writes it from its record
        if final is not None:
            mirrored += 1
            await asyncio.to_thread(read_model.mirror, final)
    return mirrored


async def keep_mirroring(
    reviews: ReviewClient,
    read_model: ReviewReadModel,
    every: timedelta = timedelta(seconds=30),
    at_most: timedelta = timedelta(hours=1),
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
) -> None:
    """Mirror unpublished reviews every ``every`` while there are any; after a pass that found
    none, wait twice as long each time, up to ``at_most`` (listing every open review costs
    Temporal visibility work). Runs until cancelled; a failed pass is logged and retried."""
    wait = every
    while True:
        try:
            found = await mirror_unpublished(reviews, read_model)
        except Exception:  # Temporal or the database away: try again at the next pass
            log.exception("mirroring unpublished reviews failed")
            found = 1
        if found:
            log.info("mirrored %d reviews whose build publishes nothing", found)
        wait = every if found else min(wait * 2, at_most)
        await sleep(wait.total_seconds())


async def _run(command: str) -> int:
    from temporal_runtime.connection import connect
    from temporal_runtime.encryption import load_key_ring

    archive = DecisionArchive.from_settings(load_key_ring())
    read_model = ReviewReadModel.of(archive)
    reviews = ReviewClient(await connect(), read_model=read_model)
    try:
        if command == "check":
            found = await check(reviews, read_model)
            for disagreement in found:
                print(disagreement.describe())
            print(f"{len(found)} disagreements")
            return 1 if found else 0
        print((await rebuild(reviews, read_model, archive)).describe())
        return 0
    finally:
        archive.close()


def main(argv: list[str] | None = None) -> int:
    """Run ``check`` or ``rebuild``; returns the exit code."""
    parser = argparse.ArgumentParser(prog="python -m workflows.read_model_sync")
    parser.add_argument("command", choices=["check", "rebuild"])
    return asyncio.run(_run(parser.parse_args(argv).command))


if __name__ == "__main__":
    sys.exit(main())
