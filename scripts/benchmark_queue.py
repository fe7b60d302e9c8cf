"""Benchmark the queue API on the read model, on SQLite and on PostgreSQL.

``python -m scripts.benchmark_queue --reviews 10000 --through workflows --database sqlite``

- ``--through workflows`` starts a dev server (SQLite persistence in a temporary folder), the
  demo platform and a worker, starts N real reviews and waits until the read model holds every
  one awaiting a decision: the queue is read exactly as the workflows published it.
- ``--through direct`` writes N review summaries straight into the read model (bulk inserts),
  for sizes real workflows would take hours to reach on one machine.

While reviews go through workflows it prints the process's resident memory (the worker with
its workflow cache, and the client) at each thousand reviews awaiting a decision. Then it times
``GET /api/v1/reviews`` through the web app (in-process ASGI, a specialist's
token): the first page of the open queue, one tier, one market and category, one account, and
the 100th page reached by cursor; each probe ``--runs`` times, printing p50 and p95. PostgreSQL
is a throwaway cluster from Debian's server (``make test`` installs it). Prints the numbers;
nothing is asserted (performance claims live here, not in tests).

Printed on 2026-12-02, 2 cores (the demo platform then ran in this process, so the memory
lines count it too):

    10000 reviews through workflows, sqlite
      started 10000 reviews in 81.1 s
        1024 awaiting a decision, process RSS    602 MB
        5015 awaiting a decision, process RSS    649 MB
       10000 awaiting a decision, process RSS    669 MB
      all awaiting a decision after 843.9 s
      open queue, first page                 50 rows  p50     3.5 ms  p95     4.8 ms
      critical tier                          50 rows  p50     3.4 ms  p95     3.7 ms
      one market + category                  50 rows  p50     2.5 ms  p95     3.0 ms
      one account                            11 rows  p50     1.2 ms  p95     1.5 ms
      page 100 by cursor                     50 rows  p50     3.6 ms  p95     3.9 ms

    10000 reviews through workflows, postgresql
      started 10000 reviews in 79.2 s
        1017 awaiting a decision, process RSS    619 MB
        5009 awaiting a decision, process RSS    668 MB
       10000 awaiting a decision, process RSS    677 MB
      all awaiting a decision after 878.0 s
      open queue, first page                 50 rows  p50     9.1 ms  p95    12.5 ms
      critical tier                          50 rows  p50     7.9 ms  p95     8.9 ms
      one market + category                  50 rows  p50     3.2 ms  p95     3.8 ms
      one account                            11 rows  p50     1.6 ms  p95     1.8 ms
      page 100 by cursor                     50 rows  p50     6.1 ms  p95     8.0 ms

    100000 reviews through direct, sqlite
      open queue, first page                 50 rows  p50    18.0 ms  p95    23.0 ms
      critical tier                          50 rows  p50    16.1 ms  p95    24.2 ms
      one market + category                  50 rows  p50    12.7 ms  p95    13.1 ms
      one account                            11 rows  p50     1.1 ms  p95     1.4 ms
      page 100 by cursor                     50 rows  p50    20.4 ms  p95    21.4 ms

    100000 reviews through direct, postgresql
      open queue, first page                 50 rows  p50    52.5 ms  p95    54.0 ms
      critical tier                          50 rows  p50    35.2 ms  p95    38.0 ms
      one market + category                  50 rows  p50     7.5 ms  p95    10.1 ms
      one account                            11 rows  p50     1.6 ms  p95     2.2 ms
      page 100 by cursor                     50 rows  p50    52.8 ms  p95    54.9 ms

Before the read model, the queue read Temporal visibility and sorted in the app: the whole
open queue took 1.2 s at 1,000 reviews and grew linearly.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import sqlalchemy as sa
from temporalio.testing import WorkflowEnvironment

from decision_archive.read_model import TIER_RANK, QueueQuery, ReviewReadModel
from decision_archive.store import DecisionArchive, review_summaries
from review.models import (
    IncidentCategory,
    ReviewRequest,
    ReviewStatus,
    Severity,
    SlaTier,
)
from scripts.bench_stack import (
    KEYS,
    platform_at,
    review_worker,
    start_demo_platform,
    start_dev_server,
    web_services,
)
from scripts.record_histories import free_port
from webapp.app import create_app as create_web_app
from webapp.services import WebServices
from workflows.client import ReviewClient

MARKETS = ["mexico-city", "guadalajara", "monterrey"]
ANA = {"Authorization": "Bearer demo-ana-token"}


def request(n: int) -> ReviewRequest:
    """The n-th synthetic review request, spread over categories, severities and markets."""
    categories = list(IncidentCategory)
    severities = list(Severity)
    return ReviewRequest.model_validate(
        {
            "incident_id": f"INC-BENCH-{n:06d}",
            "account": {
                "id": f"drv_{n % 997}",
                "role": "driver",
                "locale": "es-MX",
                "market": MARKETS[n % 3],
            },
            "category": categories[n % len(categories)],
            "severity": severities[(n // len(categories)) % len(severities)],
            "summary": "Benchmark review.",
            "reported_at": datetime(2026, 11, 23, tzinfo=UTC).isoformat(),
            "source": "benchmark",
        }
    )


def rss_mb() -> float:
    """This process's resident memory (the worker, its cache and the client), in MB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def load_directly(engine: sa.Engine, reviews: int) -> None:
    """Write ``reviews`` summaries in bulk, as workflows would have published them."""
    categories = list(IncidentCategory)
    tiers = list(SlaTier)
    now = datetime.now(UTC)
    rows = []
    for n in range(reviews):
        tier = tiers[n % 3]
        rows.append(
            {
                "review_id": f"review-INC-BENCH-{n:06d}",
                "version": 3,
                "status": str(ReviewStatus.AWAITING_DECISION)
                if n % 5
                else str(ReviewStatus.IN_REVIEW),
                "tier": str(tier),
                "tier_rank": TIER_RANK[tier],
                "sla_deadline": now + timedelta(minutes=n % 4000),
                "category": str(categories[n % len(categories)]),
                "severity": str(list(Severity)[n % 4]),
                "market": MARKETS[n % 3],
                "account_id": f"drv_{n % 9973}",
                "assignee_id": None if n % 5 else "ana",
                "escalated": n % 50 == 0,
                "sla_state": "on_track",
                "started_at": now,
                "locale": "es-MX",
                "source": "workflow",
                "updated_at": now,
            }
        )
    with engine.begin() as db:
        for first in range(0, len(rows), 5000):
            db.execute(review_summaries.insert(), rows[first : first + 5000])


