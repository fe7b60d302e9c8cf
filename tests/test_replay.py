"""Every history ever committed to tests/histories/ still replays on today's workflow code, so a
deploy never strands a running review. Saved histories are append-only: a workflow change adds
a set recorded from the new code (`make histories TAG=what-changed`) and never rewrites one."""

from __future__ import annotations

import base64
import json
import subprocess
from pathlib import Path

import pytest
from temporalio.client import WorkflowHistory
from temporalio.worker import Replayer

from temporal_runtime.connection import data_converter
from temporal_runtime.encryption import load_key_file
from workflows.appeal_review import AppealReview
from workflows.deactivation_review import DeactivationReview

ROOT = Path(__file__).resolve().parent.parent
HISTORY_DIR = Path(__file__).parent / "histories"
HISTORIES = sorted(HISTORY_DIR.glob("*.json"))
HISTORY_TEXT = {path: path.read_text() for path in HISTORIES}


def workflow_type(text: str) -> str:
    """The workflow a saved history is of (DeactivationReview or AppealReview)."""
    first = json.loads(text)["events"][0]
    return str(first["workflowExecutionStartedEventAttributes"]["workflowType"]["name"])


REVIEW_HISTORIES = [p for p in HISTORIES if workflow_type(HISTORY_TEXT[p]) == "DeactivationReview"]
"""The reviews' histories (the patch rules below are the review workflow's)."""
# The worker's converter and codec; the histories were recorded encrypted with this test key.
CONVERTER = data_converter(load_key_file(HISTORY_DIR / "replay_keys.toml"))

# Commits that rewrote history files before they were append-only. Their earlier versions are
# kept as `*__as_committed_in_<commit>.json`; no other commit may modify or delete one.
REWRITES_BEFORE_THE_RULE = {
    "3546a3fe56103a3fbbdf2da9d9dad60b76fd46e4",
    "c3e03fff69c1c81a1ce19f62ad5651f83edfffac",
    "21410f3bb0c65c54b76d037a8f23aaf928e043d5",
    "6c834850c6636b863be53187e4dfa295d3097507",
}

# 6c83485 sent the hold notice alongside evidence gathering under the "hold-notice" patch id,
# which 21410f3 had already used for sending it before gathering, and re-recorded this history.
# Both shapes carry the same marker at the same point and nothing else in a history tells them
# apart, so no code replays both: the id keeps its first meaning and the alongside shape now
# has its own id ("hold-notice-alongside"). This one recording stays, as committed, to show it.
SHADOWED_BY_A_REUSED_PATCH_ID = {"sla_breached_then_second_review"}


def git(*args: str) -> str:
    """Run git in the repository (the suite runs from a clone, where git knows the history)."""
    return subprocess.run(
        ["git", *args], cwd=ROOT, check=True, capture_output=True, text=True
    ).stdout


def test_there_are_saved_histories_to_replay() -> None:
    assert len(REVIEW_HISTORIES) >= 3
    assert {workflow_type(HISTORY_TEXT[p]) for p in HISTORIES} == {
        "DeactivationReview",
        "AppealReview",
    }


def test_saved_histories_hold_only_ciphertext_since_encryption() -> None:
    encrypted = [p for p in HISTORIES if "as_committed_in_bdb630d" not in p.stem]
    for path in encrypted:
        assert "Recorded scenario for the replay test" not in HISTORY_TEXT[path]
        assert "YmluYXJ5L2VuY3J5cHRlZA" in HISTORY_TEXT[path]  # base64 of binary/encrypted


def test_both_sides_of_the_case_record_patch_are_replayed() -> None:
    # Reviews that closed before the decision archive existed, and reviews that write a record.
    writes = {p: '"archive_case_record"' in HISTORY_TEXT[p] for p in HISTORIES}
    assert any(writes.values()) and not all(writes.values())
    assert all(not writes[p] for p in HISTORIES if p.stem.startswith("before_case_records__"))


def patch_ids(text: str) -> set[str]:
    """The workflow.patched ids a history's markers record."""
    ids: set[str] = set()
    for event in json.loads(text)["events"]:
        marker = event.get("markerRecordedEventAttributes")
        if marker and marker["markerName"] == "core_patch":
            for payload in marker["details"]["patch-data"]["payloads"]:
                ids.add(json.loads(base64.b64decode(payload["data"]))["id"])
    return ids


def test_every_patch_branch_has_a_history_that_takes_it_and_one_that_does_not() -> None:
    recorded = [patch_ids(HISTORY_TEXT[p]) for p in REVIEW_HISTORIES]
    for patch in (
        "write-case-record",
        "hold-notice",
        "hold-notice-alongside",
        "search-attributes-on-change",
        "stage-sla",
        "publish-read-model",
        "claim-lease",
        "lean-history",
        "read-model-outage",
        "market-due-process",
        "market-hearing",
    ):
        assert any(patch in ids for ids in recorded), f"no history takes {patch}"
        assert any(patch not in ids for ids in recorded), f"every history takes {patch}"


