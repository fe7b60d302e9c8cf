"""What the benchmarks start: a dev server with SQLite persistence, the demo platform in a
process of its own (as ``make run`` runs it), and the web app's services, all with a key of the
run's own."""

from __future__ import annotations

import asyncio
import secrets
import sys
from pathlib import Path
from typing import Any

import httpx
from temporalio.client import Client
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from activities.platform import PlatformEndpoints
from decision_archive.read_model import ReviewReadModel
from decision_archive.report import CaseReportRenderer
from decision_archive.store import DecisionArchive
from policy import PolicySettings, load_policy
from temporal_runtime.connection import data_converter
from temporal_runtime.encryption import KeyRing
from webapp.people import load_directory
from webapp.services import WebServices
from webapp.settings import DEMO_PEOPLE_FILE, WebSettings
from worker import build_worker
from workflows import search_attributes
from workflows.client import ReviewClient

KEYS = KeyRing({"bench": secrets.token_bytes(32)}, "bench")
"""A key of this run's own: nothing it encrypts outlives it."""


async def start_dev_server(folder: str) -> WorkflowEnvironment:
    """The Temporal dev server, persisting to SQLite in ``folder``, search attributes known."""
    return await WorkflowEnvironment.start_local(
        dev_server_existing_path=str(Path(sys.executable).parent / "temporal"),
        data_converter=data_converter(KEYS),
        search_attributes=search_attributes.ALL_KEYS,
        dev_server_extra_args=["--db-filename", str(Path(folder) / "temporal.db")],
        ui=False,
    )


async def start_demo_platform(port: int) -> asyncio.subprocess.Process:
    """The demo platform in a process of its own (the activities' HTTP calls then cost the
    worker what a real platform's would), once it answers."""
    platform = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "demo_platform",
        "--port",
        str(port),
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.DEVNULL,
    )
    async with httpx.AsyncClient() as probe:
        while True:
            try:
                if (await probe.get(f"http://127.0.0.1:{port}/healthz")).status_code == 200:
                    return platform
            except httpx.TransportError:
                pass
            await asyncio.sleep(0.1)


def review_worker(
    client: Client,
    archive: DecisionArchive,
    platform_port: int,
    http: httpx.AsyncClient,
    task_queue: str,
    **options: Any,
) -> Worker:
    """A review worker on ``task_queue`` with the shipped policy, its activities calling the
    demo platform on ``platform_port``."""
    policy, renderer = load_policy(PolicySettings())
    endpoints = PlatformEndpoints.all_at(f"http://127.0.0.1:{platform_port}")
    return build_worker(client, policy, renderer, endpoints, http, archive, task_queue, **options)


def web_services(client: Client, archive: DecisionArchive, task_queue: str) -> WebServices:
    """The web app's services for reviews on ``task_queue``, demo people signed in by token."""
    policy, renderer = load_policy(PolicySettings())
    return WebServices(
        reviews=ReviewClient(client, task_queue, read_model=ReviewReadModel.of(archive)),
        people=load_directory(DEMO_PEOPLE_FILE, demo_mode=True),
        policy=policy,
        renderer=renderer,
        settings=WebSettings(demo_mode=True, secret_key="benchmark"),
        archive=archive,
        reports=CaseReportRenderer(renderer.guidelines, markets=renderer.markets),
    )