async def timed(api: httpx.AsyncClient, label: str, runs: int, params: dict[str, str]) -> None:
    """GET the queue ``runs`` times with ``params``; print rows, p50 and p95."""
    seconds = []
    rows = 0
    for _ in range(runs):
        began = time.perf_counter()
        answer = await api.get("/api/v1/reviews", params=params, headers=ANA)
        seconds.append(time.perf_counter() - began)
        assert answer.status_code == 200, answer.text
        rows = len(answer.json()["reviews"])
    seconds.sort()
    p95 = seconds[max(0, round(0.95 * len(seconds)) - 1)]
    print(
        f"  {label:<36} {rows:>4} rows  p50 {statistics.median(seconds) * 1000:7.1f} ms"
        f"  p95 {p95 * 1000:7.1f} ms"
    )


async def deep_cursor(api: httpx.AsyncClient, pages: int) -> dict[str, str]:
    """The query parameters of the ``pages``-th page of the open queue, reached by cursor."""
    params = {"page_size": "50"}
    for _ in range(pages - 1):
        body = (await api.get("/api/v1/reviews", params=params, headers=ANA)).json()
        if body["next"] is None:
            break
        params = {"page_size": "50", "after": body["next"]}
    return params


async def probe(services: WebServices, runs: int) -> None:
    """Time the queue API's probes."""
    transport = httpx.ASGITransport(app=create_web_app(services))
    async with httpx.AsyncClient(transport=transport, base_url="http://bench") as api:
        await api.get("/api/v1/reviews", headers=ANA)  # warm up
        total = (await api.get("/api/v1/reviews", headers=ANA)).json()["total"]
        print(f"  open reviews in the read model: {total}")
        await timed(api, "open queue, first page", runs, {})
        await timed(api, "critical tier", runs, {"tier": "critical"})
        # A pair the synthetic data holds: review n is in market n % 3 and category n % len.
        fraud = IncidentCategory.FRAUD
        market = MARKETS[list(IncidentCategory).index(fraud) % 3]
        await timed(api, "one market + category", runs, {"market": market, "category": fraud})
        await timed(api, "one account", runs, {"account_id": "drv_7"})
        await timed(api, "page 100 by cursor", runs, await deep_cursor(api, 100))


