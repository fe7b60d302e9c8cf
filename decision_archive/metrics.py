"""The team's numbers, counted in SQL over the archive's database: closed reviews' decision
facts, the read model's open reviews, QA scores and the appeals book.

Appeal rates count the appeals people made, not the corrections QA opened (``appeals.origin``).
A period holds the reviews *closed* in it (``start`` inclusive, ``end`` exclusive); open reviews
are counted as they stand now. Percentiles use the nearest-rank method: p50 of n values is the
ceil(0.5 n)-th smallest. A rate with nothing to count is None, never 0.
"""

from __future__ import annotations

import math
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from pydantic import Field, model_validator
from sqlalchemy.engine import Connection, Engine

from decision_archive.store import (
    _utc,
    appeals,
    decision_facts,
    qa_samples,
    qa_scores,
    review_summaries,
)
from review.models import (
    EnforcementAction,
    IncidentCategory,
    ReviewStatus,
    SlaTier,
    StrictModel,
)
from review.qa_audit import QaErrorType

AGE_BUCKETS: list[tuple[str, timedelta | None]] = [
    ("under_1h", timedelta(hours=1)),
    ("1h_to_4h", timedelta(hours=4)),
    ("4h_to_24h", timedelta(hours=24)),
    ("1d_to_3d", timedelta(days=3)),
    ("over_3d", None),
]
"""Open reviews' age buckets, each up to (not including) its bound; a review whose start is
not known (mirrored from visibility without it) is counted as ``unknown``."""
UNKNOWN_AGE = "unknown"

RESTRICTIONS = [str(a) for a in EnforcementAction if a.restricts_account]


class MetricsFilter(StrictModel):
    """Which reviews to count."""

    start: datetime = Field(description="Reviews closed from this time (inclusive).")
    end: datetime = Field(description="... to this time (exclusive).")
    market: str | None = None
    category: IncidentCategory | None = None
    reviewer: str | None = Field(default=None, description="Only this person's decisions.")

    @model_validator(mode="after")
    def _period_runs_forward(self) -> MetricsFilter:
        if self.end <= self.start:
            raise ValueError("to: must be after from")
        return self


class Rate(StrictModel):
    """``count`` out of ``of``."""

    count: int
    of: int
    rate: float | None = Field(description="count / of; null when there is nothing to count.")

    @classmethod
    def of_counts(cls, count: int, of: int) -> Rate:
        """The rate of two counts."""
        return cls(count=count, of=of, rate=count / of if of else None)


class Percentiles(StrictModel):
    """Nearest-rank percentiles in seconds; null without values."""

    count: int
    p50: float | None
    p90: float | None


class RuleDeviation(StrictModel):
    """How often specialists departed from one matrix rule, and how that fared afterwards."""

    rule_id: str
    recommended_action: str | None
    decided: int
    deviated: int
    deviation_rate: float | None
    deviations_returned_in_second_review: int
    deviations_audited: int
    deviations_qa_disagreed: int
    deviations_appealed: int
    deviations_overturned: int
    actions_taken: dict[str, int] = Field(description="How the rule's reviews were decided.")


class ReviewerMetrics(StrictModel):
    """One decider's numbers in the period."""

    reviewer: str
    decided: int
    sla_met: Rate
    time_to_decision_s: Percentiles
    deviation_rate: Rate
    second_review_return_rate: Rate
    qa_agreement: Rate


class MetricsSummary(StrictModel):
    """``GET /api/v1/metrics/summary``: the period's numbers, and the open queue now."""

    period_start: datetime
    period_end: datetime
    market: str | None
    category: IncidentCategory | None
    reviewer: str | None
    closed_reviews: int
    sla_attainment: dict[SlaTier, Rate] = Field(
        description="Per tier: closed reviews whose first decision met the tier's deadline."
    )
    time_to_decision_s: Percentiles = Field(
        description="From receiving the incident to the first decision."
    )
    open_by_age: dict[SlaTier, dict[str, int]] = Field(
        description="Open reviews now, per tier, by age: "
        + ", ".join([*(b for b, _ in AGE_BUCKETS), UNKNOWN_AGE])
    )
    at_risk_now: int
    breached_now: int
    deviation_rate: Rate
    deviation_by_rule: list[RuleDeviation]
    second_review_return_rate: Rate = Field(
        description="Second-reviewed decisions a lead returned at least once."
    )
    qa_agreement: Rate = Field(description="Audited decisions QA agreed with.")
    qa_error_types: dict[QaErrorType, int]
    appeal_rate: Rate = Field(description="Restrictions closed in the period that were appealed.")
    appeal_overturn_rate: Rate = Field(description="Decided appeals of them that overturned it.")
    by_reviewer: list[ReviewerMetrics] | None = None


