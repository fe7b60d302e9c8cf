"""Worker Deployment Versioning: which build a worker is, and making a build current.

Every versioned worker belongs to the Worker Deployment ``DR_DEPLOYMENT_NAME`` (default
``deactivation-review``) as the build ``DR_BUILD_ID``. Reviews are PINNED: a review runs to its
end on the build it started on, so a new build can change the workflow freely and only reviews
started after it became current run its code. Old builds keep serving their reviews until
drained (``temporal worker deployment describe-version`` says when).

The build id defaults to the project's version (``[project] version`` in pyproject.toml, else
the installed package's), not the git commit: ``make run`` restarts its single worker from the
same checkout, and a build id that moved with every commit would leave the reviews of the last
run pinned to a build nobody serves any more. A release sets ``DR_BUILD_ID`` itself (an image
tag or commit) and runs the old build beside the new one until the old one has drained.

``DR_WORKER_VERSIONING=false`` runs an unversioned worker for an operator who needs one (then
route the deployment's new reviews to unversioned workers: ``activate()`` does, as does
``temporal worker deployment set-current-version --unversioned``).

``python -m temporal_runtime.deployment`` makes the configured build current (``make run`` does
this once its worker polls).
"""

from __future__ import annotations

import argparse
import asyncio
import importlib.metadata
import sys
import tomllib
from collections.abc import Mapping
from pathlib import Path

from pydantic import Field, ValidationError, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict
from temporalio.api.workflowservice.v1 import (
    DescribeWorkerDeploymentRequest,
    SetWorkerDeploymentCurrentVersionRequest,
)
from temporalio.client import Client
from temporalio.common import VersioningBehavior, WorkerDeploymentVersion
from temporalio.service import RPCError, RPCStatusCode
from temporalio.worker import WorkerDeploymentConfig

from temporal_runtime.connection import connect_config

DEFAULT_DEPLOYMENT_NAME = "deactivation-review"
PROJECT = "deactivation-review"
PYPROJECT = Path(__file__).resolve().parent.parent / "pyproject.toml"

# Until the server has seen a poller of the build it answers NOT_FOUND (no such deployment or
# build) or FAILED_PRECONDITION (not every task queue polled yet); the deployment's own
# bookkeeping can be busy for a moment too (RESOURCE_EXHAUSTED, ABORTED). All worth waiting out.
_NOT_YET = frozenset(
    {
        RPCStatusCode.NOT_FOUND,
        RPCStatusCode.FAILED_PRECONDITION,
        RPCStatusCode.RESOURCE_EXHAUSTED,
        RPCStatusCode.ABORTED,
        RPCStatusCode.UNAVAILABLE,
    }
)
_RETRY_EVERY = 0.2


class DeploymentError(Exception):
    """A build could not be made current; the message says which and why."""


def project_version(pyproject: Path = PYPROJECT) -> str | None:
    """The project's version: pyproject.toml in a checkout, else the installed package's."""
    try:
        version = tomllib.loads(pyproject.read_text(encoding="utf-8"))["project"]["version"]
        return str(version)
    except (OSError, KeyError, tomllib.TOMLDecodeError):
        pass
    try:
        return importlib.metadata.version(PROJECT)
    except importlib.metadata.PackageNotFoundError:
        return None


class DeploymentSettings(BaseSettings):
    """Which Worker Deployment Version this worker is (``DR_DEPLOYMENT_NAME``, ``DR_BUILD_ID``),
    or ``DR_WORKER_VERSIONING=false`` for an unversioned worker."""

    model_config = SettingsConfigDict(env_prefix="DR_", extra="ignore")

    # No dots: the SDK and CLI write a version as "<deployment>.<build id>".
    deployment_name: str = Field(
        default=DEFAULT_DEPLOYMENT_NAME, pattern=r"^[A-Za-z0-9][A-Za-z0-9_-]*$", max_length=255
    )
    build_id: str | None = Field(
        default=None, pattern=r"^[A-Za-z0-9][A-Za-z0-9._+-]*$", max_length=255
    )
    worker_versioning: bool = True

    @model_validator(mode="after")
    def _default_build_id(self) -> DeploymentSettings:
        if self.build_id is None and self.worker_versioning:
            self.build_id = project_version()
            if self.build_id is None:
                raise ValueError("no project version to use as the build id; set DR_BUILD_ID")
        return self

    def version(self) -> WorkerDeploymentVersion | None:
        """This worker's Deployment Version, or None when it runs unversioned."""
        if not self.worker_versioning or self.build_id is None:
            return None
        return WorkerDeploymentVersion(deployment_name=self.deployment_name, build_id=self.build_id)

    def worker_config(self) -> WorkerDeploymentConfig | None:
        """The Worker's ``deployment_config``: this version, reviews PINNED; None unversioned."""
        version = self.version()
        if version is None:
            return None
        return pinned_deployment(version)


