"""Benchmark the queue listing (visibility + ordering by SLA deadline in the app).

``python -m scripts.benchmark_queue --reviews 3000``: starts a dev server with SQLite persistence
in a temporary folder, the demo platform and a worker, starts N reviews, waits until every one
awaits a decision, then times ReviewClient.list() for the whole open queue and for a filtered
one. Prints the numbers; nothing is asserted (performance claims live here, not in tests).

Printed on 2026-11-24, 2 cores, dev server with SQLite visibility, ``--reviews 1000``:

    started 1000 reviews in 24.9 s
    all awaiting a decision after 195.1 s
    whole open queue, sorted by deadline         1000 rows  median   1169.5 ms  worst   1200.7 ms
    critical tier only                            435 rows  median    501.6 ms  worst    529.1 ms
    one market + category                           0 rows  median      3.7 ms  worst      4.0 ms
    one account                                     1 rows  median      4.6 ms  worst      5.0 ms

(The "market + category" probe then used a pair the synthetic data never produces; it now uses
one that exists.) With 3000 reviews the dev server's list queries took 2-3 s while reviews were
still starting. Sorting in the app means reading the whole matching set, so the unfiltered queue
grows linearly; production visibility (Elasticsearch or SQL advanced visibility) can ORDER BY.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

import httpx
import uvicorn
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.testing import WorkflowEnvironment

from activities.platform import PlatformEndpoints
from decision_archive.store import DecisionArchive
from demo_platform.app import PlatformStore, create_app
from policy import PolicySettings, load_policy
from review.models import IncidentCategory, ReviewRequest, ReviewStatus, Severity, SlaTier
from worker import build_worker
from workflows import search_attributes
from workflows.client import ReviewClient, ReviewFilter

PORT = 8198


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
                "market": ["mexico-city", "guadalajara", "monterrey"][n % 3],
            },
            "category": categories[n % len(categories)],
            "severity": severities[(n // len(categories)) % len(severities)],
            "summary": "Benchmark review.",
            "reported_at": datetime(2026, 11, 23, tzinfo=UTC).isoformat(),
            "source": "benchmark",
        }
    )


async def timed(label: str, runs: int, call: object) -> None:
    """Run ``call`` ``runs`` times and print the median and worst."""
    seconds = []
    count = 0
    for _ in range(runs):
        start = time.perf_counter()
        found = await call()  # type: ignore[operator]
        seconds.append(time.perf_counter() - start)
        count = len(found)
    print(
        f"{label:<42} {count:>6} rows  median {statistics.median(seconds) * 1000:8.1f} ms"
        f"  worst {max(seconds) * 1000:8.1f} ms"
    )


async def main(reviews: int) -> None:
    """Start the reviews, then time the listings."""
    server = uvicorn.Server(
        uvicorn.Config(create_app(PlatformStore()), port=PORT, log_level="warning")
    )
    threading.Thread(target=server.run, daemon=True).start()
    while not server.started:  # noqa: ASYNC110 - uvicorn offers no event to await
        await asyncio.sleep(0.05)
    policy, renderer = load_policy(PolicySettings())
    with tempfile.TemporaryDirectory() as tmp:
        env = await WorkflowEnvironment.start_local(
            dev_server_existing_path=str(Path(sys.executable).parent / "temporal"),
            data_converter=pydantic_data_converter,
            search_attributes=search_attributes.ALL_KEYS,
            dev_server_extra_args=["--db-filename", str(Path(tmp) / "temporal.db")],
            ui=False,
        )
        try:
            async with httpx.AsyncClient() as http:
                worker = build_worker(
                    env.client,
                    policy,
                    renderer,
                    PlatformEndpoints.all_at(f"http://127.0.0.1:{PORT}"),
                    http,
                    DecisionArchive(f"sqlite:///{tmp}/decision_archive.db", keys=None),
                    "benchmark",
                    max_concurrent_activities=50,
                )
                async with worker:
                    client = ReviewClient(env.client, "benchmark")
                    began = time.perf_counter()
                    for first in range(0, reviews, 100):
                        batch = range(first, min(first + 100, reviews))
                        await asyncio.gather(*(client.start(request(n)) for n in batch))
                    print(f"started {reviews} reviews in {time.perf_counter() - began:.1f} s")
                    waiting = ReviewFilter(status=[ReviewStatus.AWAITING_DECISION])
                    while len(await client.visible(waiting)) < reviews:  # noqa: ASYNC110
                        await asyncio.sleep(2)
                    print(f"all awaiting a decision after {time.perf_counter() - began:.1f} s")

                    await timed(
                        "whole open queue, sorted by deadline",
                        5,
                        lambda: client.visible(ReviewFilter()),
                    )
                    await timed(
                        "critical tier only",
                        5,
                        lambda: client.visible(ReviewFilter(tier=SlaTier.CRITICAL)),
                    )
                    await timed(
                        "one market + category",
                        5,
                        lambda: client.visible(
                            ReviewFilter(
                                market="monterrey", category=IncidentCategory.THREATS_HARASSMENT
                            )
                        ),
                    )
                    await timed(
                        "one account", 5, lambda: client.visible(ReviewFilter(account_id="drv_7"))
                    )
        finally:
            await env.shutdown()
            server.should_exit = True


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reviews", type=int, default=3000)
    asyncio.run(main(parser.parse_args().reviews))