def _filtered(
    query: MetricsFilter, table: sa.Table, person: sa.ColumnElement[str]
) -> list[sa.ColumnElement[bool]]:
    """The query's market, category and reviewer (as ``person``) on ``table``'s columns."""
    where: list[sa.ColumnElement[bool]] = []
    if query.market:
        where.append(table.c.market == query.market)
    if query.category:
        where.append(table.c.category == str(query.category))
    if query.reviewer:
        where.append(person == query.reviewer)
    return where


def _closed(query: MetricsFilter) -> list[sa.ColumnElement[bool]]:
    """The reviews the query counts: closed in its period, in its slice, decided by its
    reviewer."""
    f = decision_facts.c
    return [
        f.closed_at >= _utc(query.start),
        f.closed_at < _utc(query.end),
        *_filtered(query, decision_facts, f.decided_by),
    ]


def _sum(condition: sa.ColumnElement[bool]) -> sa.ColumnElement[int]:
    """How many rows ``condition`` holds for (0 for none)."""
    return sa.func.coalesce(sa.func.sum(sa.case((condition, 1), else_=0)), 0)


def nearest_rank(sorted_values: list[float]) -> Percentiles:
    """p50 and p90 of values sorted ascending, by the nearest-rank method."""
    n = len(sorted_values)

    def rank(p: float) -> float | None:
        return sorted_values[max(math.ceil(p * n), 1) - 1] if n else None

    return Percentiles(count=n, p50=rank(0.5), p90=rank(0.9))


def percentiles(db: Connection, where: list[sa.ColumnElement[bool]]) -> Percentiles:
    """p50 and p90 of the time to decision of the reviews ``where`` selects: two ranked reads
    in SQL (SQLite has no percentile function), whatever their number."""
    seconds = decision_facts.c.decision_seconds
    n = int(
        db.execute(
            sa.select(sa.func.count()).select_from(decision_facts).where(*where)
        ).scalar_one()
    )

    def rank(p: float) -> float | None:
        if n == 0:
            return None
        offset = max(math.ceil(p * n), 1) - 1
        stmt = sa.select(seconds).where(*where).order_by(seconds).limit(1).offset(offset)
        return float(db.execute(stmt).scalar_one())

    return Percentiles(count=n, p50=rank(0.5), p90=rank(0.9))


def _people_appeals(
    db: Connection,
    where: list[sa.ColumnElement[bool]],
    by: sa.ColumnElement[Any],
) -> dict[Any, tuple[int, int, int]]:
    """Per ``by``: the reviews ``where`` selects that people appealed (not QA's corrections),
    their decided appeals and the overturned ones. Driven from the appeals, far fewer than
    the reviews, each finding its review by key."""
    f, a = decision_facts.c, appeals.c
    rows = db.execute(
        sa.select(
            by,
            sa.func.count(sa.distinct(a.review_id)),
            _sum(a.outcome.is_not(None)),
            _sum(a.outcome == "overturn"),
        )
        .select_from(appeals.join(decision_facts, f.review_id == a.review_id))
        .where(*where, a.origin == "person")
        .group_by(by)
    ).all()
    return {key: (int(n), int(decided), int(over)) for key, n, decided, over in rows}


