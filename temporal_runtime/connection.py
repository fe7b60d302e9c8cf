"""Connect to any Temporal: the local dev server, a self-hosted cluster or Temporal Cloud.

Connection settings come from Temporal's standard environment configuration, read by the SDK
(``temporalio.envconfig``): ``TEMPORAL_ADDRESS``, ``TEMPORAL_NAMESPACE``, ``TEMPORAL_API_KEY``,
``TEMPORAL_TLS_CLIENT_CERT_PATH``, ``TEMPORAL_TLS_CLIENT_KEY_PATH``,
``TEMPORAL_TLS_SERVER_CA_CERT_PATH``, ``TEMPORAL_TLS_SERVER_NAME``, or a profile from
``TEMPORAL_CONFIG_FILE`` / ``TEMPORAL_PROFILE``. With nothing set it connects to
``localhost:7233``, namespace ``default``: the dev server ``make run`` starts.
"""

from __future__ import annotations

import dataclasses
import os
import sys
from collections.abc import Mapping
from typing import NoReturn

from temporalio.client import Client
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.converter import DataConverter, DefaultFailureConverterWithEncodedAttributes
from temporalio.envconfig import ClientConfigProfile
from temporalio.runtime import PrometheusConfig, Runtime, TelemetryConfig
from temporalio.service import RetryConfig

from temporal_runtime.encryption import EncryptionCodec, KeyRing, load_key_ring

TASK_QUEUE = os.environ.get("DR_TASK_QUEUE", "deactivation-review")
"""The task queue reviews run on."""

DEFAULT_ADDRESS = "localhost:7233"

PERSON_FACING_RETRY = RetryConfig(
    initial_interval_millis=100,
    max_interval_millis=500,
    max_elapsed_time_millis=1500,
    max_retries=3,
)
"""For clients a person waits on (the web app): ride out a blip, then say "try again" (503)
within two seconds instead of retrying for ten while the page hangs."""


def connect_config(env: Mapping[str, str] | None = None) -> dict[str, object]:
    """The keyword arguments for ``Client.connect`` from the environment (or ``env``)."""
    profile = ClientConfigProfile.load(override_env_vars=env)
    config: dict[str, object] = dict(profile.to_client_connect_config())
    config.setdefault("target_host", DEFAULT_ADDRESS)
    config.setdefault("namespace", "default")
    return config


def data_converter(keys: KeyRing) -> DataConverter:
    """Pydantic models in, ciphertext out: every payload and failure message is encrypted.

    The worker, starter.py, the web app and the Replayer must all use this same converter.
    """
    return dataclasses.replace(
        pydantic_data_converter,
        payload_codec=EncryptionCodec(keys),
        # Failure messages and stack traces can quote data: encode them as payloads too.
        failure_converter_class=DefaultFailureConverterWithEncodedAttributes,
    )


METRICS_ADDRESS_VARIABLE = "DR_WORKER_METRICS_ADDRESS"


def metrics_runtime(env: Mapping[str, str] | None = None) -> Runtime | None:
    """A Temporal runtime that serves the SDK's own metrics (workflow and activity task
    latencies, slots, polls, sticky cache...) for Prometheus on ``DR_WORKER_METRICS_ADDRESS``
    (``host:port``); None when it is not set. ValueError naming the variable when invalid."""
    address = (os.environ if env is None else env).get(METRICS_ADDRESS_VARIABLE, "").strip()
    if not address:
        return None
    host, _, port = address.rpartition(":")
    if not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise ValueError(f"{METRICS_ADDRESS_VARIABLE}: expected host:port, got {address!r}")
    return Runtime(telemetry=TelemetryConfig(metrics=PrometheusConfig(bind_address=address)))


async def connect(
    env: Mapping[str, str] | None = None,
    retry_config: RetryConfig | None = None,
    runtime: Runtime | None = None,
) -> Client:
    """A client that speaks our pydantic models, encrypted, connected per the environment
    (``retry_config``: how long a call retries while Temporal is unreachable; ``runtime``: the
    SDK runtime, e.g. one serving metrics)."""
    config = connect_config(env)
    target = str(config.pop("target_host"))
    converter = data_converter(load_key_ring(env))
    if retry_config is not None:
        config["retry_config"] = retry_config
    if runtime is not None:
        config["runtime"] = runtime
    return await Client.connect(target, data_converter=converter, **config)  # type: ignore[arg-type]


def exit_process(code: int) -> NoReturn:
    """Flush output and exit without interpreter teardown.

    The SDK's Rust threads can touch Python while CPython finalizes, aborting a process that
    already finished its work (temporalio/sdk-python#300). Every entry point that held a
    Temporal client exits through here so its exit code is the one it meant.
    """
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)
