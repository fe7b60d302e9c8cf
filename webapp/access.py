"""Which callers may do what in the web app and API.

The workflow enforces the review rules (four eyes, assignee only, ...); this table decides who
may even ask, so an intake token cannot decide and a specialist cannot give a second review
(HTTP 403 with the reason).
"""

from __future__ import annotations

from enum import StrEnum

from review.models import PersonRole
from webapp.people import Caller


class Permission(StrEnum):
    """Things a caller can ask the app to do."""

    START_REVIEW = "start_review"
    READ_REVIEWS = "read_reviews"
    CLAIM = "claim"
    DECIDE = "decide"
    SECOND_REVIEW = "second_review"
    ADD_NOTE = "add_note"
    REQUEST_MORE_INFO = "request_more_info"
    ESCALATE = "escalate"
    RETRY_ACTIONING = "retry_actioning"
    DECODE_HISTORY = "decode_history"
    READ_REPORTS = "read_reports"
    READ_ACCESS_LOG = "read_access_log"


_PEOPLE = frozenset(PersonRole)
_DECIDERS = frozenset({PersonRole.SPECIALIST, PersonRole.LEAD})

PERSON_PERMISSIONS: dict[Permission, frozenset[PersonRole]] = {
    Permission.START_REVIEW: frozenset({PersonRole.OPERATOR}),
    Permission.READ_REVIEWS: _PEOPLE,
    Permission.CLAIM: _DECIDERS,
    Permission.DECIDE: _DECIDERS,
    Permission.SECOND_REVIEW: frozenset({PersonRole.LEAD}),
    Permission.ADD_NOTE: _PEOPLE,
    Permission.REQUEST_MORE_INFO: _DECIDERS,
    Permission.ESCALATE: _DECIDERS,
    Permission.RETRY_ACTIONING: frozenset({PersonRole.LEAD, PersonRole.OPERATOR}),
    Permission.DECODE_HISTORY: frozenset({PersonRole.LEAD, PersonRole.OPERATOR}),
    # The written record is for the people who decide and audit decisions; operators repair
    # workflows and have no need to read case files.
    Permission.READ_REPORTS: frozenset({PersonRole.SPECIALIST, PersonRole.LEAD, PersonRole.QA}),
    Permission.READ_ACCESS_LOG: frozenset({PersonRole.LEAD, PersonRole.OPERATOR}),
}
INTAKE_PERMISSIONS = frozenset({Permission.START_REVIEW})


def allowed(caller: Caller, permission: Permission) -> bool:
    """Whether the caller may ask for ``permission``."""
    if caller.kind == "intake":
        return permission in INTAKE_PERMISSIONS
    assert caller.person is not None
    return caller.person.role in PERSON_PERMISSIONS[permission]


def refusal(caller: Caller, permission: Permission) -> str:
    """The reason given with a 403."""
    if caller.kind == "intake" or caller.person is None:
        who = "an intake client"
    else:
        role = str(caller.person.role)
        who = f"{'an' if role[0] in 'aeiou' else 'a'} {role}"
    return f"{who} may not {permission.value.replace('_', ' ')}"