def _open_queue(
    db: Connection, query: MetricsFilter, now: datetime
) -> tuple[dict[SlaTier, dict[str, int]], int, int]:
    s = review_summaries.c
    where = [
        s.status != str(ReviewStatus.CLOSED),
        *_filtered(query, review_summaries, s.assignee_id),
    ]
    now = _utc(now)
    age_cases: list[tuple[sa.ColumnElement[bool], str]] = [
        (s.started_at.is_(None), UNKNOWN_AGE),
        *((s.started_at > now - bound, name) for name, bound in AGE_BUCKETS if bound is not None),
    ]
    bucket = sa.case(*age_cases, else_=AGE_BUCKETS[-1][0]).label("bucket")
    by_age = {
        tier: {name: 0 for name in [*(n for n, _ in AGE_BUCKETS), UNKNOWN_AGE]} for tier in SlaTier
    }
    at_risk = breached = 0
    for tier, name, state, count in db.execute(
        sa.select(s.tier, bucket, s.sla_state, sa.func.count())
        .where(*where)
        .group_by(s.tier, bucket, s.sla_state)
    ).all():
        by_age[SlaTier(tier)][name] += int(count)
        at_risk += int(count) if state == "at_risk" else 0
        breached += int(count) if state == "breached" else 0
    return by_age, at_risk, breached


class _Tally(StrictModel):
    """One pass over a slice of closed reviews: what every rate is counted from."""

    closed: int = 0
    deviated: int = 0
    second_reviewed: int = 0
    returned: int = 0
    sla_met: int = 0
    by_tier: dict[SlaTier, tuple[int, int]] = Field(default_factory=dict)
    audited: int = 0
    agreed: int = 0
    restrictions: int = 0
    appealed: int = 0
    appeals_decided: int = 0
    appeals_overturned: int = 0


def _tallies(
    db: Connection, where: list[sa.ColumnElement[bool]], by: sa.ColumnElement[str] | None = None
) -> dict[str, _Tally]:
    """Every count of the slice: one grouped query over the facts and their QA scores, one
    over the people's appeals of its restrictions (by ``by``, or one group ``""``)."""
    f, q = decision_facts.c, qa_scores.c
    restricted = f.action.in_(RESTRICTIONS)
    columns: list[sa.ColumnElement[Any]] = [
        sa.func.count(),
        _sum(f.deviated.is_(True)),
        _sum(f.second_reviewed.is_(True)),
        _sum(f.second_review_returned.is_(True)),
        _sum(f.sla_met.is_(True)),
        _sum(q.review_id.is_not(None)),
        _sum(q.agrees.is_(True)),
        _sum(restricted),
    ]
    for tier in SlaTier:
        columns += [_sum(f.tier == str(tier)), _sum(sa.and_(f.tier == str(tier), f.sla_met))]
    key = by if by is not None else sa.literal("")
    stmt = (
        sa.select(key, *columns)
        .select_from(decision_facts.outerjoin(qa_scores, q.review_id == f.review_id))
        .where(*where)
        .group_by(key)
    )
    appealed = _people_appeals(db, [*where, restricted], key)
    tallies: dict[str, _Tally] = {}
    for group, *n in db.execute(stmt).all():
        counts = [int(x) for x in n]
        per_tier = counts[8:]
        people_appealed, decided, overturned = appealed.get(group, (0, 0, 0))
        tallies[str(group)] = _Tally(
            closed=counts[0],
            deviated=counts[1],
            second_reviewed=counts[2],
            returned=counts[3],
            sla_met=counts[4],
            audited=counts[5],
            agreed=counts[6],
            restrictions=counts[7],
            appealed=people_appealed,
            appeals_decided=decided,
            appeals_overturned=overturned,
            by_tier={
                tier: (per_tier[2 * i], per_tier[2 * i + 1]) for i, tier in enumerate(SlaTier)
            },
        )
    return tallies


def _error_types(db: Connection, where: list[sa.ColumnElement[bool]]) -> dict[QaErrorType, int]:
    f, q = decision_facts.c, qa_scores.c
    found: dict[str, int] = {
        str(error): int(count)
        for error, count in db.execute(
            sa.select(q.error_type, sa.func.count())
            .select_from(decision_facts.join(qa_scores, q.review_id == f.review_id))
            .where(*where, q.error_type.is_not(None))
            .group_by(q.error_type)
        ).all()
    }
    return {e: found.get(str(e), 0) for e in QaErrorType}


