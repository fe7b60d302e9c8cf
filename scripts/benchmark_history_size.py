"""Compare the size of saved review histories before and after the small update acknowledgement.

Today's code answers an update with a ReviewAck instead of the whole review and upserts search
attributes only when a value changed.

``python -m scripts.benchmark_history_size``: for each scenario in tests/histories/, reads the
history the previous code recorded (``<scenario>.json``, commit 6c83485) and the one today's
code recorded (``<scenario>__<tag>.json``, ``--tag hold-notice-alongside`` by default) and
prints events, history bytes as Temporal counts them (the sum of each event's serialized size),
upsert-search-attributes events, completed updates and the size of their results (the success
payloads of each WorkflowExecutionUpdateCompleted event), with the after/before ratio. Then it
lists every update result in order; results are decrypted with the test key only to count the
timeline entries and notes a returned review carried. Prints the numbers; nothing is asserted.

Printed on 2026-12-02, ``.venv/bin/python -m scripts.benchmark_history_size``:

    decided_and_closed                before     after   after/before
      events                              83        81          0.98x
      history bytes                    50242     38149          0.76x
      upsert search attributes             8         8          1.00x
      updates completed                    2         2          1.00x
      update result bytes, mean         4264       197          0.05x
      update result bytes, max          4465       202          0.05x

    more_info_with_an_outage          before     after   after/before
      events                             124       139          1.12x
      history bytes                    71723     49932          0.70x
      upsert search attributes            12        11          0.92x
      updates completed                    4         4          1.00x
      update result bytes, mean         4269       225          0.05x
      update result bytes, max          4822       233          0.05x

    sla_breached_then_second_review   before     after   after/before
      events                             119       119          1.00x
      history bytes                    72474     44442          0.61x
      upsert search attributes            13        12          0.92x
      updates completed                    4         4          1.00x
      update result bytes, mean         5628       204          0.04x
      update result bytes, max          6031       215          0.04x

    update results in order (bytes; the review a result carried: timeline entries, notes)
      decided_and_closed
        claim                     before   4064 (timeline  5, notes 0)  after    192
        submit_decision           before   4465 (timeline  6, notes 0)  after    202
        first to last             before   +401                         after    +10
      more_info_with_an_outage
        claim                     before   3714 (timeline  5, notes 0)  after    210
        request_more_info         before   3951 (timeline  7, notes 0)  after    231
        submit_decision           before   4589 (timeline 10, notes 0)  after    233
        submit_second_review      before   4822 (timeline 11, notes 0)  after    225
        first to last             before  +1108                         after    +15
      sla_breached_then_second_review
        add_note                  before   5279 (timeline  9, notes 1)  after    203
        claim                     before   5382 (timeline 10, notes 1)  after    192
        submit_decision           before   5820 (timeline 11, notes 1)  after    215
        submit_second_review      before   6031 (timeline 12, notes 1)  after    207
        first to last             before   +752                         after     +4

Before, every update result carried the whole review, 3714-6031 bytes here, and it grew with
each step of the review (+401, +1108 and +752 bytes from the first update to the last, as the
timeline, the decision and the second review were added); the one review with a note has the
largest results, but no recording holds more than one note, so they show no per-note rate.
After, a result is a 192-233 byte acknowledgement whatever the review holds. Whole histories
are 24-39 % smaller; upserts fell by one in two scenarios and not at all in decided_and_closed.
The more_info_with_an_outage recording after the change has 15 more events (five more workflow
tasks, three events each, and a second patch marker; the same activities and retry attempts),
yet 30 % fewer bytes.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
from dataclasses import dataclass, field
from pathlib import Path

from temporalio.api.common.v1 import Payload
from temporalio.client import WorkflowHistory
from temporalio.converter import DataConverter

from temporal_runtime.connection import data_converter
from temporal_runtime.encryption import load_key_file

ROOT = Path(__file__).resolve().parent.parent
HISTORIES = ROOT / "tests" / "histories"
REPLAY_KEYS = HISTORIES / "replay_keys.toml"
SCENARIOS = ("decided_and_closed", "more_info_with_an_outage", "sla_breached_then_second_review")
DEFAULT_TAG = "hold-notice-alongside"


@dataclass(frozen=True)
class UpdateResult:
    """One completed update: its name, result size and what the result carried."""

    name: str
    size: int
    timeline: int | None
    notes: int | None


@dataclass
class HistoryFigures:
    """What one saved history adds up to."""

    events: int = 0
    size: int = 0
    upserts: int = 0
    updates: list[UpdateResult] = field(default_factory=list)

    def result_sizes(self) -> list[int]:
        """The update result sizes, in history order."""
        return [update.size for update in self.updates]


def decoded_counts(converter: DataConverter, payloads: list[Payload]) -> tuple[int | None, ...]:
    """Timeline entries and notes in a decrypted update result, or None where it has none."""
    if not payloads:
        return None, None
    codec = converter.payload_codec
    decoded = asyncio.run(codec.decode(payloads)) if codec else payloads
    value = json.loads(decoded[0].data)
    if not isinstance(value, dict):
        return None, None
    counts: list[int | None] = []
    for key in ("timeline", "notes"):
        entries = value.get(key)
        counts.append(len(entries) if isinstance(entries, list) else None)
    return tuple(counts)


def measure(path: Path, converter: DataConverter) -> HistoryFigures:
    """Count events, bytes, upserts and update results in the history saved at ``path``."""
    history = WorkflowHistory.from_json(path.stem, path.read_text())
    figures = HistoryFigures()
    names: dict[str, str] = {}
    for event in history.events:
        figures.events += 1
        figures.size += event.ByteSize()
        if event.HasField("upsert_workflow_search_attributes_event_attributes"):
            figures.upserts += 1
        if event.HasField("workflow_execution_update_accepted_event_attributes"):
            request = event.workflow_execution_update_accepted_event_attributes.accepted_request
            names[request.meta.update_id] = request.input.name
        if event.HasField("workflow_execution_update_completed_event_attributes"):
            completed = event.workflow_execution_update_completed_event_attributes
            payloads = list(completed.outcome.success.payloads)
            timeline, notes = decoded_counts(converter, payloads)
            figures.updates.append(
                UpdateResult(
                    name=names.get(completed.meta.update_id, "?"),
                    size=sum(payload.ByteSize() for payload in payloads),
                    timeline=timeline,
                    notes=notes,
                )
            )
    return figures


def ratio(before: float, after: float) -> str:
    """after/before, or a dash when there is nothing before."""
    return f"{after / before:.2f}x" if before else "-"


def print_table(scenario: str, before: HistoryFigures, after: HistoryFigures) -> None:
    """Print one scenario's before/after figures."""
    rows: list[tuple[str, float, float]] = [
        ("events", before.events, after.events),
        ("history bytes", before.size, after.size),
        ("upsert search attributes", before.upserts, after.upserts),
        ("updates completed", len(before.updates), len(after.updates)),
    ]
    for label, pick in (("mean", statistics.mean), ("max", max)):
        b, a = before.result_sizes(), after.result_sizes()
        rows.append((f"update result bytes, {label}", pick(b) if b else 0, pick(a) if a else 0))
    print(f"{scenario:<32} {'before':>7} {'after':>9}   after/before")
    for label, b_value, a_value in rows:
        print(f"  {label:<30} {b_value:>7.0f} {a_value:>9.0f} {ratio(b_value, a_value):>14}")
    print()


