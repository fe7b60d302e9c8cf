"""Every fault is visible and none is a 500: a service that refuses connections shows on the
review as a short reason, an error no retry can fix blocks the step at once, and impossible
input is refused at intake."""

from __future__ import annotations

import asyncio
import shutil
from pathlib import Path

import httpx
import pytest
from pydantic import BaseModel, ValidationError
from temporalio.exceptions import ApplicationError
from temporalio.testing import WorkflowEnvironment

from activities.failures import failure_for
from activities.steps import FAILURES, failure_message, read_failure
from notifications.rendering import TEMPLATES_DIR, MessageRenderer
from review.matrix import ReviewPolicy
from review.models import EnforcementAction, ReviewStatus
from tests.conftest import BIN, WorkerFactory, free_port, review_request, served
from tests.review_steps import claim_and_decide, wait_for_status
from webapp.app import create_app
from webapp.services import WebServices
from workflows.client import RetryingStep, ReviewClient

INTAKE = {"Authorization": "Bearer demo-intake-token"}
SUSPENSION = {"category": "dangerous_driving", "severity": "high"}


@pytest.mark.parametrize("code", list(FAILURES))
def test_every_failure_reason_reads_back_as_its_code_and_parameters(code: str) -> None:
    # Temporal carries only the message; readers word it from the code in their language.
    params = {
        "service": "evidence source telematics",
        "kind": "OverflowError",
        "fields": "account_id, status",
        "activity": "send_notice",
        "status": "503",
    }
    message = failure_message(code, **params)
    read = read_failure(message)
    assert read is not None and read[0] == code
    assert read[1] == {name: params[name] for name in read[1]}


def test_a_message_no_activity_wrote_reads_as_no_failure_reason() -> None:
    assert read_failure("the dog ate it") is None


def test_a_refused_connection_is_a_short_retryable_reason_naming_the_service() -> None:
    refused = httpx.ConnectError("[Errno 111] Connection refused to http://10.0.0.1/accounts/x")

    failure = failure_for(refused, "apply_enforcement")

    assert isinstance(failure, ApplicationError)
    assert failure.message == "account status service: connection refused"
    assert not failure.non_retryable
    assert failure.__cause__ is None


def test_an_error_no_retry_can_fix_fails_at_once_without_quoting_its_data() -> None:
    failure = failure_for(OverflowError("date value out of range: Ana López"), "send_notice")

    assert isinstance(failure, ApplicationError)
    assert failure.non_retryable
    assert failure.message == "send_notice failed with OverflowError, which retrying cannot fix"
    assert "Ana" not in str(failure)


def test_an_answer_off_the_contract_is_retried_naming_the_fields_not_their_values() -> None:
    class Answer(BaseModel):
        account_id: str
        status: str

    with pytest.raises(ValidationError) as invalid:
        Answer.model_validate({"name": "Ana López"})

    failure = failure_for(invalid.value, "place_interim_hold")

    assert isinstance(failure, ApplicationError) and not failure.non_retryable
    assert failure.message == (
        "account status service: answer does not match the contract (account_id, status)"
    )


def test_our_own_classified_errors_pass_unchanged() -> None:
    ours = ApplicationError("account status service answered HTTP 404", non_retryable=True)

    assert failure_for(ours, "apply_enforcement") is ours


async def test_a_review_shows_the_account_change_it_keeps_retrying_and_why(
    dev_env: WorkflowEnvironment, review_worker: WorkerFactory, api: httpx.AsyncClient
) -> None:
    closed_port = free_port()
    async with review_worker(
        dev_env.client, accounts_url=f"http://127.0.0.1:{closed_port}"
    ) as worker:
        reviews = ReviewClient(dev_env.client, worker.task_queue)
        started = await reviews.start(review_request(**SUSPENSION))
        await claim_and_decide(reviews, started.review_id)
        steps: list[RetryingStep] = []
        for _ in range(100):
            steps = await reviews.retrying_steps(started.review_id)
            if steps and steps[0].attempt >= 2:
                break
            await asyncio.sleep(0.2)

    assert len(steps) == 1
    assert steps[0].step == "account change"
    assert steps[0].last_failure == "account status service: connection refused"
    assert steps[0].describe().startswith("retrying account change since ")
    assert steps[0].describe().endswith(": account status service: connection refused")


