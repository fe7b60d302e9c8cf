"""Retention of case records: each market keeps its records for its own period, then they go.

Planning is pure (which records are past their market's period at ``now``); purging deletes
exactly what the plan names. A record of a market with no retention period set is never purged,
and the plan says so.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from pydantic import Field

from decision_archive.store import DecisionArchive, RecordIndex
from review.markets import Markets
from review.models import StrictModel


class MarketPurge(StrictModel):
    """What retention removes in one market."""

    market: str
    retention_days: int | None
    expired: list[str] = Field(description="Review ids of records past the retention period.")
    kept: int
    oldest_expired_closed_at: datetime | None = None


class PurgePlan(StrictModel):
    """Which records are past retention, per market, as of ``now``."""

    now: datetime
    markets: list[MarketPurge]
    dry_run: bool
    deleted: int = 0

    @property
    def expired(self) -> list[str]:
        """Every expired review id."""
        return [review_id for m in self.markets for review_id in m.expired]

    def describe(self) -> str:
        """The plan as a person reads it (what the purge command prints)."""
        verb = "would delete" if self.dry_run else "deleted"
        lines = [f"Case record retention as of {self.now.isoformat(timespec='seconds')}:"]
        for m in self.markets:
            if m.retention_days is None:
                lines.append(
                    f"  {m.market}: no retention period set in policy/markets.toml; "
                    f"keeping all {m.kept} record(s)"
                )
                continue
            oldest = (
                f", oldest closed {m.oldest_expired_closed_at:%Y-%m-%d}"
                if m.oldest_expired_closed_at
                else ""
            )
            lines.append(
                f"  {m.market}: keeps {m.retention_days} days; {verb} {len(m.expired)} "
                f"record(s){oldest}, keeping {m.kept}"
            )
            lines.extend(f"    {review_id}" for review_id in m.expired)
        total = self.deleted if not self.dry_run else len(self.expired)
        lines.append(f"{'Dry run: would delete' if self.dry_run else 'Deleted'} {total} record(s).")
        return "\n".join(lines)


def plan_purge(
    records: list[RecordIndex], markets: Markets, now: datetime, dry_run: bool
) -> PurgePlan:
    """Which records each market's retention period has run out for at ``now``."""
    by_market: dict[str, list[RecordIndex]] = {}
    for record in records:
        by_market.setdefault(record.market, []).append(record)
    planned = []
    for market, found in sorted(by_market.items()):
        days = markets.retention_days(market)
        expired = (
            [r for r in found if r.closed_at < now - timedelta(days=days)]
            if days is not None
            else []
        )
        planned.append(
            MarketPurge(
                market=market,
                retention_days=days,
                expired=[r.review_id for r in expired],
                kept=len(found) - len(expired),
                oldest_expired_closed_at=min((r.closed_at for r in expired), default=None),
            )
        )
    return PurgePlan(now=now, markets=planned, dry_run=dry_run)


def purge(archive: DecisionArchive, markets: Markets, now: datetime, dry_run: bool) -> PurgePlan:
    """Delete the records past retention (or only report them, with ``dry_run``)."""
    plan = plan_purge(archive.index(), markets, now, dry_run)
    if not dry_run:
        plan.deleted = archive.delete(plan.expired)
    return plan
