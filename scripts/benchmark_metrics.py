"""Benchmark the team's numbers at scale: the metrics summary, the dashboard's filters, the
Prometheus numbers, the transparency report, similar past decisions and QA's draw.

``python -m scripts.benchmark_metrics --closed 100000 --database sqlite`` loads N closed
reviews' decision facts (12 categories, 3 tiers, 5 markets, 20 deciders, one in ten departing
from the matrix, 2% audited, 3% appealed) and 2,000 open reviews into a fresh archive (a SQLite
file, or a throwaway PostgreSQL cluster), then times each query a few times. Prints the
numbers; nothing is asserted (the metric tests check the values).

Printed on 2026-12-08, 2 cores, ``--closed 100000`` (two SQLite runs, then PostgreSQL):

    loaded 100000 closed reviews and 2000 open ones into sqlite in 9.6 s
      summary, last 30 days                              median  222.4 ms  worst  314.6 ms
      summary, 6 months (every review)                   median 1289.8 ms  worst 1463.6 ms
      summary, 30 days, one market and category          median    8.9 ms  worst   21.0 ms
      summary, 30 days, by reviewer (20 deciders)        median  378.1 ms  worst  479.8 ms
      Prometheus numbers (GET /metrics)                  median  152.3 ms  worst  172.0 ms
      transparency report, one market's month            median  108.4 ms  worst  110.9 ms
      similar past decisions of one rule                 median   59.5 ms  worst   63.5 ms
      QA draw of every closed review (55543)             once   3601.3 ms
      QA draw when nothing is new                        median   74.9 ms  worst   79.8 ms
      QA sampling report                                 median   73.8 ms  worst   91.5 ms
    (second SQLite run: 247 ms, 1246 ms, 17 ms, 421 ms, 171 ms, 147 ms, 58 ms, 4426 ms once,
    98 ms, 93 ms)
    loaded 100000 closed reviews and 2000 open ones into postgresql in 10.1 s
      summary, last 30 days                              median  208.1 ms  worst  245.3 ms
      summary, 6 months (every review)                   median  815.5 ms  worst  871.6 ms
      summary, 30 days, one market and category          median   48.9 ms  worst   53.3 ms
      summary, 30 days, by reviewer (20 deciders)        median  398.9 ms  worst  537.7 ms
      Prometheus numbers (GET /metrics)                  median  118.8 ms  worst  138.0 ms
      transparency report, one market's month            median   87.3 ms  worst   96.2 ms
      similar past decisions of one rule                 median   22.4 ms  worst   29.8 ms
      QA draw of every closed review (55543)             once   5476.2 ms
      QA draw when nothing is new                        median  110.2 ms  worst  114.5 ms
      QA sampling report                                 median  132.4 ms  worst  138.1 ms

A first version ran each rate as its own query and joined the appeals as a grouped subquery:
420 ms for a month and 4.4 s by reviewer on SQLite. Counting every rate in one grouped pass,
driving the appeal counts from the (far fewer) appeals, grouping rules by rule and action in
SQL, and drawing only the reviews in QA's lookback brought it here. The six months' summary
reads every review; it grows with the archive, a month's with the month.
"""

from __future__ import annotations

import argparse
import secrets
import statistics
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta

from decision_archive.metrics import (
    MetricsFilter,
    operational_numbers,
    similar_decisions,
    team_metrics,
)
from decision_archive.quality import QaBook
from decision_archive.read_model import TIER_RANK
from decision_archive.store import (
    DecisionArchive,
    appeals,
    decision_facts,
    qa_scores,
    review_summaries,
)
from decision_archive.transparency import transparency_report
from review.models import EnforcementAction, IncidentCategory, SlaTier
from review.qa_sampling import load_qa_sampling
from scripts.benchmark_queue import database
from temporal_runtime.encryption import KeyRing

NOW = datetime(2026, 12, 1, tzinfo=UTC)
MARKETS = ["mexico-city", "guadalajara", "seattle", "chicago", "bogota"]
ACTIONS = list(EnforcementAction)
CATEGORIES = list(IncidentCategory)
TIERS = list(SlaTier)


