"""Benchmark the decision archive on SQLite: writing records, reading them, prior decisions,
the access log and retention planning.

``python -m scripts.benchmark_archive --records 20000``: writes N encrypted case records (one
realistic record, re-keyed per review; 200 accounts, markets spread over policy/markets.toml)
to a fresh SQLite file in a temporary folder, then times reads, prior-violation lookups, access
log writes and reads, and the purge plan. Prints the numbers; nothing is asserted.

Printed on 2026-12-02, 2 cores, SQLite (WAL), ``--records 20000`` (the access log keeps one
row per person, review, action, channel and minute: the first look of a minute inserts a row,
the next ones count on it):

    wrote 20000 records (3234 bytes of JSON each) in 8.5 s
      2357 records/s, 0.42 ms per record
    write again (kept, not duplicated)                1 rows  median     0.27 ms  worst     1.08 ms
    read one record (decrypt + validate)              1 rows  median     0.10 ms  worst     0.85 ms
    prior violations of one account (100 records)    100 rows  median     0.46 ms  worst     1.78 ms
    access log: a look in a new minute                1 rows  median     0.53 ms  worst    57.37 ms
    access log: another look that minute              1 rows  median     0.47 ms  worst     1.10 ms
    access log of one review                        200 rows  median     1.58 ms  worst     2.82 ms
    purge plan over the whole archive              8312 rows  median   251.30 ms  worst   324.88 ms

Writing one record per closed review is far below anything a review's pace needs; the purge
plan reads every record's plaintext columns, linear in the archive's size (fine for a nightly
job; a very large archive would plan per market with a WHERE on closed_at).
"""

from __future__ import annotations

import argparse
import secrets
import statistics
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

from decision_archive.retention import plan_purge
from decision_archive.store import AccessEntry, DecisionArchive
from policy import PolicySettings, load_policy
from review import lifecycle
from review.case_record import CaseRecord, case_record
from review.markets import load_markets
from review.models import ClaimRequest, DecisionRequest, Person, PersonRole, ReviewRequest
from temporal_runtime.encryption import KeyRing

NOW = datetime(2026, 11, 25, 12, tzinfo=UTC)
ANA = Person(id="ana", role=PersonRole.SPECIALIST)


def template_record() -> CaseRecord:
    """One decided review, built with the same pure steps the workflow takes."""
    policy, _ = load_policy(PolicySettings())
    request = ReviewRequest.model_validate(
        {
            "incident_id": "INC-BENCH-0",
            "account": {
                "id": "drv_0",
                "role": "driver",
                "locale": "es-MX",
                "market": "mexico-city",
            },
            "category": "dangerous_driving",
            "severity": "high",
            "summary": "Rider reports speeding and running red lights on Reforma. " * 8,
            "reported_at": (NOW - timedelta(days=1)).isoformat(),
            "reporter": {"id": "rdr_9", "role": "rider"},
            "source": "safety-hotline",
        }
    )
    state = lifecycle.open_review(request, policy, NOW - timedelta(hours=3))
    lifecycle.evidence_gathered(state, [], policy, NOW - timedelta(hours=3))
    lifecycle.apply_claim(state, ClaimRequest(reviewer=ANA), NOW - timedelta(hours=2))
    rec = state.recommendation
    assert rec is not None
    lifecycle.apply_decision(
        state,
        DecisionRequest(
            reviewer=ANA,
            action=rec.action,
            suspension_days=rec.suspension_days,
            rationale="GPS shows 118 km/h in a 50 zone on two trips this week. " * 4,
            policy_refs=rec.guideline_refs,
        ),
        NOW - timedelta(hours=1),
    )
    lifecycle.state_reasons(state, policy, NOW)
    return case_record(state, NOW)


def timed(what: str, rows: Callable[[], int], repeat: int = 50) -> None:
    """Run ``rows`` ``repeat`` times and print the median and worst time."""
    times, count = [], 0
    for _ in range(repeat):
        began = time.perf_counter()
        count = rows()
        times.append((time.perf_counter() - began) * 1000)
    print(
        f"{what:<44} {count:>6} rows  median {statistics.median(times):8.2f} ms"
        f"  worst {max(times):8.2f} ms"
    )


def main(records: int) -> None:
    """Fill an archive with ``records`` records and time what the app does with it."""
    keys = KeyRing({"bench": secrets.token_bytes(32)}, "bench")
    markets = load_markets()
    market_names = sorted(markets.root)
    template = template_record()
    with tempfile.TemporaryDirectory() as tmp:
        archive = DecisionArchive(f"sqlite:///{Path(tmp) / 'archive.db'}", keys)
        began = time.perf_counter()
        for n in range(records):
            request = template.request.model_copy(
                update={
                    "incident_id": f"INC-BENCH-{n}",
                    "account": template.request.account.model_copy(
                        update={
                            "id": f"drv_{n % 200}",
                            "market": market_names[n % len(market_names)],
                        }
                    ),
                }
            )
            record = template.model_copy(
                update={
                    "review_id": f"review-INC-BENCH-{n}",
                    "request": request,
                    "closed_at": NOW - timedelta(days=n % 2500),
                }
            )
            archive.write(record, NOW)
        elapsed = time.perf_counter() - began
        size = len(template.model_dump_json().encode())
        print(f"wrote {records} records ({size} bytes of JSON each) in {elapsed:.1f} s")
        print(f"  {records / elapsed:.0f} records/s, {elapsed / records * 1000:.2f} ms per record")
        timed(
            "write again (kept, not duplicated)",
            lambda: int(not archive.write(record, NOW).written_now),
        )
        timed(
            "read one record (decrypt + validate)",
            lambda: int(archive.read("review-INC-BENCH-77") is not None),
        )
        timed(
            f"prior violations of one account ({records // 200} records)",
            lambda: len(archive.prior_violations("drv_7", "review-INC-x")),
        )
        entry = AccessEntry(
            at=NOW,
            person_id="luis",
            role="lead",
            action="view_review",
            review_id="review-INC-BENCH-77",
            channel="page",
            client_address="127.0.0.1",
        )

        minutes = iter(range(10_000))

        def append_new_minute() -> int:
            archive.record_access(
                entry.model_copy(update={"at": NOW + timedelta(minutes=next(minutes))})
            )
            return 1

        def append_same_minute() -> int:
            archive.record_access(entry)  # counted on the minute's row
            return 1

        timed("access log: a look in a new minute", append_new_minute, repeat=200)
        timed("access log: another look that minute", append_same_minute, repeat=200)
        timed("access log of one review", lambda: len(archive.access_log("review-INC-BENCH-77")))
        timed(
            "purge plan over the whole archive",
            lambda: len(plan_purge(archive.index(), markets, NOW, dry_run=True).expired),
            repeat=5,
        )
        archive.close()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=20000)
    main(parser.parse_args().records)
