"""Saved histories in tests/histories/ still replay: a workflow change that would break running
reviews fails here (non-determinism). Re-record with `make histories` only for a deliberate,
versioned change."""

from __future__ import annotations

from pathlib import Path

import pytest
from temporalio.client import WorkflowHistory
from temporalio.worker import Replayer

from temporal_runtime.connection import data_converter
from temporal_runtime.encryption import load_key_file
from workflows.deactivation_review import DeactivationReview

HISTORIES = sorted((Path(__file__).parent / "histories").glob("*.json"))
HISTORY_TEXT = {path: path.read_text() for path in HISTORIES}
# The worker's converter and codec; the histories were recorded encrypted with this test key.
CONVERTER = data_converter(load_key_file(Path(__file__).parent / "histories" / "replay_keys.toml"))


def test_there_are_saved_histories_to_replay() -> None:
    assert len(HISTORIES) >= 3


def test_saved_histories_hold_only_ciphertext() -> None:
    for path in HISTORIES:
        assert "Recorded scenario for the replay test" not in HISTORY_TEXT[path]
        assert "YmluYXJ5L2VuY3J5cHRlZA" in HISTORY_TEXT[path]  # base64 of binary/encrypted


def test_both_sides_of_the_case_record_patch_are_replayed() -> None:
    # Reviews that closed before the decision archive existed, and reviews that write a record.
    before = [p for p in HISTORIES if p.stem.startswith("before_case_records__")]
    since = [p for p in HISTORIES if p not in before]
    assert before and all('"archive_case_record"' not in HISTORY_TEXT[p] for p in before)
    assert since and all('"archive_case_record"' in HISTORY_TEXT[p] for p in since)


@pytest.mark.parametrize("path", HISTORIES, ids=[p.stem for p in HISTORIES])
async def test_saved_history_replays_without_nondeterminism(path: Path) -> None:
    history = WorkflowHistory.from_json(f"replay-{path.stem}", HISTORY_TEXT[path])
    replayer = Replayer(workflows=[DeactivationReview], data_converter=CONVERTER)

    result = await replayer.replay_workflow(history, raise_on_replay_failure=False)

    assert result.replay_failure is None, result.replay_failure
