"""The README's operator commands, run as written with bash and the real `temporal` CLI, through
the web app's codec endpoint: listing the critical reviews awaiting a decision, reading a
review's state, retrying blocked actioning, and reading decoded history.

The commands are read from README.md, so a README change that breaks them fails here. They run
against a dev server and web app of this test's own on free ports: the README's
``http://localhost:8000`` becomes the web app's address and ``TEMPORAL_ADDRESS`` points the CLI
at the dev server. The reviews are the demo reviews ``make run`` seeds
(``demo_platform/demo_reviews.jsonl``), so ``review-INC-DEMO-1001`` is used as written.
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
from temporalio.testing import WorkflowEnvironment

from decision_archive.read_model import ReviewReadModel
from decision_archive.report import CaseReportRenderer
from decision_archive.store import DecisionArchive
from notifications.rendering import MessageRenderer
from review import actions
from review.matrix import ReviewPolicy
from review.models import ReviewRequest, ReviewState, ReviewStatus, SecondReviewRequest
from tests.conftest import BIN, WorkerFactory, dev_server, served
from tests.review_steps import LUIS, claim_and_decide, wait_for_status
from webapp.app import create_app
from webapp.i18n import translator
from webapp.people import load_directory
from webapp.services import WebServices
from webapp.settings import DEMO_PEOPLE_FILE, WebSettings
from workflows.client import ReviewClient

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
DEMO_REVIEWS = ROOT / "demo_platform" / "demo_reviews.jsonl"
README_WEB_APP = "http://localhost:8000"
DEMO_REVIEW = "review-INC-DEMO-1001"  # the review the README's commands name
CRITICAL_DEMO_REVIEW = "review-INC-DEMO-1007"  # the demo's egregious assault report: critical
COMMAND_TIMEOUT = 60.0


def operator_commands() -> list[str]:
    """The shell commands of the README's operator block, one per logical line (a line ending
    in a backslash continues on the next, as in bash)."""
    text = README.read_text()
    after = text[text.index("Operators inspect and repair reviews with the Temporal CLI") :]
    block = re.search(r"```sh\n(.*?)```", after, re.S)
    assert block is not None, "no sh block after the operator paragraph"
    commands: list[str] = []
    pending = ""
    for line in block.group(1).splitlines():
        pending += line + "\n"
        if not line.rstrip().endswith("\\"):
            if pending.strip() and not pending.strip().startswith("#"):
                commands.append(pending.strip())
            pending = ""
    assert not pending.strip(), f"the block ends in a continued line: {pending!r}"
    return commands


def history_command() -> str:
    """The Confidentiality section's CLI command that reads decoded history."""
    text = README.read_text()
    section = text[text.index("## Confidentiality") :].split("\n## ")[0]
    found = re.search(r"\*\*CLI:\*\*\s*`([^`]*)`", section)
    assert found is not None, "no **CLI:** command in the Confidentiality section"
    return " ".join(found.group(1).split())


def demo_request(incident_id: str) -> ReviewRequest:
    """The demo review ``make run`` seeds for ``incident_id``."""
    for line in DEMO_REVIEWS.read_text().splitlines():
        if line.strip() and json.loads(line)["incident_id"] == incident_id:
            return ReviewRequest.model_validate_json(line)
    raise AssertionError(f"{incident_id} is not a demo review")


@dataclass
class Ran:
    command: str
    returncode: int
    stdout: str
    stderr: str

    def __str__(self) -> str:
        return (
            f"$ {self.command}\nexit {self.returncode}\n"
            f"stdout:\n{self.stdout}\nstderr:\n{self.stderr}"
        )


