"""Worker Deployment Versioning on the real dev server: a review runs to its end on the build it
started on, new reviews start on the current build, and an upgrade strands none of them."""

from __future__ import annotations

import asyncio
import time
import uuid

import pytest
from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    # The sandbox re-imports this module for ChangedReview; the rest passes through as is.
    from pydantic import ValidationError
    from temporalio.api.enums.v1 import WorkerDeploymentVersionStatus
    from temporalio.api.workflowservice.v1 import DescribeWorkerDeploymentRequest
    from temporalio.client import Client
    from temporalio.common import VersioningBehavior, WorkerDeploymentVersion
    from temporalio.testing import WorkflowEnvironment

    from review import lifecycle
    from review.lifecycle import CarriedReview
    from review.models import ReviewRequest, ReviewState, ReviewStatus
    from temporal_runtime.deployment import (
        DeploymentError,
        DeploymentSettings,
        current_version,
        pinned_deployment,
        project_version,
        set_current_version,
    )
    from tests.conftest import WorkerFactory, review_request
    from tests.review_steps import claim_and_decide, wait_for_status
    from workflows.client import ReviewClient
    from workflows.deactivation_review import DeactivationReview

BUILD_B_MARK = "closed_on_build_b"
WITHIN = 30.0


@workflow.defn(name="DeactivationReview")
class ChangedReview(DeactivationReview):
    """Build B's DeactivationReview: the same review, whose closed case also says it ran on B
    (a change A's reviews never see while they stay pinned to A)."""

    @workflow.run
    async def run(self, review: ReviewRequest | CarriedReview) -> ReviewState:
        """Run the review as before, then mark the closed case as build B's."""
        state = await super().run(review)
        lifecycle.record(state, workflow.now(), BUILD_B_MARK)
        return state


def versioned(
    version: WorkerDeploymentVersion, identity: str, *workflows: type
) -> dict[str, object]:
    """Worker options for one build of the deployment, as worker.py configures it."""
    options: dict[str, object] = {
        "deployment_config": pinned_deployment(version),
        "identity": identity,
    }
    if workflows:
        options["workflows"] = list(workflows)
    return options


async def pinning(client: Client, review_id: str) -> tuple[VersioningBehavior, str]:
    """The review's versioning behaviour and the build it runs on, as Temporal describes it."""
    described = await client.get_workflow_handle(review_id).describe()
    info = described.raw_description.workflow_execution_info.versioning_info
    return VersioningBehavior(info.behavior), info.deployment_version.build_id


async def who_ran(client: Client, review_id: str) -> set[tuple[str, str]]:
    """(worker identity, build id) of every workflow task the review completed, and
    (worker identity, "activity") of every activity it ran."""
    history = await client.get_workflow_handle(review_id).fetch_history()
    ran: set[tuple[str, str]] = set()
    for event in history.events:
        if event.HasField("workflow_task_completed_event_attributes"):
            done = event.workflow_task_completed_event_attributes
            ran.add((done.identity, done.deployment_version.build_id))
        elif event.HasField("activity_task_started_event_attributes"):
            ran.add((event.activity_task_started_event_attributes.identity, "activity"))
    return ran


async def start_reviews(reviews: ReviewClient, count: int) -> list[str]:
    """Start ``count`` reviews and wait until each waits for a specialist."""
    ids = [(await reviews.start(review_request())).review_id for _ in range(count)]
    for review_id in ids:
        await wait_for_status(reviews, review_id, ReviewStatus.AWAITING_DECISION, within=WITHIN)
    return ids


async def decide_and_close(reviews: ReviewClient, review_ids: list[str]) -> dict[str, ReviewState]:
    """Claim and decide each review, then wait (bounded) for its closed case."""
    for review_id in review_ids:
        await claim_and_decide(reviews, review_id)
    return {
        review_id: await asyncio.wait_for(reviews.handle(review_id).result(), WITHIN)
        for review_id in review_ids
    }


async def none_running(client: Client, task_queue: str) -> None:
    """Wait (bounded) until visibility shows no open review on the task queue."""
    query = f"TaskQueue = '{task_queue}' AND ExecutionStatus = 'Running'"
    deadline = time.monotonic() + WITHIN
    while True:
        count = (await client.count_workflows(query)).count
        if count == 0:
            return
        assert time.monotonic() < deadline, f"{count} reviews still open on {task_queue}"
        await asyncio.sleep(0.2)


def fresh_deployment() -> tuple[str, str]:
    """A task queue and deployment name of this test's own (the dev server is shared)."""
    tag = uuid.uuid4().hex[:8]
    return f"versioned-{tag}", f"dr-test-{tag}"


