"""What each activity is called where people read about it, and which service it talks to:
one table for the review's timeline and blocks, the "retrying" line and activity failures."""

from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True)
class Step:
    """An activity as people know it."""

    name: str
    """What a person calls the step: "account change"."""
    service: str
    """The platform service it needs: "account status service"."""


STEPS = {
    "load_review_policy": Step("loading the policy", "policy"),
    "gather_evidence": Step("gathering evidence", "evidence source"),
    "place_interim_hold": Step("interim hold", "account status service"),
    "apply_enforcement": Step("account change", "account status service"),
    "send_notice": Step("message", "notification gateway"),
    "archive_case_record": Step("case record", "decision archive"),
}


EVIDENCE_SERVICE = STEPS["gather_evidence"].service + " "
"""How the service behind one evidence source is named: this, then the source ("evidence source
telematics")."""


def step_of(activity_type: str) -> Step:
    """The step an activity type is, or the type itself for one this table does not know."""
    return STEPS.get(activity_type, Step(activity_type, activity_type))


FAILURES: dict[str, str] = {
    "connection_refused": "{service}: connection refused",
    "timed_out": "{service}: timed out",
    "connection_dropped": "{service}: connection dropped",
    "network_error": "{service}: network error ({kind})",
    "database_unavailable": "{service}: database unavailable ({kind})",
    "off_contract": "{service}: answer does not match the contract ({fields})",
    "cannot_retry": "{activity} failed with {kind}, which retrying cannot fix",
    "http_status": "{service} answered HTTP {status}",
    "malformed_evidence": "{service} sent malformed data ({fields})",
    "wrong_evidence": "{service} sent {kind} data",
}
"""Every reason an activity fails with, by code, in English with named parameters. Temporal
carries only the message, so readers get the code back with ``read_failure``."""


def failure_message(code: str, **params: object) -> str:
    """The message of failure ``code`` with its parameters filled in."""
    return FAILURES[code].format(**params)


def _pattern(wording: str) -> re.Pattern[str]:
    parts = re.split(r"\{(\w+)\}", wording)
    regex = "".join(
        f"(?P<{part}>.+?)" if i % 2 else re.escape(part) for i, part in enumerate(parts)
    )
    return re.compile(f"^{regex}$")


_PATTERNS = {code: _pattern(wording) for code, wording in FAILURES.items()}


def read_failure(message: str) -> tuple[str, dict[str, str]] | None:
    """The code and parameters of a message ``failure_message`` wrote (None for any other)."""
    for code, pattern in _PATTERNS.items():
        if found := pattern.match(message):
            return code, found.groupdict()
    return None
