"""The review workflow's shape with nothing in it, for scripts.benchmark_pipeline: what the
engine alone does on a machine. Its own module, with nothing but Temporal imported, so the
workflow sandbox loads it."""

from __future__ import annotations

import asyncio
from datetime import timedelta

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
