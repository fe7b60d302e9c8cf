"""Run the deactivation-review worker: ``python worker.py``.

Connects with Temporal's standard environment settings (see temporal_runtime.connection), reads
platform service URLs from ``DR_*`` variables (see activities.platform), and refuses to start
when a policy file is invalid, naming the file, the entry and the problem. With
``DR_WORKER_METRICS_ADDRESS`` (``host:port``) it serves the Temporal SDK's worker metrics for
Prometheus there.

It serves as one build of the Worker Deployment ``DR_DEPLOYMENT_NAME`` (``DR_BUILD_ID``, see
temporal_runtime.deployment), with reviews PINNED to the build they started on. It gets new
reviews once that build is made current (``make run`` does so; in production an operator does,
with ``temporal worker deployment set-current-version``). ``DR_WORKER_VERSIONING=false`` runs it
unversioned.
"""

from __future__ import annotations

import asyncio
import compileall
import inspect
import logging
import signal
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import httpx
from pydantic import ValidationError
from sqlalchemy.exc import SQLAlchemyError
from temporalio.client import Client
from temporalio.worker import Worker, WorkerDeploymentConfig

from activities.accounts import AccountActivities
from activities.appeals import AppealActivities
from activities.evidence import EvidenceActivities
from activities.failures import FailureInterceptor
from activities.notifications import NotificationActivities
from activities.platform import PlatformEndpoints
from activities.policy import PolicyActivities
from activities.read_model import ReadModelActivities
from activities.records import RecordActivities
from decision_archive.appeals import AppealBook
from decision_archive.read_model import ReviewReadModel
from decision_archive.store import DecisionArchive
from notifications.rendering import MessageRenderer
from observability.redaction import configure_logging
from policy import PolicySettings, load_policy
from review.matrix import ReviewPolicy
from review.policy_files import PolicyFileError
from temporal_runtime.connection import TASK_QUEUE, connect, exit_process, metrics_runtime
from temporal_runtime.deployment import DeploymentSettings
from temporal_runtime.encryption import KeyRingError, load_key_ring
from workflows.appeal_review import AppealReview
from workflows.client import ReviewClient
from workflows.deactivation_review import DeactivationReview
from workflows.read_model_sync import keep_mirroring

log = logging.getLogger("deactivation_review.worker")


def build_worker(
    client: Client,
    policy: ReviewPolicy,
    renderer: MessageRenderer,
    endpoints: PlatformEndpoints,
    http: httpx.AsyncClient,
    archive: DecisionArchive,
    task_queue: str = TASK_QUEUE,
    *,
    deployment_config: WorkerDeploymentConfig | None = None,
    workflows: Sequence[type] = (DeactivationReview,),
    **worker_options: Any,
) -> Worker:
    """A worker for review and appeal workflows and their activities (``worker_options`` go to
    Worker).

    ``deployment_config`` makes it one build of a Worker Deployment (see
    ``DeploymentSettings.worker_config``); without it the worker is unversioned, as tests and
    history recording on their own task queues want. ``workflows`` is DeactivationReview; a
    variant registered under the same name stands for a later build's changed code.
    """
    evidence = EvidenceActivities(endpoints, http, archive)
    accounts = AccountActivities(endpoints, http)
    notices = NotificationActivities(endpoints, http, renderer)
    records = RecordActivities(archive)
    read_model = ReadModelActivities(ReviewReadModel.of(archive))
    appeals = AppealActivities(client, AppealBook.of(archive))
    every_workflow = [*workflows, AppealReview]
    for workflow_class in every_workflow:
        compile_for_sandbox(workflow_class)
    return Worker(
        client,
        task_queue=task_queue,
        workflows=every_workflow,
        activities=[
            PolicyActivities(policy).load_review_policy,
            evidence.gather_evidence,
            accounts.place_interim_hold,
            accounts.apply_enforcement,
            accounts.reinstate_account,
            notices.send_notice,
            records.archive_case_record,
            read_model.publish_review,
            appeals.publish_appeal,
            appeals.settle_original_review,
        ],
        deployment_config=deployment_config,
        # Every activity failure reaches Temporal short and classified (activities/failures.py).
        interceptors=[FailureInterceptor()],
        **worker_options,
    )


def compile_for_sandbox(workflow_class: type) -> None:
    """Write the bytecode of the package defining ``workflow_class`` where missing or stale.

    The sandbox imports a workflow's module afresh for each review it starts; without bytecode
    on disk (PYTHONDONTWRITEBYTECODE, as container images often set) every review would compile
    the module from source, which halves how fast the worker takes new reviews. A folder the
    worker may not write to only costs that speed.
    """
    source = inspect.getsourcefile(workflow_class)
    if source is not None:
        # Its package's modules too: the sandbox imports the package afresh as well.
        compileall.compile_dir(Path(source).parent, maxlevels=0, quiet=2)


def describe_build(deployment: DeploymentSettings) -> str:
    """Which build this worker is, for its log: what an operator makes current to route to it."""
    version = deployment.version()
    if version is None:
        return "an unversioned worker"
    return (
        f"build {version.build_id} of deployment {version.deployment_name} (reviews pinned; "
        f"new ones arrive once this build is current)"
    )


async def main() -> int:
    """Serve until SIGINT or SIGTERM, then finish in-flight tasks and stop."""
    configure_logging()
    try:
        policy, renderer = load_policy(PolicySettings())
    except PolicyFileError as err:
        print(f"worker: not starting, a policy file is invalid:\n{err}", file=sys.stderr)
        return 2
    try:
        deployment = DeploymentSettings()
    except ValidationError as err:
        print(f"worker: not starting, invalid deployment settings:\n{err}", file=sys.stderr)
        return 2
    endpoints = PlatformEndpoints()
    try:
        runtime = metrics_runtime()
    except ValueError as err:
        print(f"worker: not starting, {err}", file=sys.stderr)
        return 2
    try:
        client = await connect(runtime=runtime)
        archive = DecisionArchive.from_settings(load_key_ring())
    except KeyRingError as err:
        print(f"worker: not starting, encryption keys: {err}", file=sys.stderr)
        return 2
    except SQLAlchemyError as err:
        # Not the error text: a database error can quote the URL's password.
        print(
            f"worker: cannot open the decision archive ({type(err).__name__}); "
            "check DR_ARCHIVE_URL",
            file=sys.stderr,
        )
        return 2
    except RuntimeError as err:
        print(f"worker: cannot connect to Temporal: {err}", file=sys.stderr)
        return 1
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    async with endpoints.client() as http:
        worker = build_worker(
            client,
            policy,
            renderer,
            endpoints,
            http,
            archive,
            deployment_config=deployment.worker_config(),
        )
        async with worker:
            log.info(
                "serving task queue %s in namespace %s as %s with matrix %s, archive %s",
                worker.task_queue,
                client.namespace,
                describe_build(deployment),
                policy.matrix.version,
                archive.engine.url.render_as_string(hide_password=True),
            )
            # Reviews on builds from before the read model publish nothing: mirror them.
            read_model = ReviewReadModel.of(archive)
            mirror = asyncio.create_task(
                keep_mirroring(
                    ReviewClient(client, worker.task_queue, read_model=read_model), read_model
                )
            )
            await stop.wait()
            log.info("stopping")
            mirror.cancel()
    return 0


if __name__ == "__main__":
    exit_process(asyncio.run(main()))