@pytest.mark.devserver
async def test_reviews_started_on_build_a_finish_on_a_while_new_ones_start_on_b(
    dev_env: WorkflowEnvironment, review_worker: WorkerFactory
) -> None:
    client = dev_env.client
    task_queue, deployment = fresh_deployment()
    build_a = WorkerDeploymentVersion(deployment, "build-a")
    build_b = WorkerDeploymentVersion(deployment, "build-b")
    reviews = ReviewClient(client, task_queue)

    async with review_worker(client, task_queue, versioned(build_a, "worker-a")):
        await set_current_version(client, deployment, build_a.build_id, within=WITHIN)
        on_a = await start_reviews(reviews, 2)

        # Deploy build B, with a changed workflow, beside A and make it current.
        async with review_worker(client, task_queue, versioned(build_b, "worker-b", ChangedReview)):
            await set_current_version(client, deployment, build_b.build_id, within=WITHIN)
            assert await current_version(client, deployment) == build_b
            on_b = await start_reviews(reviews, 2)

            for review_id in on_a:
                assert await pinning(client, review_id) == (VersioningBehavior.PINNED, "build-a")
            for review_id in on_b:
                assert await pinning(client, review_id) == (VersioningBehavior.PINNED, "build-b")

            # Every review's next tasks (the people's updates, the account change, the messages,
            # the case record) come after B became current.
            closed = await decide_and_close(reviews, on_a + on_b)

            described = await client.workflow_service.describe_worker_deployment(
                DescribeWorkerDeploymentRequest(
                    namespace=client.namespace, deployment_name=deployment
                )
            )

    for review_id in on_a:
        assert closed[review_id].status is ReviewStatus.CLOSED
        assert BUILD_B_MARK not in [e.event for e in closed[review_id].timeline]
        assert await who_ran(client, review_id) == {
            ("worker-a", "build-a"),
            ("worker-a", "activity"),
        }
    for review_id in on_b:
        assert closed[review_id].status is ReviewStatus.CLOSED
        assert closed[review_id].timeline[-1].event == BUILD_B_MARK
        assert await who_ran(client, review_id) == {
            ("worker-b", "build-b"),
            ("worker-b", "activity"),
        }
    status = {
        summary.deployment_version.build_id: summary.status
        for summary in described.worker_deployment_info.version_summaries
    }
    assert (
        status["build-b"] == WorkerDeploymentVersionStatus.WORKER_DEPLOYMENT_VERSION_STATUS_CURRENT
    )
    assert status["build-a"] in (
        WorkerDeploymentVersionStatus.WORKER_DEPLOYMENT_VERSION_STATUS_DRAINING,
        WorkerDeploymentVersionStatus.WORKER_DEPLOYMENT_VERSION_STATUS_DRAINED,
    )
    await none_running(client, task_queue)


@pytest.mark.devserver
async def test_a_review_started_unversioned_moves_to_the_first_build_made_current(
    dev_env: WorkflowEnvironment, review_worker: WorkerFactory
) -> None:
    # What `make run` meets in var/: reviews started by the unversioned worker of before.
    client = dev_env.client
    task_queue, deployment = fresh_deployment()
    build_a = WorkerDeploymentVersion(deployment, "build-a")
    reviews = ReviewClient(client, task_queue)
    async with review_worker(client, task_queue, {"identity": "unversioned"}):
        (review_id,) = await start_reviews(reviews, 1)

    async with review_worker(client, task_queue, versioned(build_a, "worker-a")):
        await set_current_version(client, deployment, build_a.build_id, within=WITHIN)
        closed = await decide_and_close(reviews, [review_id])

    assert closed[review_id].status is ReviewStatus.CLOSED
    assert await pinning(client, review_id) == (VersioningBehavior.PINNED, "build-a")
    ran = await who_ran(client, review_id)
    assert ("unversioned", "") in ran and ("worker-a", "build-a") in ran
    await none_running(client, task_queue)


@pytest.mark.devserver
async def test_a_build_no_worker_polls_is_not_made_current(dev_env: WorkflowEnvironment) -> None:
    _, deployment = fresh_deployment()
    with pytest.raises(DeploymentError, match="DR_BUILD_ID=nobody"):
        await set_current_version(dev_env.client, deployment, "nobody", within=1)
    # Routing a deployment that does not exist to unversioned workers has nothing to change.
    await set_current_version(dev_env.client, deployment, None, within=1)
    assert await current_version(dev_env.client, deployment) is None


def test_the_review_workflow_leaves_its_versioning_behaviour_to_the_worker() -> None:
    # A behaviour declared on @workflow.defn makes every unversioned worker's workflow tasks
    # fail ("versioning behavior cannot be specified without deployment options being set with
    # versioned mode"): tests, history recording and DR_WORKER_VERSIONING=false run unversioned.
    # Versioned workers pin it through default_versioning_behavior instead.
    defn = workflow._Definition.must_from_class(DeactivationReview)
    assert defn.versioning_behavior in (None, VersioningBehavior.UNSPECIFIED)


def test_a_worker_is_the_project_version_of_the_review_deployment_unless_told(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for name in ("DR_DEPLOYMENT_NAME", "DR_BUILD_ID", "DR_WORKER_VERSIONING"):
        monkeypatch.delenv(name, raising=False)
    config = DeploymentSettings().worker_config()
    assert config is not None
    assert config.version == WorkerDeploymentVersion("deactivation-review", project_version() or "")
    assert config.use_worker_versioning
    assert config.default_versioning_behavior is VersioningBehavior.PINNED

    monkeypatch.setenv("DR_BUILD_ID", "2026-12-02.abc123")
    assert DeploymentSettings().version() == WorkerDeploymentVersion(
        "deactivation-review", "2026-12-02.abc123"
    )

    monkeypatch.setenv("DR_WORKER_VERSIONING", "false")
    assert DeploymentSettings().worker_config() is None


@pytest.mark.parametrize(
    ("name", "value"),
    [("DR_DEPLOYMENT_NAME", "reviews.eu"), ("DR_DEPLOYMENT_NAME", ""), ("DR_BUILD_ID", "a b")],
)
def test_a_deployment_name_or_build_id_temporal_cannot_take_is_refused(
    monkeypatch: pytest.MonkeyPatch, name: str, value: str
) -> None:
    monkeypatch.setenv(name, value)
    with pytest.raises(ValidationError):
        DeploymentSettings()
