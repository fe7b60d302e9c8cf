"""How an HTTP answer from a platform service turns into retry or give-up for Temporal."""

from __future__ import annotations

import httpx
from temporalio.exceptions import ApplicationError

from activities.steps import failure_message

# Answers worth asking again: the service may be overloaded, restarting or racing us.
RETRYABLE_STATUS = frozenset({408, 409, 425, 429, 500, 502, 503, 504})


def raise_for_service_status(response: httpx.Response, service: str) -> None:
    """Raise a retryable error for transient failures and a non-retryable one for the rest.

    Error messages name the service and the status only: bodies may echo personal data.
    """
    if response.is_success:
        return
    status = response.status_code
    message = failure_message("http_status", service=service, status=status)
    if status in RETRYABLE_STATUS:
        raise ApplicationError(message, type="ServiceUnavailable")
    raise ApplicationError(message, type="ServiceRefused", non_retryable=True)
