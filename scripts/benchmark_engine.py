"""What the engine's own work costs: the bare review workflow, with the engine work the review
adds one kind at a time, against a dev server persisting to SQLite (as ``make run`` runs it)
and one keeping everything in memory.

``python -m scripts.benchmark_engine --workflows 200 --concurrency 20``

The variants (scripts.bare_review.EngineExtras): bare; with six search attribute upserts (a
decided review makes six, for operators); with six local activities (a decided review publishes
its changes to the read model about five times, more when it waits longer); with 2,000 bytes in
every payload (about what a review's activities carry, encrypted); all three. Each runs
``--workflows`` workflows ``--concurrency`` at a time, through a worker in this process; it
prints the rate and the dev server's CPU time per workflow (from Linux's /proc). Nothing is
asserted.

Printed on 2026-12-02, 2 cores, ``--workflows 200 --concurrency 20``:

    SQLite   bare                              12.49 /s   server CPU  68.6 ms each
    SQLite   + 6 search attribute upserts      11.56 /s   server CPU  76.0 ms each
    SQLite   + 6 local activities              12.49 /s   server CPU  65.7 ms each
    SQLite   + 2,000 bytes in each payload     13.76 /s   server CPU  63.3 ms each
    SQLite   + all three                       10.72 /s   server CPU  82.5 ms each
    memory   bare                              25.09 /s   server CPU  40.8 ms each
    memory   + 6 search attribute upserts      23.54 /s   server CPU  45.3 ms each
    memory   + 6 local activities              18.68 /s   server CPU  50.0 ms each
    memory   + 2,000 bytes in each payload     24.24 /s   server CPU  43.8 ms each
    memory   + all three                       17.17 /s   server CPU  60.0 ms each

Read: the dev server's SQLite file halves what the engine does (its writes wait for the disk
one at a time); the engine work a review adds costs it about a seventh (0.86 of bare) there,
and about a third in memory. Single variants differ from bare by less than runs differ from
each other (bare ran 12.5 to 15.8 /s on SQLite across runs of the pipeline benchmark).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import tempfile
import time
import uuid
from pathlib import Path

from temporalio.client import Client
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from scripts.bare_review import BareReview, EngineExtras, step
from scripts.bench_stack import cpu_seconds, start_dev_server

VARIANTS = {
    "bare": EngineExtras(),
    "+ 6 search attribute upserts": EngineExtras(upserts=6),
    "+ 6 local activities": EngineExtras(local_activities=6),
    "+ 2,000 bytes in each payload": EngineExtras(payload_bytes=2000),
    "+ all three": EngineExtras(upserts=6, local_activities=6, payload_bytes=2000),
}
POLL_SECONDS = 0.05


async def one(client: Client, extras: EngineExtras) -> None:
    """A bare review: started, its two updates once it waits for people, then its end."""
    handle = await client.start_workflow(
        BareReview.run, extras, id=f"engine-{uuid.uuid4().hex}", task_queue="engine"
    )
    while not await handle.query(BareReview.waiting):  # noqa: ASYNC110 - polled like people do
        await asyncio.sleep(POLL_SECONDS)
    for name in ("claim", "decide"):
        await handle.execute_update(BareReview.act, name)
    await handle.result()


def server_pid(env: WorkflowEnvironment) -> int:
    """The process id of the dev server ``env`` started (the one serving on its port)."""
    port = env.client.service_client.config.target_host.rsplit(":", 1)[1]
    for cmdline in Path("/proc").glob("[0-9]*/cmdline"):
        with contextlib.suppress(OSError):
            args = cmdline.read_bytes().split(b"\0")
            if b"start-dev" in args and port.encode() in args:
                return int(cmdline.parent.name)
    raise RuntimeError(f"no dev server process serves port {port}")


async def measure(env: WorkflowEnvironment, label: str, workflows: int, concurrency: int) -> None:
    """Every variant once against this dev server."""
    pid = server_pid(env)
    async with Worker(env.client, task_queue="engine", workflows=[BareReview], activities=[step]):
        for name, extras in VARIANTS.items():
            gate = asyncio.Semaphore(concurrency)

            async def gated(extras: EngineExtras, gate: asyncio.Semaphore = gate) -> None:
                async with gate:
                    await one(env.client, extras)

            cpu, began = cpu_seconds(pid), time.perf_counter()
            await asyncio.gather(*(gated(extras) for _ in range(workflows)))
            rate = workflows / (time.perf_counter() - began)
            server = (cpu_seconds(pid) - cpu) / workflows * 1000
            print(f"  {label:<8} {name:<32} {rate:6.2f} /s   server CPU {server:5.1f} ms each")


async def main(workflows: int, concurrency: int) -> None:
    """Both dev servers, one after the other."""
    print(f"{workflows} workflows per line, {concurrency} at a time")
    with tempfile.TemporaryDirectory() as tmp:
        for label, folder in (("SQLite", tmp), ("memory", None)):
            env = await start_dev_server(folder)
            try:
                await measure(env, label, workflows, concurrency)
            finally:
                await env.shutdown()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workflows", type=int, default=200)
    parser.add_argument("--concurrency", type=int, default=20)
    args = parser.parse_args()
    asyncio.run(main(args.workflows, args.concurrency))