@contextmanager
def database(kind: str, folder: str) -> Iterator[str]:
    """The archive URL: a SQLite file in ``folder``, or a throwaway PostgreSQL cluster."""
    if kind == "sqlite":
        yield f"sqlite:///{folder}/decision_archive.db"
        return
    from tests.postgres_cluster import postgres_cluster

    with postgres_cluster(free_port()) as url:
        yield url


async def through_workflows(
    env: WorkflowEnvironment, archive: DecisionArchive, reviews: int
) -> None:
    """Start ``reviews`` real reviews and wait until every one is published awaiting a
    decision."""
    port = free_port()
    platform = await start_demo_platform(port)
    read_model = ReviewReadModel.of(archive)
    try:
        async with platform_at(port).client() as http:
            worker = review_worker(
                env.client, archive, port, http, "benchmark", max_concurrent_activities=50
            )
            async with worker:
                client = ReviewClient(env.client, "benchmark")
                began = time.perf_counter()
                for first in range(0, reviews, 100):
                    batch = range(first, min(first + 100, reviews))
                    await asyncio.gather(*(client.start(request(n)) for n in batch))
                print(f"  started {reviews} reviews in {time.perf_counter() - began:.1f} s")
                waiting = ReviewStatus.AWAITING_DECISION
                reported = 0
                while True:
                    counts = read_model.page(QueueQuery(), limit=1).counts
                    ready = sum(counts.get(str(waiting), {}).values())
                    # The worker's memory as open reviews grow: bounded by its workflow cache.
                    if ready >= reported + 1000 or ready >= reviews:
                        reported = ready - ready % 1000 if ready < reviews else ready
                        print(f"  {ready:>6} awaiting a decision, process RSS {rss_mb():6.0f} MB")
                    if ready >= reviews:
                        break
                    await asyncio.sleep(2)
                print(f"  all awaiting a decision after {time.perf_counter() - began:.1f} s")
    finally:
        platform.terminate()
        await platform.wait()


async def main(reviews: int, through: str, kind: str, runs: int) -> None:
    """Fill the read model, then time the queue API."""
    print(f"{reviews} reviews through {through}, {kind}")
    with tempfile.TemporaryDirectory() as tmp, database(kind, tmp) as url:
        archive = DecisionArchive(url, KEYS)
        env = await start_dev_server(tmp)
        try:
            if through == "workflows":
                await through_workflows(env, archive, reviews)
            else:
                began = time.perf_counter()
                load_directly(archive.engine, reviews)
                print(f"  loaded {reviews} summaries in {time.perf_counter() - began:.1f} s")
            await probe(web_services(env.client, archive, "benchmark"), runs)
        finally:
            await env.shutdown()
            archive.close()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reviews", type=int, default=10_000)
    parser.add_argument("--through", choices=["workflows", "direct"], default="workflows")
    parser.add_argument("--database", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--runs", type=int, default=50)
    args = parser.parse_args()
    asyncio.run(main(args.reviews, args.through, args.database, args.runs))