def load(archive: DecisionArchive, closed: int, open_reviews: int) -> None:
    """Write the facts, audits, appeals and open reviews in bulk."""
    facts, scores, appealed, summaries = [], [], [], []
    for n in range(closed):
        closed_at = NOW - timedelta(minutes=(n * 7) % (180 * 24 * 60))
        received = closed_at - timedelta(hours=2 + n % 70)
        decided = received + timedelta(seconds=600 + (n * 37) % 90_000)
        recommended = ACTIONS[n % 5]
        action = ACTIONS[(n + 1) % 5] if n % 10 == 0 else recommended
        review_id = f"review-INC-M{n:07d}"
        facts.append(
            {
                "review_id": review_id,
                "market": MARKETS[n % 5],
                "category": str(CATEGORIES[n % 12]),
                "severity": "high",
                "account_role": "driver" if n % 3 else "rider",
                "tier": str(TIERS[n % 3]),
                "rule_id": f"{CATEGORIES[n % 12]}.high.priors={n % 3}",
                "matrix_version": "2026.12.3",
                "recommended_action": str(recommended),
                "action": str(action),
                "deviated": action is not recommended,
                "decided_by": f"specialist_{n % 20}",
                "second_reviewer": "luis" if n % 4 == 0 else None,
                "second_reviewed": n % 4 == 0,
                "second_review_returned": n % 40 == 0,
                "escalated": n % 50 == 0,
                "received_at": received,
                "first_decided_at": decided,
                "decided_at": decided,
                "closed_at": closed_at,
                "decision_seconds": (decided - received).total_seconds(),
                "sla_deadline": received + timedelta(hours=24),
                "sla_met": n % 17 != 0,
                "sla_breached": n % 17 == 0,
            }
        )
        if n % 50 == 0:
            scores.append(
                {
                    "review_id": review_id,
                    "auditor_id": "sofia",
                    "scored_at": closed_at,
                    "decided_by": f"specialist_{n % 20}",
                    "action_correct": n % 3 != 0,
                    "guidelines_correct": True,
                    "rationale_adequate": True,
                    "message_appropriate": True,
                    "error_type": "wrong_action" if n % 3 == 0 else None,
                    "agrees": n % 3 != 0,
                    "key_id": "bench",
                    "sealed_comment": b"-",
                }
            )
        if n % 33 == 0:
            appealed.append(
                {
                    "appeal_id": f"appeal-M{n:07d}-1",
                    "review_id": review_id,
                    "account_id": f"drv_{n}",
                    "market": MARKETS[n % 5],
                    "sequence": 1,
                    "version": 1,
                    "status": "closed",
                    "outcome": "overturn" if n % 99 == 0 else "uphold",
                    "new_information": False,
                    "received_at": closed_at,
                    "sla_deadline": closed_at + timedelta(hours=72),
                    "sla_state": "met",
                    "key_id": "bench",
                    "sealed_view": b"-",
                    "origin": "person",
                }
            )
    for n in range(open_reviews):
        tier = TIERS[n % 3]
        summaries.append(
            {
                "review_id": f"review-INC-O{n:06d}",
                "version": 1,
                "status": "awaiting_decision",
                "tier": str(tier),
                "tier_rank": TIER_RANK[tier],
                "sla_deadline": NOW + timedelta(hours=n % 72),
                "category": str(CATEGORIES[n % 12]),
                "severity": "high",
                "market": MARKETS[n % 5],
                "account_id": f"drv_o{n}",
                "escalated": False,
                "updated_at": NOW,
                "sla_state": ("on_track", "at_risk", "breached")[n % 3],
                "started_at": NOW - timedelta(minutes=n * 5),
            }
        )
    with archive.engine.begin() as db:
        for table, rows in (
            (decision_facts, facts),
            (qa_scores, scores),
            (appeals, appealed),
            (review_summaries, summaries),
        ):
            for first in range(0, len(rows), 5000):
                db.execute(table.insert(), rows[first : first + 5000])


def timed(label: str, runs: int, work: Callable[[], object]) -> None:
    """Run ``work`` ``runs`` times and print its median and worst time."""
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        work()
        times.append((time.perf_counter() - started) * 1000)
    print(f"  {label:<52} median {statistics.median(times):8.1f} ms  worst {max(times):8.1f} ms")


def main(closed: int, kind: str, runs: int) -> None:
    """Load, then time every query."""
    with tempfile.TemporaryDirectory() as folder, database(kind, folder) as url:
        archive = DecisionArchive(url, KeyRing({"bench": secrets.token_bytes(32)}, "bench"))
        started = time.perf_counter()
        load(archive, closed, 2000)
        print(
            f"loaded {closed} closed reviews and 2000 open ones into {kind} "
            f"in {time.perf_counter() - started:.1f} s"
        )
        month = MetricsFilter(start=NOW - timedelta(days=30), end=NOW)
        half_year = MetricsFilter(start=NOW - timedelta(days=183), end=NOW)
        engine = archive.engine
        timed("summary, last 30 days", runs, lambda: team_metrics(engine, month, NOW))
        timed(
            "summary, 6 months (every review)", runs, lambda: team_metrics(engine, half_year, NOW)
        )
        timed(
            "summary, 30 days, one market and category",
            runs,
            lambda: team_metrics(
                engine,
                month.model_copy(update={"market": "seattle", "category": IncidentCategory.FRAUD}),
                NOW,
            ),
        )
        timed(
            "summary, 30 days, by reviewer (20 deciders)",
            runs,
            lambda: team_metrics(engine, month, NOW, by_reviewer=True),
        )
        timed("Prometheus numbers (GET /metrics)", runs, lambda: operational_numbers(engine))
        timed(
            "transparency report, one market's month",
            runs,
            lambda: transparency_report(engine, "seattle", date(2026, 11, 1)),
        )
        timed(
            "similar past decisions of one rule",
            runs,
            lambda: similar_decisions(engine, "fraud.high.priors=1", "review-none"),
        )
        book = QaBook.of(archive)
        policy = load_qa_sampling()
        started = time.perf_counter()
        drawn = book.draw_pending(policy, lambda _: None, NOW)
        print(
            f"  QA draw of every closed review ({drawn})"
            f"{'':<20} once   {(time.perf_counter() - started) * 1000:8.1f} ms"
        )
        timed(
            "QA draw when nothing is new",
            runs,
            lambda: book.draw_pending(policy, lambda _: None, NOW),
        )
        timed("QA sampling report", runs, book.report)
        archive.close()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--closed", type=int, default=100_000)
    parser.add_argument("--database", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    main(args.closed, args.database, args.runs)
