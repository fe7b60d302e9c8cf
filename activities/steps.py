"""What each activity is called where people read about it, and which service it talks to:
one table for the review's timeline and blocks, the "retrying" line and activity failures."""

from __future__ import annotations

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


def step_of(activity_type: str) -> Step:
    """The step an activity type is, or the type itself for one this table does not know."""
    return STEPS.get(activity_type, Step(activity_type, activity_type))
