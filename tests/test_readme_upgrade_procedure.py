"""The README's upgrade procedure, run as written with the real `temporal` CLI against a dev
server with two builds of the worker: every command in "Deploying a new worker build" does what
the README says it does."""

from __future__ import annotations

import asyncio
import re
import shlex
import subprocess
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from temporalio.common import VersioningBehavior, WorkerDeploymentVersion
from temporalio.testing import WorkflowEnvironment

from review.models import ReviewStatus
from temporal_runtime.deployment import DEFAULT_DEPLOYMENT_NAME, pinned_deployment
from tests.conftest import BIN, WorkerFactory, dev_server, review_request
from tests.review_steps import wait_for_status
from workflows.client import ReviewClient

README = Path(__file__).resolve().parent.parent / "README.md"


def upgrade_commands() -> list[str]:
    """The shell commands of the README's "Deploying a new worker build" section, in order."""
    text = README.read_text()
    section = text[text.index("### Deploying a new worker build") :]
    section = section.split("\n## ")[0]
    blocks = re.findall(r"```sh\n(.*?)```", section, re.S)
    return [line.strip() for block in blocks for line in block.splitlines() if line.strip()]


def run(command: str, address: str, review_id: str) -> subprocess.CompletedProcess[str]:
    """Run a README command against ``address``, the README's demo review id replaced."""
    args = shlex.split(command.replace("review-INC-DEMO-1001", review_id))
    assert args[0] == "temporal", command
    return subprocess.run(
        [str(BIN / "temporal"), *args[1:], "--address", address],
        capture_output=True,
        text=True,
        timeout=30,
    )


@pytest.fixture
async def upgrade_env() -> AsyncIterator[WorkflowEnvironment]:
    """A dev server of its own, so the deployment named as in the README starts empty."""
    async with dev_server() as env:
        yield env


async def pinned_to(reviews: ReviewClient, review_id: str) -> tuple[VersioningBehavior, str]:
    described = await reviews.handle(review_id).describe()
    info = described.raw_description.workflow_execution_info.versioning_info
    return VersioningBehavior(info.behavior), info.deployment_version.build_id


async def test_the_readme_upgrade_procedure_moves_new_reviews_and_keeps_old_ones_pinned(
    upgrade_env: WorkflowEnvironment, review_worker: WorkerFactory
) -> None:
    commands = upgrade_commands()
    assert len(commands) == 9, commands
    address = upgrade_env.client.service_client.config.target_host
    task_queue = "readme-upgrade"

    def build(build_id: str) -> object:
        version = WorkerDeploymentVersion(DEFAULT_DEPLOYMENT_NAME, build_id)
        return review_worker(
            upgrade_env.client,
            task_queue,
            worker_options={"deployment_config": pinned_deployment(version)},
        )

    reviews = ReviewClient(upgrade_env.client, task_queue)
    async with build("0.1.0"), build("0.2.0"):  # type: ignore[attr-defined]
        # make run's first step: build 0.1.0 is current, and a review starts on it.
        make_current = (
            "temporal worker deployment set-current-version --deployment-name "
            "deactivation-review --build-id 0.1.0 --yes"
        )
        first = run(make_current, address, "")
        for _ in range(30):  # the server learns of the pollers within a few seconds
            if first.returncode == 0:
                break
            await asyncio.sleep(0.5)
            first = run(make_current, address, "")
        assert first.returncode == 0, first.stderr
        old = await reviews.start(review_request())
        await wait_for_status(reviews, old.review_id, ReviewStatus.AWAITING_DECISION)

        answers = {}
        for command in commands:
            answers[command] = run(command, address, old.review_id)
            if "set-current-version" in command and "0.2.0" in command:
                new = await reviews.start(review_request())
                await wait_for_status(reviews, new.review_id, ReviewStatus.AWAITING_DECISION)
                assert await pinned_to(reviews, new.review_id) == (
                    VersioningBehavior.PINNED,
                    "0.2.0",
                )
                assert await pinned_to(reviews, old.review_id) == (
                    VersioningBehavior.PINNED,
                    "0.1.0",
                )

    refused = [c for c in commands if "delete-version" in c]
    for command, answer in answers.items():
        if command in refused:
            assert answer.returncode != 0 and "drain" in answer.stderr.lower(), answer.stderr
        else:
            assert answer.returncode == 0, (command, answer.stderr)
    listed = next(a for c, a in answers.items() if c.startswith("temporal workflow list"))
    assert old.review_id in listed.stdout
    described = next(a for c, a in answers.items() if "deployment describe " in c)
    assert "0.2.0" in described.stdout and "draining" in described.stdout.lower()
