"""Which callers may do what in the web app and API.

The workflow's lifecycle rules decide every request a person makes of a review, roles included
(review/actions.py declares them): the web app only needs a signed-in person to pass one on.
This table covers what the app itself serves: reading reviews, reports and the access log,
decoding history, starting reviews and adding notes to closed reviews' case records (the
workflow may be gone by then, so the archive, not the workflow, takes those), so that an intake
token can start reviews and nothing else (HTTP 403 with the reason).
"""

from __future__ import annotations

from enum import StrEnum

from review.actions import BY_UPDATE
from review.models import PersonRole
from webapp.people import Caller


class Permission(StrEnum):
    """Things a caller can ask the app to do."""

    START_REVIEW = "start_review"
    READ_REVIEWS = "read_reviews"
    ACT_ON_REVIEWS = "act_on_reviews"
    """Ask something of a review; which person may ask what is the workflow's to decide."""
    DECODE_HISTORY = "decode_history"
    READ_REPORTS = "read_reports"
    READ_ACCESS_LOG = "read_access_log"
    NOTE_CLOSED_REVIEWS = "add_notes_to_closed_reviews"
    """Add a note to a closed review's case record, in the archive."""
    READ_PERSON_RECORDS = "read_person_records"
    """Give a rider or driver their own records (the platform's app asks for them)."""
    FILE_APPEALS = "file_appeals"
    """File a rider's or driver's appeal of a decision (the platform's app, for them)."""
    ANSWER_NOTICES = "answer_notices_of_intent"
    """Send a driver's answer to a notice of intent at their hearing (the platform's app)."""
    AUDIT_DECISIONS = "audit_decisions"
    """Work the QA queue: score sampled decisions."""
    READ_QA_FEEDBACK = "read_qa_feedback"
    """Read what QA found: a specialist their own decisions' audits, a lead every one."""
    READ_METRICS = "read_metrics"
    """Read the team's numbers: the metrics API, the dashboard, transparency reports."""
    RUN_CALIBRATION = "run_calibration"
    """Make calibration rounds of past cases and read how they went."""
    TAKE_CALIBRATION = "take_calibration"
    """Answer the calibration rounds one is asked to (specialists), blind."""


_PEOPLE = frozenset(PersonRole)

PERSON_PERMISSIONS: dict[Permission, frozenset[PersonRole]] = {
    Permission.START_REVIEW: frozenset({PersonRole.OPERATOR}),
    Permission.READ_REVIEWS: _PEOPLE,
    Permission.ACT_ON_REVIEWS: _PEOPLE,
    Permission.DECODE_HISTORY: frozenset({PersonRole.LEAD, PersonRole.OPERATOR}),
    # The written record is for the people who decide and audit decisions; operators repair
    # workflows and have no need to read case files.
    Permission.READ_REPORTS: frozenset({PersonRole.SPECIALIST, PersonRole.LEAD, PersonRole.QA}),
    Permission.READ_ACCESS_LOG: frozenset({PersonRole.LEAD, PersonRole.OPERATOR}),
    # Quality review happens after closing: QA audits decided cases and leads answer for them.
    # Both read reports, so they see the record they annotate.
    Permission.NOTE_CLOSED_REVIEWS: frozenset({PersonRole.QA, PersonRole.LEAD}),
    # Staff read case records as such; this is the account holder's own copy.
    Permission.READ_PERSON_RECORDS: frozenset(),
    # A person appeals through the platform's app; staff hear appeals, they do not file them.
    Permission.FILE_APPEALS: frozenset(),
    # The person answers for themselves, through the app; staff read the answer on the review.
    Permission.ANSWER_NOTICES: frozenset(),
    # Auditors are neither the people audited nor those who answer for them.
    Permission.AUDIT_DECISIONS: frozenset({PersonRole.QA}),
    Permission.READ_QA_FEEDBACK: frozenset(
        {PersonRole.SPECIALIST, PersonRole.LEAD, PersonRole.QA}
    ),
    Permission.READ_METRICS: frozenset({PersonRole.LEAD, PersonRole.QA, PersonRole.OPERATOR}),
    Permission.RUN_CALIBRATION: frozenset({PersonRole.LEAD, PersonRole.QA}),
    Permission.TAKE_CALIBRATION: frozenset({PersonRole.SPECIALIST}),
}
PERSONS_OWN = frozenset(
    {Permission.READ_PERSON_RECORDS, Permission.FILE_APPEALS, Permission.ANSWER_NOTICES}
)
"""What the platform's app asks for an account holder, never staff."""
INTAKE_PERMISSIONS = frozenset({Permission.START_REVIEW})
"""What every intake client may ask. One whose token says ``person_records`` (the platform's
app) may also ask what PERSONS_OWN holds: fetch account holders' own records for them, file
their appeals and send their answers to notices of intent."""


def allowed(caller: Caller, permission: Permission) -> bool:
    """Whether the caller may ask for ``permission``."""
    if caller.kind == "intake":
        if permission in PERSONS_OWN:
            return caller.person_records
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


def may(caller: Caller | None, name: str) -> bool:
    """Whether to offer ``caller`` a thing by name: an action's update name (as its rules in
    review/actions.py say, by role) or a Permission."""
    if caller is None:
        return False
    action = BY_UPDATE.get(name)
    if action is None:
        return allowed(caller, Permission(name))
    return caller.person is not None and action.may(caller.person.role)