async def test_a_message_that_cannot_render_blocks_actioning_at_once_and_escalates(
    time_skipping_env: WorkflowEnvironment,
    review_worker: WorkerFactory,
    shipped_policy: tuple[ReviewPolicy, MessageRenderer],
    tmp_path: Path,
) -> None:
    templates = tmp_path / "templates"
    shutil.copytree(TEMPLATES_DIR, templates)
    for template in templates.glob("*/reported_account/*.txt.j2"):
        template.write_text(template.read_text() + "{{ c.no_such_field }}\n")
    shipped = shipped_policy[1]
    broken = MessageRenderer(templates, shipped.guidelines, shipped.markets)
    async with review_worker(time_skipping_env.client, renderer=broken) as worker:
        reviews = ReviewClient(time_skipping_env.client, worker.task_queue)
        started = await reviews.start(review_request(category="fraud", severity="low"))
        await claim_and_decide(
            reviews, started.review_id, EnforcementAction.WARNING, env=time_skipping_env
        )
        state = await wait_for_status(
            reviews, started.review_id, ReviewStatus.ACTIONING, env=time_skipping_env
        )
        for _ in range(50):
            state = await reviews.state(started.review_id)
            if state.actioning_blocked:
                break
            await asyncio.sleep(0.1)

    assert state.actioning_blocked is not None
    assert state.actioning_blocked.startswith("outcome_notice message: send_notice failed with")
    assert state.actioning_blocked.endswith("which retrying cannot fix")
    assert state.escalated


@pytest.mark.parametrize(
    "reported_at",
    ["0001-01-01T00:00:00Z", "0001-01-01T00:00:00+05:00", "1999-12-31T23:59:59Z"],
)
async def test_intake_refuses_a_time_before_2000_naming_the_field(
    api: httpx.AsyncClient, reported_at: str
) -> None:
    body = review_request().model_dump(mode="json") | {"reported_at": reported_at}

    answer = await api.post("/api/v1/reviews", json=body, headers=INTAKE)

    assert answer.status_code == 422
    assert answer.json()["errors"] == [
        {"field": "reported_at", "problem": "Value error, must be on or after 2000-01-01"}
    ]


async def test_the_cli_shows_the_short_reason_through_the_codec_endpoint(
    dev_env: WorkflowEnvironment, review_worker: WorkerFactory, web_services: WebServices
) -> None:
    async with review_worker(
        dev_env.client, accounts_url=f"http://127.0.0.1:{free_port()}"
    ) as worker:
        reviews = ReviewClient(dev_env.client, worker.task_queue)
        started = await reviews.start(review_request(**SUSPENSION))
        await claim_and_decide(reviews, started.review_id)
        for _ in range(100):  # the first attempt fails within a second
            if await reviews.retrying_steps(started.review_id):
                break
            await asyncio.sleep(0.1)
        async with served(create_app(web_services)) as url:
            cli = await asyncio.create_subprocess_exec(
                str(BIN / "temporal"),
                *("workflow", "describe", "-w", started.review_id),
                *("--address", dev_env.client.service_client.config.target_host),
                *("--codec-endpoint", f"{url}/codec", "--codec-auth", "Bearer demo-luis-token"),
                stdout=asyncio.subprocess.PIPE,
            )
            shown, _ = await asyncio.wait_for(cli.communicate(), 30)

    pending = shown.decode().split("Pending Activities:")[1]
    assert "apply_enforcement" in pending
    assert '"message":"account status service: connection refused"' in pending


async def test_intake_refuses_an_unknown_market_naming_the_field_and_the_configured_ones(
    api: httpx.AsyncClient,
) -> None:
    body = review_request().model_dump(mode="json")
    body["account"]["market"] = "bogota"

    answer = await api.post("/api/v1/reviews", json=body, headers=INTAKE)

    assert answer.status_code == 422
    (error,) = answer.json()["errors"]
    assert error["field"] == "account.market"
    assert error["problem"].startswith("unknown market 'bogota'; the configured markets are ")
    assert "mexico-city" in error["problem"] and "new-york" in error["problem"]
