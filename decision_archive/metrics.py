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
"""Open reviews' age buckets, each up to (not including) its bound."""

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
        description="Open reviews now, per tier, by age: " + ", ".join(b for b, _ in AGE_BUCKETS)
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


def _closed(query: MetricsFilter) -> list[sa.ColumnElement[bool]]:
    f = decision_facts.c
    where = [f.closed_at >= _utc(query.start), f.closed_at < _utc(query.end)]
    if query.market:
        where.append(f.market == query.market)
    if query.category:
        where.append(f.category == str(query.category))
    if query.reviewer:
        where.append(f.decided_by == query.reviewer)
    return where


def _count(
    db: Connection, where: list[sa.ColumnElement[bool]], *extra: sa.ColumnElement[bool]
) -> int:
    stmt = sa.select(sa.func.count()).select_from(decision_facts).where(*where, *extra)
    return int(db.execute(stmt).scalar_one())


def percentiles(db: Connection, where: list[sa.ColumnElement[bool]]) -> Percentiles:
    """p50 and p90 of the time to decision of the reviews ``where`` selects."""
    n = _count(db, where)
    seconds = decision_facts.c.decision_seconds

    def rank(p: float) -> float | None:
        if n == 0:
            return None
        offset = max(math.ceil(p * n), 1) - 1
        stmt = sa.select(seconds).where(*where).order_by(seconds.asc()).limit(1).offset(offset)
        return float(db.execute(stmt).scalar_one())

    return Percentiles(count=n, p50=rank(0.5), p90=rank(0.9))


def _open_queue(
    db: Connection, query: MetricsFilter, now: datetime
) -> tuple[dict[SlaTier, dict[str, int]], int, int]:
    s = review_summaries.c
    where: list[sa.ColumnElement[bool]] = [s.status != str(ReviewStatus.CLOSED)]
    if query.market:
        where.append(s.market == query.market)
    if query.category:
        where.append(s.category == str(query.category))
    if query.reviewer:
        where.append(s.assignee_id == query.reviewer)
    now = _utc(now)
    age_cases: list[tuple[sa.ColumnElement[bool], str]] = [
        (sa.or_(s.started_at.is_(None), s.started_at > now - bound), name)
        for name, bound in AGE_BUCKETS
        if bound is not None
    ]
    bucket = sa.case(*age_cases, else_=AGE_BUCKETS[-1][0]).label("bucket")
    rows = db.execute(
        sa.select(s.tier, bucket, sa.func.count()).where(*where).group_by(s.tier, bucket)
    ).all()
    by_age = {tier: {name: 0 for name, _ in AGE_BUCKETS} for tier in SlaTier}
    for tier, name, count in rows:
        by_age[SlaTier(tier)][name] = int(count)
    states: dict[str, int] = {
        str(state): int(count)
        for state, count in db.execute(
            sa.select(s.sla_state, sa.func.count())
            .where(*where, s.sla_state.in_(["at_risk", "breached"]))
            .group_by(s.sla_state)
        ).all()
    }
    return by_age, int(states.get("at_risk", 0)), int(states.get("breached", 0))


def _qa(db: Connection, where: list[sa.ColumnElement[bool]]) -> tuple[Rate, dict[QaErrorType, int]]:
    f, q = decision_facts.c, qa_scores.c
    joined = decision_facts.join(qa_scores, q.review_id == f.review_id)
    audited, agreed = db.execute(
        sa.select(sa.func.count(), sa.func.coalesce(sa.func.sum(sa.cast(q.agrees, sa.Integer)), 0))
        .select_from(joined)
        .where(*where)
    ).one()
    errors: dict[str, int] = {
        str(error): int(count)
        for error, count in db.execute(
            sa.select(q.error_type, sa.func.count())
            .select_from(joined)
            .where(*where, q.error_type.is_not(None))
            .group_by(q.error_type)
        ).all()
    }
    return Rate.of_counts(int(agreed), int(audited)), {
        e: int(errors.get(str(e), 0)) for e in QaErrorType
    }


def _appeals(db: Connection, where: list[sa.ColumnElement[bool]]) -> tuple[Rate, Rate]:
    f, a = decision_facts.c, appeals.c
    restricted = [*where, f.action.in_(RESTRICTIONS)]
    appealed_ids = sa.select(a.review_id).where(a.origin == "person").distinct().scalar_subquery()
    restrictions = _count(db, restricted)
    appealed = _count(db, restricted, f.review_id.in_(appealed_ids))
    joined = decision_facts.join(appeals, a.review_id == f.review_id)
    decided, overturned = db.execute(
        sa.select(
            sa.func.count(),
            sa.func.coalesce(sa.func.sum(sa.case((a.outcome == "overturn", 1), else_=0)), 0),
        )
        .select_from(joined)
        .where(*restricted, a.outcome.is_not(None), a.origin == "person")
    ).one()
    return Rate.of_counts(appealed, restrictions), Rate.of_counts(int(overturned), int(decided))