def deviation_by_rule(db: Connection, where: list[sa.ColumnElement[bool]]) -> list[RuleDeviation]:
    """For each matrix rule: how often its recommendation was not followed, and how those
    deviations fared in second review, QA and appeal (people's appeals). Counted by rule and
    action in SQL, then per rule."""
    f, q = decision_facts.c, qa_scores.c
    departed = f.deviated.is_(True)
    rows = db.execute(
        sa.select(
            f.rule_id,
            f.action,
            sa.func.min(f.recommended_action),
            sa.func.count(),
            _sum(departed),
            _sum(sa.and_(departed, f.second_review_returned.is_(True))),
            _sum(sa.and_(departed, q.review_id.is_not(None))),
            _sum(sa.and_(departed, q.agrees.is_(False))),
        )
        .select_from(decision_facts.outerjoin(qa_scores, q.review_id == f.review_id))
        .where(*where, f.rule_id.is_not(None))
        .group_by(f.rule_id, f.action)
    ).all()
    appealed = _people_appeals(db, [*where, departed], f.rule_id)
    tally: dict[str, list[int]] = {}
    recommended_of: dict[str, str | None] = {}
    actions: dict[str, dict[str, int]] = {}
    for rule, action, recommended, *counts in rows:
        sums = tally.setdefault(rule, [0] * 5)
        for i, n in enumerate(counts):
            sums[i] += int(n)
        recommended_of.setdefault(rule, recommended)
        actions.setdefault(rule, {})[action] = int(counts[0])
    found = []
    for rule, (decided, dev, returned, audited, disagreed) in tally.items():
        # An overturned decision has nothing left to appeal: one overturn per review.
        people_appealed, _, overturned = appealed.get(rule, (0, 0, 0))
        found.append(
            RuleDeviation(
                rule_id=rule,
                recommended_action=recommended_of[rule],
                decided=decided,
                deviated=dev,
                deviation_rate=dev / decided if decided else None,
                deviations_returned_in_second_review=returned,
                deviations_audited=audited,
                deviations_qa_disagreed=disagreed,
                deviations_appealed=people_appealed,
                deviations_overturned=overturned,
                actions_taken=actions[rule],
            )
        )
    return sorted(found, key=lambda r: (-(r.deviation_rate or 0), -r.decided, r.rule_id))


def _reviewers(db: Connection, where: list[sa.ColumnElement[bool]]) -> list[ReviewerMetrics]:
    f = decision_facts.c
    tallies = _tallies(db, where, by=f.decided_by)
    times: dict[str, list[float]] = {}
    for person, seconds in db.execute(
        sa.select(f.decided_by, f.decision_seconds).where(*where).order_by(f.decision_seconds)
    ).all():
        times.setdefault(person, []).append(float(seconds))
    return [
        ReviewerMetrics(
            reviewer=person,
            decided=t.closed,
            sla_met=Rate.of_counts(t.sla_met, t.closed),
            time_to_decision_s=nearest_rank(times.get(person, [])),
            deviation_rate=Rate.of_counts(t.deviated, t.closed),
            second_review_return_rate=Rate.of_counts(t.returned, t.second_reviewed),
            qa_agreement=Rate.of_counts(t.agreed, t.audited),
        )
        for person, t in sorted(tallies.items())
    ]


def team_metrics(
    engine: Engine, query: MetricsFilter, now: datetime, by_reviewer: bool = False
) -> MetricsSummary:
    """The period's numbers for ``query``, and its open queue as it stands at ``now``."""
    where = _closed(query)
    with engine.connect() as db:
        t = _tallies(db, where).get("", _Tally())
        by_age, at_risk, breached = _open_queue(db, query, now)
        return MetricsSummary(
            period_start=query.start,
            period_end=query.end,
            market=query.market,
            category=query.category,
            reviewer=query.reviewer,
            closed_reviews=t.closed,
            sla_attainment={
                tier: Rate.of_counts(t.by_tier.get(tier, (0, 0))[1], t.by_tier.get(tier, (0, 0))[0])
                for tier in SlaTier
            },
            time_to_decision_s=percentiles(db, where),
            open_by_age=by_age,
            at_risk_now=at_risk,
            breached_now=breached,
            deviation_rate=Rate.of_counts(t.deviated, t.closed),
            deviation_by_rule=deviation_by_rule(db, where),
            second_review_return_rate=Rate.of_counts(t.returned, t.second_reviewed),
            qa_agreement=Rate.of_counts(t.agreed, t.audited),
            qa_error_types=_error_types(db, where),
            appeal_rate=Rate.of_counts(t.appealed, t.restrictions),
            appeal_overturn_rate=Rate.of_counts(t.appeals_overturned, t.appeals_decided),
            by_reviewer=_reviewers(db, where) if by_reviewer else None,
        )


