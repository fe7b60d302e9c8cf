"""The review workflow's shape with nothing in it, for scripts.benchmark_pipeline: what the
engine alone does on a machine. Its own module, with nothing but Temporal imported, so the
workflow sandbox loads it.

``python -m scripts.bare_review ADDRESS KEY_FILE`` runs a worker for it on task queue ``bare``,
in a process of its own as the review worker runs in its own, with the same payload codec; it
prints ``ready`` once it polls.
"""

from __future__ import annotations

import asyncio
import sys
from datetime import timedelta
from pathlib import Path

from temporalio import activity, workflow


@activity.defn
async def step(name: str) -> str:
    """A no-op activity."""
    return name


@workflow.defn
class BareReview:
    """The review's shape with nothing in it."""

    def __init__(self) -> None:
        self.updates = 0

    @workflow.run
    async def run(self) -> None:
        """1 activity, 5 in parallel, two updates, 4 in a row."""
        timeout = timedelta(seconds=10)
        await workflow.execute_activity(step, "policy", start_to_close_timeout=timeout)
        await asyncio.gather(
            *(
                workflow.execute_activity(step, f"evidence {i}", start_to_close_timeout=timeout)
                for i in range(5)
            )
        )
        await workflow.wait_condition(lambda: self.updates >= 2)
        for name in ("enforcement", "notice", "reporter notice", "record"):
            await workflow.execute_activity(step, name, start_to_close_timeout=timeout)

    @workflow.update
    def act(self, name: str) -> str:
        """A person's request."""
        self.updates += 1
        return name

    @workflow.query
    def waiting(self) -> bool:
        """Whether it waits for people."""
        return self.updates < 2


TASK_QUEUE = "bare"


async def serve(address: str, key_file: Path) -> None:
    """Serve BareReview on TASK_QUEUE until the process is stopped."""
    # Imported here: the workflow sandbox re-imports this module and needs none of it.
    from temporalio.client import Client
    from temporalio.worker import Worker

    from temporal_runtime.connection import data_converter
    from temporal_runtime.encryption import load_key_file

    client = await Client.connect(address, data_converter=data_converter(load_key_file(key_file)))
    async with Worker(client, task_queue=TASK_QUEUE, workflows=[BareReview], activities=[step]):
        print("ready", flush=True)
        await asyncio.Event().wait()


if __name__ == "__main__":
    asyncio.run(serve(sys.argv[1], Path(sys.argv[2])))
