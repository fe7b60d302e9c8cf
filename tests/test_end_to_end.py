"""The whole flow on the real Temporal dev server: starter.py starts a review, a specialist
decides, and the person's message reaches the notification gateway once, in their language."""

from __future__ import annotations

import asyncio
import os
import sys
from pathlib import Path

import httpx
from temporalio.testing import WorkflowEnvironment

from review.models import ReviewStatus
from tests.conftest import WorkerFactory, review_request
from tests.review_steps import claim_and_decide, wait_for_status
from workflows.client import ReviewClient

ROOT = Path(__file__).resolve().parent.parent


async def run_starter(
    env: WorkflowEnvironment, task_queue: str, path: Path
) -> tuple[int, str, str]:
    """Run ``python starter.py PATH`` against the test's dev server and task queue."""
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "starter.py",
        str(path),
        cwd=ROOT,
        env={
            **os.environ,
            "TEMPORAL_ADDRESS": env.client.service_client.config.target_host,
            "TEMPORAL_NAMESPACE": env.client.namespace,
            "DR_TASK_QUEUE": task_queue,
        },
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await process.communicate()
    return process.returncode or 0, out.decode(), err.decode()


async def test_review_started_by_starter_ends_with_one_message_in_the_account_locale(
    dev_env: WorkflowEnvironment,
    review_worker: WorkerFactory,
    demo_platform_url: str,
    tmp_path: Path,
) -> None:
    request = review_request(account={"id": "drv_e2e", "locale": "es-MX"})
    path = tmp_path / "incident.json"
    path.write_text(request.model_dump_json())

    async with review_worker(dev_env.client) as worker:
        code, out, _ = await run_starter(dev_env, worker.task_queue, path)
        assert code == 0
        assert out.split() == ["started", request.review_id]

        reviews = ReviewClient(dev_env.client, worker.task_queue)
        await claim_and_decide(reviews, request.review_id)
        state = await reviews.handle(request.review_id).result()

        again, out, _ = await run_starter(dev_env, worker.task_queue, path)
        assert again == 0 and out.startswith(f"exists   {request.review_id}")

    assert state.status is ReviewStatus.CLOSED
    async with httpx.AsyncClient() as http:
        answer = await http.get(
            f"{demo_platform_url}/notification-gateway/messages", params={"recipient": "drv_e2e"}
        )
    messages = answer.json()["messages"]
    assert len(messages) == 1
    assert messages[0]["locale"] == "es-MX"
    assert messages[0]["subject"] == "Tu cuenta está suspendida por 7 días"
    assert messages[0]["review_id"] == request.review_id


async def test_starter_with_an_invalid_line_starts_nothing(
    dev_env: WorkflowEnvironment, review_worker: WorkerFactory, tmp_path: Path
) -> None:
    good = review_request()
    bad = review_request().model_dump(mode="json")
    bad["account"]["locale"] = "spanish"
    path = tmp_path / "batch.jsonl"
    path.write_text(good.model_dump_json() + "\n" + httpx.Response(200, json=bad).text + "\n")

    async with review_worker(dev_env.client) as worker:
        code, out, err = await run_starter(dev_env, worker.task_queue, path)
        described = [
            w.id async for w in dev_env.client.list_workflows(f"WorkflowId = '{good.review_id}'")
        ]

    assert code == 2 and out == ""
    assert "line 2: account.locale:" in err
    assert "nothing was started" in err
    assert described == []


async def test_queues_are_visibility_queries_on_search_attributes(
    dev_env: WorkflowEnvironment, review_worker: WorkerFactory
) -> None:
    market = "tijuana"
    async with review_worker(dev_env.client) as worker:
        reviews = ReviewClient(dev_env.client, worker.task_queue)
        egregious = await reviews.start(
            review_request(category="weapons", severity="medium", account={"market": market})
        )
        standard = await reviews.start(
            review_request(category="fraud", severity="low", account={"market": market})
        )
        for started in (egregious, standard):
            await wait_for_status(reviews, started.review_id, ReviewStatus.AWAITING_DECISION)

        async def ids(query: str) -> set[str]:
            # Visibility is eventually consistent: poll briefly.
            found: set[str] = set()
            for _ in range(100):
                found = {w.id async for w in dev_env.client.list_workflows(query)}
                if found:
                    break
                await asyncio.sleep(0.1)
            return found

        critical = await ids(
            f"Market = '{market}' AND SlaTier = 'critical' AND ReviewStatus = 'awaiting_decision'"
        )
        standard_tier = await ids(f"Market = '{market}' AND SlaTier = 'standard'")

    assert critical == {egregious.review_id}
    assert standard_tier == {standard.review_id}


async def test_worker_refuses_to_start_with_an_invalid_matrix(tmp_path: Path) -> None:
    shipped = (ROOT / "policy" / "deactivation_matrix.toml").read_text()
    broken = shipped.replace(
        'low = { tier = "standard", ladder = ["warning"',
        'low = { tier = "urgent", ladder = ["warning"',
        1,
    )
    assert broken != shipped
    matrix = tmp_path / "matrix.toml"
    matrix.write_text(broken)
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "worker.py",
        cwd=ROOT,
        env={**os.environ, "DR_MATRIX_FILE": str(matrix), "TEMPORAL_ADDRESS": "127.0.0.1:9"},
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    _, err = await asyncio.wait_for(process.communicate(), timeout=30)

    assert process.returncode == 2
    assert f"{matrix}: categories.fraud.severities.low.tier:" in err.decode()