CsvRow = tuple[str, str, int | None, int | None, float | None]
CSV_HEADER = ("metric", "dimension", "count", "of", "value")


def summary_rows(summary: MetricsSummary) -> list[CsvRow]:
    """The summary as long-format rows (metric, dimension, count, of, value) for a CSV export:
    a rate is count of ``of`` with its value; a time is its value in seconds."""
    rows: list[CsvRow] = [("closed_reviews", "", summary.closed_reviews, None, None)]

    def rate(metric: str, dimension: str, r: Rate) -> None:
        rows.append((metric, dimension, r.count, r.of, r.rate))

    for tier, attained in summary.sla_attainment.items():
        rate("sla_attainment", f"tier={tier}", attained)
    times = summary.time_to_decision_s
    rows.append(("time_to_decision_s_p50", "", times.count, None, times.p50))
    rows.append(("time_to_decision_s_p90", "", times.count, None, times.p90))
    for tier, ages in summary.open_by_age.items():
        for bucket, n in ages.items():
            rows.append(("open_reviews", f"tier={tier};age={bucket}", n, None, None))
    rows.append(("at_risk_now", "", summary.at_risk_now, None, None))
    rows.append(("breached_now", "", summary.breached_now, None, None))
    rate("deviation_rate", "", summary.deviation_rate)
    rate("second_review_return_rate", "", summary.second_review_return_rate)
    rate("qa_agreement", "", summary.qa_agreement)
    for error, n in summary.qa_error_types.items():
        rows.append(("qa_errors", f"error_type={error}", n, None, None))
    rate("appeal_rate", "", summary.appeal_rate)
    rate("appeal_overturn_rate", "", summary.appeal_overturn_rate)
    for rule in summary.deviation_by_rule:
        rows.append(
            (
                "rule_deviation_rate",
                f"rule={rule.rule_id}",
                rule.deviated,
                rule.decided,
                rule.deviation_rate,
            )
        )
    for person in summary.by_reviewer or []:
        who = f"reviewer={person.reviewer}"
        rate("reviewer_sla_met", who, person.sla_met)
        rate("reviewer_deviation_rate", who, person.deviation_rate)
        rate("reviewer_qa_agreement", who, person.qa_agreement)
        rows.append(
            (
                "reviewer_time_to_decision_s_p50",
                who,
                person.decided,
                None,
                person.time_to_decision_s.p50,
            )
        )
    return rows


LATENCY_BUCKETS_S = [3600.0, 4 * 3600.0, 8 * 3600.0, 24 * 3600.0, 48 * 3600.0, 72 * 3600.0]
"""Upper bounds of the decision latency histogram's buckets (1 h to 72 h; +Inf implied)."""


class LatencyHistogram(StrictModel):
    """Closed reviews' time to decision in one tier: cumulative counts per upper bound."""

    buckets: list[tuple[float, int]]
    count: int
    sum_seconds: float


class OperationalNumbers(StrictModel):
    """What operators' monitoring scrapes (``GET /metrics``): the queue now, and totals."""

    open_reviews: dict[SlaTier, dict[str, int]] = Field(
        description="Open reviews per tier by SLA state (on_track, at_risk, breached)."
    )
    closed_reviews: dict[SlaTier, int]
    sla_breaches: dict[SlaTier, int] = Field(description="Closed reviews that breached.")
    decision_latency: dict[SlaTier, LatencyHistogram]
    open_appeals: int
    qa_queue: int = Field(description="Sampled decisions nobody has scored yet.")


