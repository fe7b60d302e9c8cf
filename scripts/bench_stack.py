"""What the benchmarks start: ``make run``'s whole stack in a folder of its own, or its parts
in-process (a dev server with SQLite persistence, the demo platform in a process of its own, a
review worker and the web app's services, all with a key of the run's own)."""

from __future__ import annotations

import asyncio
import contextlib
import os
import secrets
import signal
import sys
from collections.abc import AsyncIterator
from dataclasses import dataclass
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
from scripts.record_histories import free_port
from temporal_runtime.connection import data_converter
from temporal_runtime.encryption import KeyRing, load_key_file
from webapp.people import load_directory
from webapp.services import WebServices
from webapp.settings import DEMO_PEOPLE_FILE, WebSettings
from worker import build_worker
from workflows import search_attributes
from workflows.client import ReviewClient

KEYS = KeyRing({"bench": secrets.token_bytes(32)}, "bench")
"""A key of this run's own: nothing it encrypts outlives it."""


async def start_dev_server(folder: str | None) -> WorkflowEnvironment:
    """The Temporal dev server, persisting to SQLite in ``folder`` (in memory without one),
    search attributes known."""
    persistence = ["--db-filename", str(Path(folder) / "temporal.db")] if folder else []
    return await WorkflowEnvironment.start_local(
        dev_server_existing_path=str(Path(sys.executable).parent / "temporal"),
        data_converter=data_converter(KEYS),
        search_attributes=search_attributes.ALL_KEYS,
        dev_server_extra_args=persistence,
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


def platform_at(port: int) -> PlatformEndpoints:
    """The demo platform's services on ``port``; ``.client()`` is the worker's HTTP client."""
    return PlatformEndpoints.all_at(f"http://127.0.0.1:{port}")


def review_worker(
    client: Client,
    archive: DecisionArchive,
    platform_port: int,
    http: httpx.AsyncClient,
    task_queue: str,
    **options: Any,
) -> Worker:
    """A review worker on ``task_queue`` with the shipped policy, its activities calling the
    demo platform on ``platform_port`` through ``http`` (from ``platform_at(port).client()``)."""
    policy, renderer = load_policy(PolicySettings())
    endpoints = platform_at(platform_port)
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


ROOT = Path(__file__).resolve().parent.parent
STACK_READY = "Press Ctrl-C to stop"
"""The last line ``make run`` prints once everything is up and the demo reviews are seeded."""


@dataclass(frozen=True)
class RunningStack:
    """``make run``'s stack, as a person runs it, in a folder of its own and on free ports."""

    var: Path
    temporal_address: str
    web_url: str

    def keys(self) -> KeyRing:
        """The stack's encryption key ring (``make run`` made it in the folder)."""
        return load_key_file(self.var / "encryption_keys.toml")

    def archive(self) -> DecisionArchive:
        """The stack's decision archive and read model database."""
        return DecisionArchive(f"sqlite:///{self.var / 'decision_archive.db'}", self.keys())

    def pid(self, name: str) -> int:
        """The process id of one of its processes (temporal, worker, webapp, demo_platform)."""
        return int((self.var / "run" / f"{name}.pid").read_text())


@contextlib.asynccontextmanager
async def make_run_stack(folder: Path) -> AsyncIterator[RunningStack]:
    """Run ``python -m scripts.run_stack`` (what ``make run`` runs) with its data in ``folder``
    until it says it is up; stop it (SIGTERM, as Ctrl-C) on the way out."""
    temporal, ui, platform, web = (free_port() for _ in range(4))
    # As on a fresh machine: none of this environment's own settings (its archive, its keys).
    inherited = {k: v for k, v in os.environ.items() if not k.startswith(("DR_", "TEMPORAL_"))}
    env = {
        **inherited,
        "DR_STACK_VAR_DIR": str(folder),
        "DR_STACK_TEMPORAL_PORT": str(temporal),
        "DR_STACK_TEMPORAL_UI_PORT": str(ui),
        "DR_STACK_PLATFORM_PORT": str(platform),
        "DR_STACK_WEB_PORT": str(web),
    }
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "scripts.run_stack",
        cwd=ROOT,
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    assert process.stdout is not None
    said: list[str] = []
    while STACK_READY not in (said[-1] if said else ""):
        line = await process.stdout.readline()
        if not line:
            await process.wait()
            raise RuntimeError("make run's stack did not start:\n" + "".join(said[-30:]))
        said.append(line.decode())
    # Keep reading what it says (restarts, if any), so its pipe never fills.
    drain = asyncio.create_task(process.stdout.read())
    try:
        yield RunningStack(folder, f"127.0.0.1:{temporal}", f"http://127.0.0.1:{web}")
    finally:
        process.send_signal(signal.SIGTERM)
        await process.wait()
        await drain


def cpu_seconds(pid: int) -> float:
    """CPU time (user and system) a process has used so far, from Linux's /proc."""
    fields = (Path("/proc") / str(pid) / "stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
