"""Benchmark the review pipeline against a bare workflow of the same shape, in one run.

``python -m scripts.benchmark_pipeline --reviews 200 --concurrency 20``

Starts ``make run``'s stack as a person runs it (``scripts.run_stack``: the Temporal dev server
with SQLite persistence, the demo platform, the worker and the web app, each in its own process)
in a temporary folder on free ports, and a worker for the bare workflow in a process of its own
with the same payload codec. Then:

1. **bare**: N workflows of the review's shape with no-op activities (1 activity, then 5 in
   parallel, wait for two updates, then 4 in a row), the two updates sent as soon as a query
   says the workflow waits for them: what the engine does on this machine.
2. **pipeline**: N reviews through the web app's API, as people work them: ``POST
   /api/v1/reviews``, the queue (the read model) shows it awaiting a decision, ``GET`` it once,
   claim, decide (following the matrix), and the queue shows it closed. This script reads the
   queue for every waiting review at once, every 50 ms, as a queue page would.
3. **read model lag**: for every review of step 2, from its last change (workflow time) to its
   row being written.
4. **decision to closed**: M reviews one at a time; from the decision's answer until the read
   model says closed.

Both rates run ``--concurrency`` at a time; under each, the CPU time each process used per
workflow, read from Linux's /proc: where the time goes. Nothing is asserted (performance claims
live here, not in tests).

Printed on 2026-12-02, 2 cores, ``--reviews 200 --concurrency 20 --one-at-a-time 5``, once
reviews record one patch marker and one search attribute upsert per change they publish
(``lean-history``), the worker keeps its platform connections open, and the bare workflow's
query says it waits only once its evidence is in (before, it said so from the start, and the
bare workflow took its updates while its evidence was still being gathered):

    200 each, 20 at a time, 2 updates per review
      bare workflow (no-op activities)                 200 in   13.6 s   14.71 /s
        CPU Temporal dev server                        58.8 ms each
        CPU bare worker                                30.4 ms each
        CPU this script (starts, polls, updates)        3.8 ms each
      pipeline through the API                         200 in   22.3 s    8.99 /s
        CPU Temporal dev server                        77.4 ms each
        CPU review worker                              67.7 ms each
        CPU web app                                    13.4 ms each
        CPU demo platform                               3.7 ms each
        CPU this script (API calls, queue reads)        7.7 ms each
      pipeline / bare                              0.61
      read model lag behind each review's last change (200)  p50     64 ms  p95    114 ms
      decision to closed, one at a time (5)       p50    165 ms  p95    167 ms

Two more runs printed 0.69 (8.75 vs 12.70 /s; decision to closed p50 159 ms, p95 211 ms with
10 one at a time) and 0.60 (8.25 vs 13.84 /s; p50 149 ms, p95 159 ms). Once reviews upsert
their search attributes apart from their publications (``read-model-outage``): 0.69 (9.54 vs
13.81 /s; lag p50 57 ms, p95 87 ms; decision to closed p50 161 ms, p95 168 ms).

With 10 and with 40 at a time the rates stay where they are (pipeline 8.1 and 8.5 /s before
the bare workflow's fix): both runs are bound by what this machine does, not by waiting.

Where the rest goes: the review costs the dev server about 20 ms more CPU than the bare
workflow (its upserts for operators, its read model publications and its larger payloads: see
scripts.benchmark_engine), and its own processes about 85 ms against the bare worker's 30,
on the same 2 cores. In the review worker, a GIL profile (py-spy) put a third of its time in
the SDK's workflow sandbox, which compiles and runs a line of code in it for every payload it
encodes or decodes, three times over (counted before ``lean-history``: 48 payloads and 144
such calls a review, against 26 and 78 for the bare workflow), a sixth in the activities'
HTTP calls, and a tenth in the read model's writes.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
from temporalio.client import Client

from decision_archive.read_model import ReviewReadModel
from scripts.bare_review import TASK_QUEUE as BARE_QUEUE
from scripts.bare_review import BareReview
from scripts.bench_stack import RunningStack, cpu_seconds, make_run_stack
from temporal_runtime.connection import data_converter

INTAKE = {"Authorization": "Bearer demo-intake-token"}
ANA = {"Authorization": "Bearer demo-ana-token"}
POLL_SECONDS = 0.05
"""How often both runs look whether a workflow waits for people or has closed."""


async def bare_one(client: Client) -> None:
    handle = await client.start_workflow(
        BareReview.run, id=f"bare-{uuid.uuid4().hex}", task_queue=BARE_QUEUE
    )
    while not await handle.query(BareReview.waiting):  # noqa: ASYNC110 - polled like people do
        await asyncio.sleep(POLL_SECONDS)
    for name in ("claim", "decide"):
        await handle.execute_update(BareReview.act, name)
    await handle.result()


class QueueWatch:
    """What the queues show, read for every waiting review at once every POLL_SECONDS, as a
    queue page does: one read of the read model, however many reviews wait."""

    def __init__(self, read_model: ReviewReadModel) -> None:
        self.read_model = read_model
        self.waiting: dict[str, list[tuple[str, asyncio.Future[None]]]] = {}

    async def until(self, review_id: str, status: str) -> None:
        """Wait until the read model has the review at ``status``."""
        seen = asyncio.get_running_loop().create_future()
        self.waiting.setdefault(review_id, []).append((status, seen))
        await seen

    async def watch(self) -> None:
        """Look every POLL_SECONDS, until cancelled."""
        while True:
            if self.waiting:
                found = await asyncio.to_thread(self.read_model.summaries, list(self.waiting))
                for review_id, summary in found.items():
                    still = []
                    for status, seen in self.waiting[review_id]:
                        if summary.status == status:
                            seen.set_result(None)
                        else:
                            still.append((status, seen))
                    if still:
                        self.waiting[review_id] = still
                    else:
                        del self.waiting[review_id]
            await asyncio.sleep(POLL_SECONDS)


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


async def pipeline_one(api: httpx.AsyncClient, queues: QueueWatch, n: int, ids: list[str]) -> float:
    """One review through the API as a specialist works it: intake, the queue shows it, she
    opens it, claims and decides; seconds from the decision's answer until the queue shows it
    closed."""
    started = await api.post("/api/v1/reviews", json=review_body(n), headers=INTAKE)
    review_id = started.json()["review_id"]
    ids.append(review_id)
    await queues.until(review_id, "awaiting_decision")
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
    await queues.until(review_id, "closed")
    return time.perf_counter() - answered


def percentile(sorted_values: list[float], share: float) -> float:
    """The value ``share`` of the sorted values are at or below (nearest rank)."""
    return sorted_values[max(0, round(share * len(sorted_values)) - 1)]


@contextmanager
def cpu_per_item(processes: dict[str, int], n: int) -> Iterator[None]:
    """Print the CPU time each process (name: pid) used per item while the block ran."""
    before = {name: cpu_seconds(pid) for name, pid in processes.items()}
    yield
    for name, pid in processes.items():
        used = (cpu_seconds(pid) - before[name]) / n
        print(f"    CPU {name:<40} {used * 1000:6.1f} ms each")


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


async def bare_worker(stack: RunningStack) -> asyncio.subprocess.Process:
    """The bare workflow's worker in a process of its own, once it polls."""
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "scripts.bare_review",
        stack.temporal_address,
        str(stack.var / "encryption_keys.toml"),
        stdout=asyncio.subprocess.PIPE,
    )
    assert process.stdout is not None
    if (await process.stdout.readline()).strip() != b"ready":
        raise RuntimeError("the bare workflow's worker did not start")
    return process