def operational_numbers(engine: Engine) -> OperationalNumbers:
    """The queue as it stands and the archive's totals, in a handful of grouped queries."""
    s, f = review_summaries.c, decision_facts.c
    with engine.connect() as db:
        open_reviews = {tier: {"on_track": 0, "at_risk": 0, "breached": 0} for tier in SlaTier}
        for tier, state, n in db.execute(
            sa.select(s.tier, s.sla_state, sa.func.count())
            .where(s.status != str(ReviewStatus.CLOSED))
            .group_by(s.tier, s.sla_state)
        ).all():
            key = state if state in ("at_risk", "breached") else "on_track"
            open_reviews[SlaTier(tier)][key] += int(n)
        bucket_sums = [
            sa.func.coalesce(sa.func.sum(sa.case((f.decision_seconds <= bound, 1), else_=0)), 0)
            for bound in LATENCY_BUCKETS_S
        ]
        closed: dict[SlaTier, int] = dict.fromkeys(SlaTier, 0)
        breaches: dict[SlaTier, int] = dict.fromkeys(SlaTier, 0)
        latency = {
            tier: LatencyHistogram(
                buckets=[(b, 0) for b in LATENCY_BUCKETS_S], count=0, sum_seconds=0
            )
            for tier in SlaTier
        }
        for tier, n, breached, total, *within in db.execute(
            sa.select(
                f.tier,
                sa.func.count(),
                sa.func.coalesce(sa.func.sum(sa.cast(f.sla_breached, sa.Integer)), 0),
                sa.func.coalesce(sa.func.sum(f.decision_seconds), 0.0),
                *bucket_sums,
            ).group_by(f.tier)
        ).all():
            closed[SlaTier(tier)] = int(n)
            breaches[SlaTier(tier)] = int(breached)
            latency[SlaTier(tier)] = LatencyHistogram(
                buckets=[(b, int(c)) for b, c in zip(LATENCY_BUCKETS_S, within, strict=True)],
                count=int(n),
                sum_seconds=float(total),
            )
        open_appeals = int(
            db.execute(
                sa.select(sa.func.count()).select_from(appeals).where(appeals.c.status != "closed")
            ).scalar_one()
        )
        qa_queue = int(
            db.execute(
                sa.select(sa.func.count())
                .select_from(qa_samples)
                .where(
                    qa_samples.c.sampled.is_(True),
                    ~sa.exists().where(qa_scores.c.review_id == qa_samples.c.review_id),
                )
            ).scalar_one()
        )
    return OperationalNumbers(
        open_reviews=open_reviews,
        closed_reviews=closed,
        sla_breaches=breaches,
        decision_latency=latency,
        open_appeals=open_appeals,
        qa_queue=qa_queue,
    )


class SimilarDecisions(StrictModel):
    """How closed reviews under one matrix rule were decided: what a specialist weighs to keep
    decisions consistent."""

    rule_id: str
    closed: int
    actions: list[tuple[EnforcementAction, int]] = Field(description="Most taken first.")
    departed: int = Field(description="How many departed from the rule's recommendation.")


def similar_decisions(engine: Engine, rule_id: str, excluding: str) -> SimilarDecisions:
    """The distribution of actions taken in closed reviews under ``rule_id`` (all of the
    archive's, without the review ``excluding``)."""
    f = decision_facts.c
    where = [f.rule_id == rule_id, f.review_id != excluding]
    with engine.connect() as db:
        rows = db.execute(
            sa.select(f.action, sa.func.count()).where(*where).group_by(f.action)
        ).all()
        departed = int(
            db.execute(
                sa.select(sa.func.count())
                .select_from(decision_facts)
                .where(*where, f.deviated.is_(True))
            ).scalar_one()
        )
    actions = sorted(
        ((EnforcementAction(action), int(n)) for action, n in rows),
        key=lambda pair: (-pair[1], list(EnforcementAction).index(pair[0])),
    )
    return SimilarDecisions(
        rule_id=rule_id, closed=sum(n for _, n in actions), actions=actions, departed=departed
    )


class ClosedReview(StrictModel):
    """A closed review in a list to pick from (a calibration round's cases)."""

    review_id: str
    market: str
    category: IncidentCategory
    action: EnforcementAction
    closed_at: datetime


def recent_closed(engine: Engine, limit: int = 50) -> list[ClosedReview]:
    """The most recently closed reviews, newest first."""
    f = decision_facts.c
    with engine.connect() as db:
        rows = db.execute(
            sa.select(f.review_id, f.market, f.category, f.action, f.closed_at)
            .order_by(f.closed_at.desc(), f.review_id)
            .limit(limit)
        ).all()
    return [
        ClosedReview(
            review_id=r.review_id,
            market=r.market,
            category=IncidentCategory(r.category),
            action=EnforcementAction(r.action),
            closed_at=_utc(r.closed_at),
        )
        for r in rows
    ]