LEAN_TAGS = (
    "lean-history",
    "read-model-outage",
    "market-due-process",
    "market-hearing",
    "hearing-returns-to-decider",
)
"""Tags of histories recorded since reviews take every earlier change under their newest id."""


@pytest.mark.parametrize("tag", LEAN_TAGS)
def test_a_review_since_lean_history_records_only_its_newest_patch_marker(tag: str) -> None:
    lean = [p for p in REVIEW_HISTORIES if p.stem.endswith(f"__{tag}")]
    assert lean
    for path in lean:
        assert patch_ids(HISTORY_TEXT[path]) == {tag}


def upserts_per_workflow_task(text: str) -> list[int]:
    """How many search attribute upserts each completed workflow task of a history made."""
    counts: list[int] = []
    for event in json.loads(text)["events"]:
        kind = event["eventType"]
        if kind == "EVENT_TYPE_WORKFLOW_TASK_COMPLETED":
            counts.append(0)
        elif kind == "EVENT_TYPE_UPSERT_WORKFLOW_SEARCH_ATTRIBUTES":
            counts[-1] += 1
    return counts


def test_a_review_since_lean_history_upserts_search_attributes_at_most_once_a_task() -> None:
    before = HISTORY_DIR / "decided_and_closed__claim-lease.json"
    assert max(upserts_per_workflow_task(HISTORY_TEXT[before])) > 1  # what it changes
    lean = tuple(f"__{t}" for t in LEAN_TAGS)
    for path in (p for p in REVIEW_HISTORIES if p.stem.endswith(lean)):
        assert max(upserts_per_workflow_task(HISTORY_TEXT[path])) == 1, path.stem


def test_the_history_committed_in_21410f3_sends_the_hold_notice_before_gathering() -> None:
    path = HISTORY_DIR / "sla_breached_then_second_review__as_committed_in_21410f3.json"
    assert patch_ids(HISTORY_TEXT[path]) >= {"hold-notice"}
    assert "hold-notice-alongside" not in patch_ids(HISTORY_TEXT[path])
    assert path in HISTORIES  # and the parametrized replay below replays it


def test_every_history_ever_committed_is_still_in_the_folder() -> None:
    kept = {git("hash-object", str(path)).strip() for path in HISTORIES}
    ever: set[str] = set()
    for commit in git("rev-list", "HEAD", "--", "tests/histories").split():
        for line in git("ls-tree", commit, "tests/histories/").splitlines():
            mode_type_blob, name = line.split("\t")
            if name.endswith(".json"):
                ever.add(mode_type_blob.split()[2])
    assert ever - kept == set()


def test_no_commit_rewrote_or_deleted_a_saved_history_since_they_became_append_only() -> None:
    rewrites = set(git("log", "--format=%H", "--diff-filter=MDR", "--", "tests/histories").split())
    assert rewrites <= REWRITES_BEFORE_THE_RULE


def test_no_saved_history_is_changed_in_the_work_tree() -> None:
    changed = git("status", "--porcelain", "--", "tests/histories").splitlines()
    assert [line for line in changed if not line.startswith("??")] == []


def _replay_case(path: Path) -> object:
    stem = path.stem
    if stem in SHADOWED_BY_A_REUSED_PATCH_ID:
        reason = "6c83485 reused the hold-notice patch id for another shape"
        return pytest.param(path, id=stem, marks=pytest.mark.xfail(strict=True, reason=reason))
    return pytest.param(path, id=stem)


@pytest.mark.parametrize("path", [_replay_case(p) for p in HISTORIES])
async def test_saved_history_replays_without_nondeterminism(path: Path) -> None:
    history = WorkflowHistory.from_json(f"replay-{path.stem}", HISTORY_TEXT[path])
    replayer = Replayer(workflows=[DeactivationReview, AppealReview], data_converter=CONVERTER)

    result = await replayer.replay_workflow(history, raise_on_replay_failure=False)

    assert result.replay_failure is None, result.replay_failure


def test_an_upheld_correction_tells_the_person_nothing() -> None:
    # A correction QA opened and another specialist upheld: the person never asked, and
    # nothing changed for them, so no message is scheduled (an appeal's upheld outcome is).
    text = HISTORY_TEXT[HISTORY_DIR / "correction_upheld__qa-corrections.json"]
    scheduled = [
        event["activityTaskScheduledEventAttributes"]["activityType"]["name"]
        for event in json.loads(text)["events"]
        if event["eventType"] == "EVENT_TYPE_ACTIVITY_TASK_SCHEDULED"
    ]
    assert "publish_appeal" in scheduled
    assert "send_notice" not in scheduled
