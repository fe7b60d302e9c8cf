"""The README's read-model commands, run as written with bash against a dev server of this
test's own: ``check`` finds nothing wrong with what reviews published, ``rebuild`` writes it
all again after the rows are lost, and ``check`` then names nothing."""

from __future__ import annotations

import asyncio
import os
import re
from pathlib import Path

from temporalio.testing import WorkflowEnvironment

from decision_archive.read_model import ReviewReadModel
from decision_archive.store import DecisionArchive, review_summaries, review_views
from review.models import ReviewStatus
from tests.conftest import WorkerFactory, review_request
from tests.review_steps import wait_for_status
from workflows.client import ReviewClient

README = Path(__file__).resolve().parent.parent / "README.md"


def read_model_commands() -> list[str]:
    """The commands of the README's read-model block, comments dropped."""
    text = README.read_text()
    after = text[text.index("To see whether the read model agrees with Temporal") :]
    block = re.search(r"```sh\n(.*?)```", after, re.S)
    assert block is not None, "no sh block after the read-model paragraph"
    return [line.split("  #")[0].strip() for line in block.group(1).splitlines() if line.strip()]


async def run(command: str, env: dict[str, str]) -> tuple[int, str]:
    process = await asyncio.create_subprocess_exec(
        "bash",
        "-c",
        command,
        cwd=README.parent,
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    out, _ = await asyncio.wait_for(process.communicate(), 60)
    assert process.returncode is not None
    return process.returncode, out.decode()


async def test_the_readme_read_model_commands_check_and_rebuild_as_written(
    dev_env: WorkflowEnvironment,
    review_worker: WorkerFactory,
    archive: DecisionArchive,
) -> None:
    check, rebuild = read_model_commands()
    assert check.endswith("read_model_sync check") and rebuild.endswith("read_model_sync rebuild")
    read_model = ReviewReadModel.of(archive)
    async with review_worker(dev_env.client) as worker:
        reviews = ReviewClient(dev_env.client, worker.task_queue, read_model=read_model)
        started = await reviews.start(review_request())
        await wait_for_status(reviews, started.review_id, ReviewStatus.AWAITING_DECISION)
        await asyncio.sleep(0.5)  # visibility catches up
        env = os.environ | {
            "TEMPORAL_ADDRESS": dev_env.client.service_client.config.target_host,
            "DR_TASK_QUEUE": worker.task_queue,
            "DR_ARCHIVE_URL": str(archive.engine.url),
        }

        healthy = await run(check, env)
        with archive.engine.begin() as db:
            db.execute(review_summaries.delete())
            db.execute(review_views.delete())
        broken = await run(check, env)
        rebuilt = await run(rebuild, env)
        again = await run(check, env)

    assert healthy == (0, "0 disagreements\n")
    assert broken[0] == 1
    assert f"{started.review_id}: no row in the read model" in broken[1]
    assert rebuilt[0] == 0 and "1 from workflows," in rebuilt[1]
    assert again == (0, "0 disagreements\n")
    assert read_model.view(started.review_id) is not None
