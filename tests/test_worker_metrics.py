"""The worker serves the Temporal SDK's own metrics for Prometheus where
``DR_WORKER_METRICS_ADDRESS`` says, and refuses to start on an address it cannot use."""

from __future__ import annotations

import asyncio
import os
import sys
from pathlib import Path

import httpx
import pytest
from temporalio.client import Client
from temporalio.testing import WorkflowEnvironment

from temporal_runtime.connection import metrics_runtime
from tests.conftest import CONVERTER, WorkerFactory, free_port, review_request
from workflows.deactivation_review import DeactivationReview

ROOT = Path(__file__).resolve().parent.parent


async def test_a_worker_with_a_metrics_address_serves_the_sdks_metrics(
    dev_env: WorkflowEnvironment, review_worker: WorkerFactory
) -> None:
    port = free_port()
    runtime = metrics_runtime({"DR_WORKER_METRICS_ADDRESS": f"127.0.0.1:{port}"})
    assert runtime is not None
    client = await Client.connect(
        dev_env.client.service_client.config.target_host,
        namespace=dev_env.client.namespace,
        data_converter=CONVERTER,
        runtime=runtime,
    )
    async with review_worker(client) as worker, httpx.AsyncClient() as http:
        await client.start_workflow(
            DeactivationReview.run,
            review_request(),
            id=f"review-metrics-{port}",
            task_queue=worker.task_queue,
        )
        text = ""
        for _ in range(100):
            text = (await http.get(f"http://127.0.0.1:{port}/metrics")).text
            if "temporal_workflow_task_execution_latency" in text:
                break
            await asyncio.sleep(0.1)

    assert "temporal_workflow_task_execution_latency" in text
    assert f'task_queue="{worker.task_queue}"' in text


def test_no_metrics_address_serves_no_metrics() -> None:
    assert metrics_runtime({}) is None


@pytest.mark.parametrize("address", ["9464", "localhost:", "localhost:http", ":9464"])
def test_an_address_without_host_and_port_is_refused_naming_the_variable(address: str) -> None:
    with pytest.raises(ValueError, match="DR_WORKER_METRICS_ADDRESS: expected host:port"):
        metrics_runtime({"DR_WORKER_METRICS_ADDRESS": address})


async def test_the_worker_refuses_to_start_on_an_invalid_metrics_address() -> None:
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "worker.py",
        cwd=ROOT,
        env={
            **os.environ,
            "DR_WORKER_METRICS_ADDRESS": "metrics",
            "TEMPORAL_ADDRESS": "127.0.0.1:9",
        },
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    _, err = await asyncio.wait_for(process.communicate(), timeout=30)

    assert process.returncode == 2
    assert "worker: not starting, DR_WORKER_METRICS_ADDRESS: expected host:port" in err.decode()