def carried(update: UpdateResult) -> str:
    """The timeline entries and notes a result carried, if it carried a review."""
    if update.timeline is None or update.notes is None:
        return ""
    return f"(timeline {update.timeline:>2}, notes {update.notes})"


def print_growth(scenario: str, before: HistoryFigures, after: HistoryFigures) -> None:
    """Print each update's result size in order, before and after, and first-to-last growth."""
    print(f"  {scenario}")
    for n, b_update in enumerate(before.updates):
        a_size = f"{after.updates[n].size:>6}" if n < len(after.updates) else "     -"
        print(
            f"    {b_update.name:<25} before {b_update.size:>6} {carried(b_update):<22}"
            f"  after {a_size}"
        )
    b, a = before.result_sizes(), after.result_sizes()
    if b and a:
        growth = f"before {b[-1] - b[0]:>+6} {'':<22}  after {a[-1] - a[0]:>+6}"
        print(f"    {'first to last':<25} {growth}")


def main(tag: str, histories: Path) -> None:
    """Measure every scenario's history before (``<scenario>.json``) and after (the tag)."""
    converter = data_converter(load_key_file(histories / REPLAY_KEYS.name))
    measured: list[tuple[str, HistoryFigures, HistoryFigures]] = []
    for scenario in SCENARIOS:
        before = measure(histories / f"{scenario}.json", converter)
        after = measure(histories / f"{scenario}__{tag}.json", converter)
        measured.append((scenario, before, after))
        print_table(scenario, before, after)
    print("update results in order (bytes; the review a result carried: timeline entries, notes)")
    for scenario, before, after in measured:
        print_growth(scenario, before, after)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--tag",
        default=DEFAULT_TAG,
        help=f"the recording to compare with <scenario>.json (default: {DEFAULT_TAG})",
    )
    parser.add_argument("--histories", type=Path, default=HISTORIES)
    args = parser.parse_args()
    main(args.tag, args.histories)
