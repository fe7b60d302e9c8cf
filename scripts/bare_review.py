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
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from temporalio import activity, workflow
from temporalio.common import SearchAttributeKey

STATUS = SearchAttributeKey.for_keyword("ReviewStatus")
"""A search attribute the review registers, for the upserts of EngineExtras."""


@dataclass(frozen=True)
class EngineExtras:
    """Engine work a review does beyond the bare shape, added one kind at a time by
    scripts.benchmark_engine to see what each costs."""

    upserts: int = 0
    """Search attribute upserts, at most one at each of the review's six changes."""
    local_activities: int = 0
    """Local activities (the review's read model publications), likewise."""
    payload_bytes: int = 0
    """Text carried by every activity's input and result, and by the result."""


@activity.defn
async def step(name: str) -> str:
    """A no-op activity."""
    return name


@workflow.defn
class BareReview:
    """The review's shape with nothing in it."""

    def __init__(self) -> None:
        self.updates = 0
        self.changes = 0
        self.at_people = False

    @workflow.run
    async def run(self, extras: EngineExtras | None = None) -> str:
        """1 activity, 5 in parallel, two updates, 4 in a row."""
        extras = extras or EngineExtras()
        timeout = timedelta(seconds=10)
        pad = "x" * extras.payload_bytes

        async def changed() -> None:
            if self.changes < extras.upserts:
                workflow.upsert_search_attributes([STATUS.value_set(f"change {self.changes}")])
            if self.changes < extras.local_activities:
                await workflow.execute_local_activity(step, pad, start_to_close_timeout=timeout)
            self.changes += 1

        await workflow.execute_activity(step, f"policy{pad}", start_to_close_timeout=timeout)
        await changed()
        await asyncio.gather(
            *(
                workflow.execute_activity(step, f"source {i}{pad}", start_to_close_timeout=timeout)
                for i in range(5)
            )
        )
        await changed()
        self.at_people = True
        await workflow.wait_condition(lambda: self.updates >= 1)
        await changed()
        await workflow.wait_condition(lambda: self.updates >= 2)
        await changed()
        for name in ("enforcement", "notice", "reporter notice", "record"):
            await workflow.execute_activity(step, f"{name}{pad}", start_to_close_timeout=timeout)
        await changed()
        await changed()
        return pad

    @workflow.update
    def act(self, name: str) -> str:
        """A person's request."""
        self.updates += 1
        return name

    @workflow.query
    def waiting(self) -> bool:
        """Whether it waits for people: its evidence is in and its two updates are not."""
        return self.at_people and self.updates < 2


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