async def main(reviews: int, concurrency: int, one_at_a_time: int) -> None:
    """Start make run's stack once, then measure bare, pipeline and decision to closed."""
    with tempfile.TemporaryDirectory() as tmp:
        async with make_run_stack(Path(tmp)) as stack:
            client = await Client.connect(
                stack.temporal_address, data_converter=data_converter(stack.keys())
            )
            bare_process = await bare_worker(stack)
            archive = stack.archive()
            queues = QueueWatch(ReviewReadModel.of(archive))
            watching = asyncio.create_task(queues.watch())
            here = os.getpid()
            try:
                async with httpx.AsyncClient(base_url=stack.web_url, timeout=60) as api:
                    print(f"{reviews} each, {concurrency} at a time, 2 updates per review")
                    with cpu_per_item(
                        {
                            "Temporal dev server": stack.pid("temporal"),
                            "bare worker": bare_process.pid,
                            "this script (starts, polls, updates)": here,
                        },
                        reviews,
                    ):
                        bare = await rate(
                            "bare workflow (no-op activities)",
                            reviews,
                            concurrency,
                            lambda _: bare_one(client),
                        )
                    ids: list[str] = []
                    with cpu_per_item(
                        {
                            "Temporal dev server": stack.pid("temporal"),
                            "review worker": stack.pid("worker"),
                            "web app": stack.pid("webapp"),
                            "demo platform": stack.pid("demo_platform"),
                            "this script (API calls, queue reads)": here,
                        },
                        reviews,
                    ):
                        full = await rate(
                            "pipeline through the API",
                            reviews,
                            concurrency,
                            lambda n: pipeline_one(api, queues, n, ids),
                        )
                    print(f"  pipeline / bare                              {full / bare:.2f}")
                    published = sorted(await asyncio.to_thread(queues.read_model.lags, set(ids)))
                    print(
                        f"  read model lag behind each review's last change ({len(published)})"
                        f"  p50 {statistics.median(published) * 1000:6.0f} ms"
                        f"  p95 {percentile(published, 0.95) * 1000:6.0f} ms"
                    )
                    lags = sorted(
                        [
                            await pipeline_one(api, queues, 10_000 + i, [])
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
                watching.cancel()
                bare_process.terminate()
                await bare_process.wait()
                archive.close()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reviews", type=int, default=200)
    parser.add_argument("--concurrency", type=int, default=20)
    parser.add_argument("--one-at-a-time", type=int, default=20)
    args = parser.parse_args()
    asyncio.run(main(args.reviews, args.concurrency, args.one_at_a_time))