def deviation_by_rule(db: Connection, where: list[sa.ColumnElement[bool]]) -> list[RuleDeviation]:
    """For each matrix rule: how often its recommendation was not followed, and how those
    deviations fared in second review, QA and appeal."""
    f, q, a = decision_facts.c, qa_scores.c, appeals.c
    deviated = sa.cast(f.deviated, sa.Integer)
    audited = sa.select(q.review_id).scalar_subquery()
    disagreed = sa.select(q.review_id).where(q.agrees.is_(False)).scalar_subquery()
    by_person = a.origin == "person"
    appealed = sa.select(a.review_id).where(by_person).scalar_subquery()
    overturned = sa.select(a.review_id).where(by_person, a.outcome == "overturn").scalar_subquery()

    def among_deviations(condition: sa.ColumnElement[bool]) -> sa.ColumnElement[int]:
        return sa.func.coalesce(
            sa.func.sum(sa.case((sa.and_(f.deviated.is_(True), condition), 1), else_=0)), 0
        )

    rows = db.execute(
        sa.select(
            f.rule_id,
            sa.func.min(f.recommended_action),
            sa.func.count(),
            sa.func.coalesce(sa.func.sum(deviated), 0),
            among_deviations(f.second_review_returned.is_(True)),
            among_deviations(f.review_id.in_(audited)),
            among_deviations(f.review_id.in_(disagreed)),
            among_deviations(f.review_id.in_(appealed)),
            among_deviations(f.review_id.in_(overturned)),
        )
        .where(*where, f.rule_id.is_not(None))
        .group_by(f.rule_id)
    ).all()
    actions: dict[str, dict[str, int]] = {}
    for rule, action, count in db.execute(
        sa.select(f.rule_id, f.action, sa.func.count())
        .where(*where, f.rule_id.is_not(None))
        .group_by(f.rule_id, f.action)
    ).all():
        actions.setdefault(rule, {})[action] = int(count)
    found = [
        RuleDeviation(
            rule_id=rule,
            recommended_action=recommended,
            decided=int(decided),
            deviated=int(dev),
            deviation_rate=int(dev) / int(decided) if decided else None,
            deviations_returned_in_second_review=int(returned),
            deviations_audited=int(aud),
            deviations_qa_disagreed=int(dis),
            deviations_appealed=int(app),
            deviations_overturned=int(over),
            actions_taken=actions.get(rule, {}),
        )
        for rule, recommended, decided, dev, returned, aud, dis, app, over in rows
    ]
    return sorted(found, key=lambda r: (-(r.deviation_rate or 0), -r.decided, r.rule_id))


def _rates(db: Connection, where: list[sa.ColumnElement[bool]]) -> dict[str, Rate]:
    f = decision_facts.c
    closed = _count(db, where)
    second = _count(db, where, f.second_reviewed.is_(True))
    return {
        "deviation": Rate.of_counts(_count(db, where, f.deviated.is_(True)), closed),
        "returned": Rate.of_counts(_count(db, where, f.second_review_returned.is_(True)), second),
    }


def _reviewers(db: Connection, query: MetricsFilter) -> list[ReviewerMetrics]:
    where = _closed(query)
    f = decision_facts.c
    people = db.execute(sa.select(f.decided_by).where(*where).distinct()).scalars().all()
    found = []
    for person in sorted(people):
        own = [*where, f.decided_by == person]
        rates = _rates(db, own)
        decided = _count(db, own)
        found.append(
            ReviewerMetrics(
                reviewer=person,
                decided=decided,
                sla_met=Rate.of_counts(_count(db, own, f.sla_met.is_(True)), decided),
                time_to_decision_s=percentiles(db, own),
                deviation_rate=rates["deviation"],
                second_review_return_rate=rates["returned"],
                qa_agreement=_qa(db, own)[0],
            )
        )
    return found


def team_metrics(
    engine: Engine, query: MetricsFilter, now: datetime, by_reviewer: bool = False
) -> MetricsSummary:
    """The period's numbers for ``query``, and its open queue as it stands at ``now``."""
    f = decision_facts.c
    where = _closed(query)
    with engine.connect() as db:
        attainment = {}
        for tier in SlaTier:
            in_tier = [*where, f.tier == str(tier)]
            attainment[tier] = Rate.of_counts(
                _count(db, in_tier, f.sla_met.is_(True)), _count(db, in_tier)
            )
        by_age, at_risk, breached = _open_queue(db, query, now)
        rates = _rates(db, where)
        qa_rate, errors = _qa(db, where)
        appeal_rate, overturn_rate = _appeals(db, where)
        return MetricsSummary(
            period_start=query.start,
            period_end=query.end,
            market=query.market,
            category=query.category,
            reviewer=query.reviewer,
            closed_reviews=_count(db, where),
            sla_attainment=attainment,
            time_to_decision_s=percentiles(db, where),
            open_by_age=by_age,
            at_risk_now=at_risk,
            breached_now=breached,
            deviation_rate=rates["deviation"],
            deviation_by_rule=deviation_by_rule(db, where),
            second_review_return_rate=rates["returned"],
            qa_agreement=qa_rate,
            qa_error_types=errors,
            appeal_rate=appeal_rate,
            appeal_overturn_rate=overturn_rate,
            by_reviewer=_reviewers(db, query) if by_reviewer else None,
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
