"""Benchmark the review pipeline against a bare workflow of the same shape, in one run.

``python -m scripts.benchmark_pipeline --reviews 200 --concurrency 20``

Starts one dev server (SQLite persistence in a temporary folder), the demo platform in a process
of its own (as ``make run`` does), a review worker and the web app (in-process ASGI), then:

1. **bare**: N workflows of the review's shape with no-op activities (1 activity, then 5 in
   parallel, wait for two updates, then 4 in a row), the two updates sent as soon as the
   workflow waits for them: what the engine does on this machine.
2. **pipeline**: N reviews through the API, as people work them: ``POST /api/v1/reviews``, the
   queue (the read model) shows it awaiting a decision, ``GET`` it once, claim, decide
   (following the matrix), and the queue shows it closed.
3. **read model lag**: for every review of step 2, from its last change (workflow time) to its
   row being written.
4. **decision to closed**: M reviews one at a time; from the decision's answer until the read
   model says closed.

Both rates run ``--concurrency`` at a time. Prints reviews per second, the ratio, and p50/p95
of decision to closed; nothing is asserted (performance claims live here, not in tests).

Printed on 2026-12-02, 2 cores, ``--reviews 200 --concurrency 20 --one-at-a-time 10``, once
message templates compiled once per language and market instead of at every message (before:
6.63 reviews/s, 0.45 of bare):

    200 each, 20 at a time, 2 updates per review
      bare workflow (no-op activities)               200 in   12.7 s   15.71 /s
      pipeline through the API                       200 in   23.3 s    8.58 /s
      pipeline / bare                              0.55
      decision to closed, one at a time (10)       p50    132 ms  p95    175 ms

A later run, once the lag was printed too (the ratio varies between runs on this machine):

      pipeline / bare                              0.50
      read model lag behind each review's last change (200)  p50    102 ms  p95    223 ms
      decision to closed, one at a time (10)       p50    131 ms  p95    152 ms

Where the rest went then (py-spy, GIL samples of the pipeline): the SDK's sandbox runs code
for each payload it encodes or decodes (about a tenth), each new review's sandbox imports its
workflow module (under a tenth), the web app's middleware and the evidence and message HTTP
calls.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import time
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

import httpx
from temporalio.client import Client
from temporalio.worker import Worker

from decision_archive.read_model import ReviewReadModel
from decision_archive.store import DecisionArchive
from scripts.bare_review import BareReview, step
from scripts.bench_stack import (
    KEYS,
    review_worker,
    start_demo_platform,
    start_dev_server,
    web_services,
)
from scripts.record_histories import free_port
from webapp.app import create_app as create_web_app

INTAKE = {"Authorization": "Bearer demo-intake-token"}
ANA = {"Authorization": "Bearer demo-ana-token"}


async def bare_one(client: Client, task_queue: str) -> None:
    handle = await client.start_workflow(
        BareReview.run, id=f"bare-{uuid.uuid4().hex}", task_queue=task_queue
    )
    while not await handle.query(BareReview.waiting):  # noqa: ASYNC110 - polled like people do
        await asyncio.sleep(0.05)
    for name in ("claim", "decide"):
        await handle.execute_update(BareReview.act, name)
    await handle.result()


async def until(read_model: ReviewReadModel, review_id: str, status: str) -> None:
    """Wait until the read model (what the queues show) has the review at ``status``."""
    while True:
        summary = await asyncio.to_thread(read_model.summary, review_id)
        if summary is not None and summary.status == status:
            return
        await asyncio.sleep(0.02)


def review_body(n: int) -> dict[str, Any]:
    return {
        "incident_id": f"INC-PIPE-{uuid.uuid4().hex[:12]}",
        "account": {
            "id": f"drv_pipe_{n}",
            "role": "driver",
            "locale": "es-MX",
            "market": "mexico-city",
        },
        "category": "dangerous_driving",
        "severity": "low",
        "summary": "Benchmark review.",
        "reported_at": "2026-11-23T10:00:00-06:00",
        "source": "benchmark",
    }


async def pipeline_one(api: httpx.AsyncClient, read_model: ReviewReadModel, n: int) -> float:
    """One review through the API as a specialist works it: intake, the queue shows it, she
    opens it, claims and decides; seconds from the decision's answer until the queue shows it
    closed."""
    started = await api.post("/api/v1/reviews", json=review_body(n), headers=INTAKE)
    review_id = started.json()["review_id"]
    await until(read_model, review_id, "awaiting_decision")
    state = (await api.get(f"/api/v1/reviews/{review_id}", headers=ANA)).json()
    claim = await api.post(f"/api/v1/reviews/{review_id}/claim", headers=ANA)
    assert claim.status_code == 200, claim.text
    rec = state["recommendation"]
    decided = await api.post(
        f"/api/v1/reviews/{review_id}/decision",
        json={
            "action": rec["action"],
            "suspension_days": rec["suspension_days"],
            "rationale": "Telematics confirms it.",
            "policy_refs": rec["guideline_refs"],
        },
        headers=ANA,
    )
    assert decided.status_code == 200, decided.text
    answered = time.perf_counter()
    await until(read_model, review_id, "closed")
    return time.perf_counter() - answered


def percentile(sorted_values: list[float], share: float) -> float:
    """The value ``share`` of the sorted values are at or below (nearest rank)."""
    return sorted_values[max(0, round(share * len(sorted_values)) - 1)]


async def rate(label: str, n: int, concurrency: int, one: Callable[[int], Awaitable[Any]]) -> float:
    """Run ``one`` n times, ``concurrency`` at a time; print and return the rate per second."""
    gate = asyncio.Semaphore(concurrency)

    async def gated(i: int) -> None:
        async with gate:
            await one(i)

    began = time.perf_counter()
    await asyncio.gather(*(gated(i) for i in range(n)))
    per_second = n / (time.perf_counter() - began)
    print(f"  {label:<44} {n:>5} in {n / per_second:6.1f} s   {per_second:5.2f} /s")
    return per_second


async def main(reviews: int, concurrency: int, one_at_a_time: int) -> None:
    """Start everything once, then measure bare, pipeline and decision to closed."""
    port = free_port()
    platform = await start_demo_platform(port)
    with tempfile.TemporaryDirectory() as tmp:
        env = await start_dev_server(tmp)
        archive = DecisionArchive(f"sqlite:///{tmp}/decision_archive.db", KEYS)
        try:
            async with httpx.AsyncClient() as http:
                reviews_worker = review_worker(env.client, archive, port, http, "pipeline")
                bare_worker = Worker(
                    env.client, task_queue="bare", workflows=[BareReview], activities=[step]
                )
                services = web_services(env.client, archive, "pipeline")
                read_model = services.reviews.read_model
                assert read_model is not None
                transport = httpx.ASGITransport(app=create_web_app(services))
                async with (
                    reviews_worker,
                    bare_worker,
                    httpx.AsyncClient(transport=transport, base_url="http://bench") as api,
                ):
                    print(f"{reviews} each, {concurrency} at a time, 2 updates per review")
                    bare = await rate(
                        "bare workflow (no-op activities)",
                        reviews,
                        concurrency,
                        lambda _: bare_one(env.client, "bare"),
                    )
                    full = await rate(
                        "pipeline through the API",
                        reviews,
                        concurrency,
                        lambda n: pipeline_one(api, read_model, n),
                    )
                    print(f"  pipeline / bare                              {full / bare:.2f}")
                    published = sorted(read_model.lags())
                    print(
                        f"  read model lag behind each review's last change ({len(published)})"
                        f"  p50 {statistics.median(published) * 1000:6.0f} ms"
                        f"  p95 {percentile(published, 0.95) * 1000:6.0f} ms"
                    )
                    lags = sorted(
                        [
                            await pipeline_one(api, read_model, 10_000 + i)
                            for i in range(one_at_a_time)
                        ]
                    )
                    p95 = percentile(lags, 0.95)
                    print(
                        f"  decision to closed, one at a time ({one_at_a_time})"
                        f"       p50 {statistics.median(lags) * 1000:6.0f} ms"
                        f"  p95 {p95 * 1000:6.0f} ms"
                    )
        finally:
            await env.shutdown()
            archive.close()
            platform.terminate()
            await platform.wait()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reviews", type=int, default=200)
    parser.add_argument("--concurrency", type=int, default=20)
    parser.add_argument("--one-at-a-time", type=int, default=20)
    args = parser.parse_args()
    asyncio.run(main(args.reviews, args.concurrency, args.one_at_a_time))
