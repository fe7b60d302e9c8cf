"""How an activity's failure reaches Temporal: short, free of personal data, and retryable only
when a retry can help.

Every activity runs through ``FailureInterceptor``:
- our own ``ApplicationError``s (a service's HTTP status, malformed evidence) pass unchanged;
- a network failure (refused connection, timeout) becomes a one-line retryable error such as
  "account status service: connection refused", with no exception chain or long stack trace,
  so the pending activity shows the reason in the web app and the Temporal Web UI instead of
  "Failure exceeds size limit"; so does an answer that does not match the contract (the
  service can fix it; the reason names the fields, never their values), and a database that is
  down or locked;
- anything else (a template that cannot render this input, a date out of range) is an error
  no retry can fix: it fails at once, so the workflow blocks the step visibly and escalates
  instead of retrying forever.
"""

from __future__ import annotations

from typing import Any

import httpx
from pydantic import ValidationError
from sqlalchemy.exc import InterfaceError, OperationalError
from temporalio import activity
from temporalio.exceptions import ApplicationError, CancelledError
from temporalio.worker import (
    ActivityInboundInterceptor,
    ExecuteActivityInput,
    Interceptor,
)

from activities.steps import failure_message, step_of
from review.policy_files import entry_path


def network_failure(err: httpx.TransportError, service: str) -> str:
    """What went wrong on the wire, in a few words (never the URL: it may hold an id)."""
    if isinstance(err, httpx.ConnectError):
        return failure_message("connection_refused", service=service)
    if isinstance(err, httpx.TimeoutException):
        return failure_message("timed_out", service=service)
    if isinstance(err, httpx.RemoteProtocolError):
        return failure_message("connection_dropped", service=service)
    return failure_message("network_error", service=service, kind=type(err).__name__)


def failure_for(err: BaseException, activity_type: str) -> BaseException:
    """The error to hand Temporal for ``err`` raised by an activity of ``activity_type``."""
    if isinstance(err, ApplicationError | CancelledError):
        return err
    service = step_of(activity_type).service
    if isinstance(err, httpx.TransportError):
        return ApplicationError(network_failure(err, service), type="ServiceUnreachable")
    if isinstance(err, OperationalError | InterfaceError):
        # The database is down, locked or restarting: worth asking again.
        return ApplicationError(
            failure_message("database_unavailable", service=service, kind=type(err).__name__),
            type="ServiceUnreachable",
        )
    if isinstance(err, ValidationError):
        fields = ", ".join(sorted({entry_path(e["loc"]) or "body" for e in err.errors()}))
        return ApplicationError(
            failure_message("off_contract", service=service, fields=fields),
            type="MalformedAnswer",
        )
    # The message of an unexpected error may quote the data it choked on: name the type only.
    return ApplicationError(
        failure_message("cannot_retry", activity=activity_type, kind=type(err).__name__),
        type="PermanentFailure",
        non_retryable=True,
    )


class _FailureInbound(ActivityInboundInterceptor):
    async def execute_activity(self, input: ExecuteActivityInput) -> Any:
        try:
            return await self.next.execute_activity(input)
        except Exception as err:  # asyncio.CancelledError (a BaseException) passes as it is
            replacement = failure_for(err, activity.info().activity_type)
            if replacement is err:
                raise
            activity.logger.warning("activity failed: %s (%s)", replacement, type(err).__name__)
            raise replacement from None


class FailureInterceptor(Interceptor):
    """Worker interceptor that turns every activity failure into a short, classified one."""

    def intercept_activity(self, next: ActivityInboundInterceptor) -> ActivityInboundInterceptor:
        """Wrap each activity execution."""
        return _FailureInbound(next)
