"""The tools behind saved histories, run as the README shows them: `make histories TAG=...`
adds a set recorded from today's code and never overwrites one, and the history-size benchmark
prints its table."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from temporalio.client import WorkflowHistory
from temporalio.worker import Replayer

from scripts.record_histories import SCENARIOS
from tests.test_replay import CONVERTER
from workflows.appeal_review import AppealReview
from workflows.deactivation_review import DeactivationReview

ROOT = Path(__file__).resolve().parent.parent


def make_histories(tag: str, into: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["make", "--no-print-directory", "histories", f"TAG={tag}"],
        cwd=ROOT,
        env={**os.environ, "DR_HISTORIES_DIR": str(into)},
        capture_output=True,
        text=True,
        timeout=300,
    )


def saved(folder: Path) -> dict[str, str]:
    """The history files in ``folder`` by name, with their text."""
    return {path.name: path.read_text() for path in folder.glob("*.json")}


async def test_make_histories_records_each_scenario_and_they_replay(tmp_path: Path) -> None:
    answer = make_histories("today", tmp_path)

    assert answer.returncode == 0, answer.stderr[-2000:]
    recorded = saved(tmp_path)
    assert sorted(recorded) == sorted(f"{name}__today.json" for name in SCENARIOS)
    for name, text in recorded.items():
        history = WorkflowHistory.from_json(name, text)
        replayer = Replayer(workflows=[DeactivationReview, AppealReview], data_converter=CONVERTER)
        result = await replayer.replay_workflow(history, raise_on_replay_failure=False)
        assert result.replay_failure is None, (name, result.replay_failure)


def test_make_histories_never_overwrites_a_saved_history(tmp_path: Path) -> None:
    kept = tmp_path / "decided_and_closed__taken.json"
    kept.write_text("committed")

    answer = make_histories("taken", tmp_path)

    assert answer.returncode != 0
    assert "saved histories are never re-recorded; use a new TAG" in answer.stderr
    assert kept.read_text() == "committed"
    assert sorted(p.name for p in tmp_path.iterdir()) == [kept.name]


def test_make_histories_wants_a_tag_that_names_the_change(tmp_path: Path) -> None:
    assert "usage: make histories TAG=what-changed" in make_histories("", tmp_path).stdout
    assert "use 3-61 lowercase letters" in make_histories("Bad Tag", tmp_path).stderr


def test_the_history_size_benchmark_prints_before_and_after() -> None:
    answer = subprocess.run(
        [sys.executable, "-m", "scripts.benchmark_history_size"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )

    assert answer.returncode == 0, answer.stderr
    # Each scenario the previous code recorded too (later scenarios have no "before").
    for scenario in SCENARIOS:
        if (ROOT / "tests" / "histories" / f"{scenario}.json").exists():
            assert scenario in answer.stdout
    assert "update result bytes, mean" in answer.stdout and "after/before" in answer.stdout