@dataclass
class Stack:
    env: WorkflowEnvironment
    web_url: str

    async def sh(self, script: str) -> Ran:
        """Run ``script`` with bash from the repository root, as an operator would against
        this stack. Async, so the codec endpoint (served in this event loop) can answer."""
        script = script.replace(README_WEB_APP, self.web_url)
        config = self.env.client.service_client.config
        env = {k: v for k, v in os.environ.items() if not k.startswith("TEMPORAL_")}
        env["TEMPORAL_ADDRESS"] = config.target_host
        env["TEMPORAL_NAMESPACE"] = self.env.client.namespace
        env["PATH"] = f"{BIN}{os.pathsep}{env.get('PATH', '')}"  # `temporal` as on PATH
        process = await asyncio.create_subprocess_exec(
            "bash",
            "-c",
            script,
            cwd=ROOT,
            env=env,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        try:
            out, err = await asyncio.wait_for(process.communicate(), COMMAND_TIMEOUT)
        except TimeoutError:
            process.kill()
            await process.wait()
            raise AssertionError(f"did not finish in {COMMAND_TIMEOUT} s:\n{script}") from None
        assert process.returncode is not None
        return Ran(script, process.returncode, out.decode(), err.decode())


@asynccontextmanager
async def operator_stack(
    shipped_policy: tuple[ReviewPolicy, MessageRenderer], archive: DecisionArchive
) -> AsyncIterator[Stack]:
    """A fresh dev server (so the demo review ids are free) and the web app on it, demo people
    and tokens included, served over HTTP on a free port."""
    policy, renderer = shipped_policy
    async with dev_server() as env:
        services = WebServices(
            reviews=ReviewClient(
                env.client, "readme-operator", read_model=ReviewReadModel.of(archive)
            ),
            people=load_directory(DEMO_PEOPLE_FILE, demo_mode=True),
            policy=policy,
            renderer=renderer,
            settings=WebSettings(demo_mode=True, secret_key="test-signing-key"),
            archive=archive,
            reports=CaseReportRenderer(renderer.guidelines, translator("en")),
        )
        async with served(create_app(services)) as web_url:
            yield Stack(env, web_url)


async def until_blocked(reviews: ReviewClient, review_id: str, within: float = 30) -> ReviewState:
    """Wait until the review's actioning is blocked; returns its state then."""
    deadline = time.monotonic() + within
    state = await wait_for_status(reviews, review_id, ReviewStatus.ACTIONING, within=within)
    while state.actioning_blocked is None:
        assert time.monotonic() < deadline, f"{review_id} never blocked: {state.timeline}"
        await asyncio.sleep(0.1)
        state = await reviews.state(review_id)
    return state


@pytest.mark.devserver
async def test_the_readme_operator_commands_list_read_and_unblock_a_review(
    review_worker: WorkerFactory,
    shipped_policy: tuple[ReviewPolicy, MessageRenderer],
    archive: DecisionArchive,
    demo_platform_url: str,
) -> None:
    commands = operator_commands()
    assert len(commands) == 4, commands
    setup, listing, query, retry = commands
    assert setup.startswith("T=") and "CODEC=(" in setup, setup
    assert " workflow list " in listing, listing
    assert " workflow query " in query and DEMO_REVIEW in query, query
    assert " update execute " in retry and "retry_actioning" in retry, retry
    assert (ROOT / ".venv" / "bin" / "temporal").exists()  # the block's T=.venv/bin/temporal

    def as_operator(command: str) -> str:
        """One command of the block in the shell the block sets up (its first line)."""
        return f"{setup}\n{command}"

    intake, assault = demo_request("INC-DEMO-1001"), demo_request("INC-DEMO-1007")
    async with operator_stack(shipped_policy, archive) as stack:
        client = stack.env.client
        critical = ReviewClient(client, "readme-critical")
        # INC-DEMO-1001's worker is misconfigured: its account service URL answers 404.
        # No workflow cache, so the fixed worker below picks the review up at once.
        blocked_queue = "readme-operator"
        reviews = ReviewClient(client, blocked_queue)
        misconfigured = review_worker(
            client,
            blocked_queue,
            worker_options={"max_cached_workflows": 0},
            accounts_url=f"{demo_platform_url}/no-such-service",
        )
        async with review_worker(client, critical.task_queue), misconfigured:
            assert (await reviews.start(intake)).review_id == DEMO_REVIEW
            assert (await critical.start(assault)).review_id == CRITICAL_DEMO_REVIEW
            await wait_for_status(reviews, DEMO_REVIEW, ReviewStatus.AWAITING_DECISION)
            await wait_for_status(critical, CRITICAL_DEMO_REVIEW, ReviewStatus.AWAITING_DECISION)

            # 1. The critical reviews awaiting a decision: the assault report, and not
            # INC-DEMO-1001 (dangerous driving, high tier). Visibility may lag a moment.
            deadline = time.monotonic() + 15
            listed = await stack.sh(as_operator(listing))
            while CRITICAL_DEMO_REVIEW not in listed.stdout and time.monotonic() < deadline:
                await asyncio.sleep(0.5)
                listed = await stack.sh(as_operator(listing))
            assert listed.returncode == 0, str(listed)
            assert CRITICAL_DEMO_REVIEW in listed.stdout, str(listed)
            assert DEMO_REVIEW not in listed.stdout, str(listed)
            assert "DeactivationReview" in listed.stdout, str(listed)

            # 2. The review's state, decoded by the codec endpoint: the summary is only ever
            # stored encrypted, so reading it means the endpoint decoded the query result.
            read = await stack.sh(as_operator(query))
            assert read.returncode == 0, str(read)
            assert DEMO_REVIEW in read.stdout, str(read)
            assert ReviewStatus.AWAITING_DECISION.value in read.stdout, str(read)
            assert intake.summary in read.stdout, str(read)

            # 3. Retrying actioning that is not blocked is refused with the workflow's reason.
            refused = await stack.sh(as_operator(retry))
            assert refused.returncode != 0, str(refused)
            assert "its actioning is not blocked" in refused.stdout + refused.stderr, str(refused)

            # A specialist decides; the misconfigured account service refuses the change.
            decided = await claim_and_decide(reviews, DEMO_REVIEW)
            if decided.status is ReviewStatus.AWAITING_SECOND_REVIEW:
                await reviews.act(
                    DEMO_REVIEW,
                    actions.SECOND_REVIEW,
                    SecondReviewRequest(reviewer=LUIS, outcome="approve", comment="Agreed."),
                )
            blocked = await until_blocked(reviews, DEMO_REVIEW)
            assert "HTTP 404" in (blocked.actioning_blocked or ""), blocked.actioning_blocked

        # 4. The URL is fixed (a worker with the right one polls the review's task queue), and
        # the README's retry goes through: the review carries out the decision and closes.
        async with review_worker(client, blocked_queue):
            retried = await stack.sh(as_operator(retry))
            assert retried.returncode == 0, str(retried)
            assert DEMO_REVIEW in retried.stdout, str(retried)
            closed = await wait_for_status(reviews, DEMO_REVIEW, ReviewStatus.CLOSED, within=60)

        assert closed.actioning_blocked is None
        assert [c.change for c in closed.account_changes] == ["enforcement"]
        retry_entry = next(e for e in closed.timeline if e.event == "actioning_retried")
        assert retry_entry.actor is not None and "luis" in retry_entry.actor, retry_entry
        assert retry_entry.detail == "Account service URL fixed.", retry_entry

        # 5. The Confidentiality section's command reads the history in clear through the codec
        # endpoint; the same command without it shows ciphertext only.
        show = history_command()
        assert show.startswith(".venv/bin/temporal workflow show ") and DEMO_REVIEW in show, show
        assert README_WEB_APP in show and "--codec-auth" in show, show
        history = await stack.sh(show)
        assert history.returncode == 0, str(history)
        assert intake.summary in history.stdout, str(history)
        assert "Account service URL fixed." in history.stdout, str(history)
        assert "json/plain" in history.stdout, str(history)
        assert "binary/encrypted" not in history.stdout, str(history)
        without_codec = re.sub(r"\s--codec-(endpoint|auth)\s+(\"[^\"]*\"|\S+)", "", show)
        assert "--codec" not in without_codec, without_codec
        ciphertext = await stack.sh(without_codec)
        assert ciphertext.returncode == 0, str(ciphertext)
        assert intake.summary not in ciphertext.stdout, str(ciphertext)
        assert "Account service URL fixed." not in ciphertext.stdout, str(ciphertext)
        assert "binary/encrypted" in ciphertext.stdout, str(ciphertext)

    # Every decoding went through the codec endpoint as luis, and the access log says so.
    decodes = [e for e in archive.access_log(person_id="luis") if e.channel == "codec"]
    assert decodes and all(e.role == "lead" for e in decodes), decodes
