"""How the workflows turn a refusal into an update failure, and an activity failure into the
short line they record (shared by the review and appeal workflows)."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

from temporalio.exceptions import ActivityError, ApplicationError

from review.refusals import ERROR_TYPES, ReviewRuleError


@contextlib.contextmanager
def as_update_failure() -> Iterator[None]:
    """A lifecycle refusal becomes a typed update failure naming the field."""
    try:
        yield
    except ReviewRuleError as err:
        raise ApplicationError(
            str(err), err.details(), type=ERROR_TYPES[err.kind], non_retryable=True
        ) from None


def still_being_received() -> ApplicationError:
    """The failure of a request that reaches a workflow before it has its state."""
    refused = ReviewRuleError("conflict", "still_being_received")
    return ApplicationError(
        str(refused), refused.details(), type=ERROR_TYPES["conflict"], non_retryable=True
    )


def failure_reason(err: ActivityError) -> str:
    """The root cause's message, which our activities keep free of personal data."""
    cause: BaseException = err
    while cause.__cause__ is not None:
        cause = cause.__cause__
    if isinstance(cause, ApplicationError):
        return cause.message
    return str(cause) or type(cause).__name__