def pinned_deployment(version: WorkerDeploymentVersion) -> WorkerDeploymentConfig:
    """A versioned worker's config whose workflows default to PINNED (a workflow type that
    declares its own ``versioning_behavior`` keeps it)."""
    return WorkerDeploymentConfig(
        version=version,
        use_worker_versioning=True,
        default_versioning_behavior=VersioningBehavior.PINNED,
    )


async def current_version(client: Client, deployment_name: str) -> WorkerDeploymentVersion | None:
    """The deployment's current version; None when unversioned workers get new reviews (or the
    deployment does not exist yet)."""
    try:
        described = await client.workflow_service.describe_worker_deployment(
            DescribeWorkerDeploymentRequest(
                namespace=client.namespace, deployment_name=deployment_name
            ),
            retry=True,
        )
    except RPCError as err:
        if err.status == RPCStatusCode.NOT_FOUND:
            return None
        raise
    current = described.worker_deployment_info.routing_config.current_deployment_version
    if not current.build_id:
        return None
    return WorkerDeploymentVersion(deployment_name=deployment_name, build_id=current.build_id)


async def set_current_version(
    client: Client, deployment_name: str, build_id: str | None, *, within: float = 60.0
) -> None:
    """Make ``build_id`` the deployment's current version: new reviews start on it (and stay
    there, pinned). ``None`` sends new reviews to unversioned workers instead.

    The server only knows a build once one of its workers has polled, so this waits up to
    ``within`` seconds for that; then raises DeploymentError. Setting the version that is
    already current changes nothing.
    """
    loop = asyncio.get_running_loop()
    deadline = loop.time() + within
    request = SetWorkerDeploymentCurrentVersionRequest(
        namespace=client.namespace,
        deployment_name=deployment_name,
        build_id=build_id or "",
        identity=client.identity,
    )
    while True:
        try:
            await client.workflow_service.set_worker_deployment_current_version(request, retry=True)
            return
        except RPCError as err:
            if build_id is None and err.status == RPCStatusCode.NOT_FOUND:
                return  # no such deployment: nothing routes to a versioned build anyway
            if err.status not in _NOT_YET:
                raise
            if loop.time() >= deadline:
                what = f"build {build_id}" if build_id else "unversioned workers"
                raise DeploymentError(
                    f"could not make {what} current for deployment {deployment_name} "
                    f"within {within:g} s: {err.message}"
                    + (f" (is a worker with DR_BUILD_ID={build_id} polling?)" if build_id else "")
                ) from err
        await asyncio.sleep(_RETRY_EVERY)


async def activate(
    settings: DeploymentSettings | None = None,
    env: Mapping[str, str] | None = None,
    *,
    within: float = 60.0,
) -> str:
    """Make the configured build (``DR_*`` settings) current, connecting per the environment;
    with ``DR_WORKER_VERSIONING=false``, route the deployment to unversioned workers. Returns a
    line saying what is current now."""
    settings = settings or DeploymentSettings()
    config = connect_config(env)
    target = str(config.pop("target_host"))
    # Routing needs no payloads: a plain client, so no encryption keys are needed here.
    client = await Client.connect(target, **config)  # type: ignore[arg-type]
    version = settings.version()
    await set_current_version(
        client, settings.deployment_name, version.build_id if version else None, within=within
    )
    if version is None:
        return f"deployment {settings.deployment_name}: new reviews go to unversioned workers"
    return (
        f"deployment {settings.deployment_name}: build {version.build_id} is current; "
        "new reviews start on it and stay pinned to it"
    )


def main(argv: list[str] | None = None) -> int:
    """Make the configured build current; exit 2 on invalid settings, 1 when it cannot."""
    parser = argparse.ArgumentParser(description="Make this build the current version.")
    parser.add_argument(
        "--within", type=float, default=60.0, help="seconds to wait for the build's workers"
    )
    args = parser.parse_args(argv)
    try:
        settings = DeploymentSettings()
    except ValidationError as err:
        print(f"deployment: invalid DR_DEPLOYMENT_NAME / DR_BUILD_ID: {err}", file=sys.stderr)
        return 2
    try:
        print(asyncio.run(activate(settings, within=args.within)))
    except DeploymentError as err:
        print(f"deployment: {err}", file=sys.stderr)
        return 1
    except RPCError as err:
        print(f"deployment: Temporal refused: {err.message}", file=sys.stderr)
        return 1
    except RuntimeError as err:
        print(f"deployment: cannot connect to Temporal: {err}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    from temporal_runtime.connection import exit_process

    exit_process(main())
