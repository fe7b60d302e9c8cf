"""Start reviews from files: ``python starter.py PATH``.

PATH is a ``.json`` file holding one ReviewRequest, a ``.jsonl`` file with one per line, or ``-``
for standard input (one JSON document, or JSON Lines). Every request is checked before any is
started: an invalid one is reported with its line number and field, and nothing starts.
Starting an incident that already has a review starts nothing new and says so.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from pydantic import ValidationError

from policy import configured_markets
from review.lifecycle import check_intake
from review.markets import Markets
from review.models import ReviewRequest
from review.policy_files import entry_path
from review.refusals import ReviewRuleError
from temporal_runtime.connection import connect, exit_process
from temporal_runtime.encryption import KeyRingError
from workflows.client import ReviewClient


@dataclass
class InputProblem:
    """One problem in the input, located by line (1-based) and field."""

    line: int
    field: str
    problem: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.field}: {self.problem}"


def read_documents(path: str, text: str) -> list[tuple[int, str]]:
    """Split the input into (line number, JSON text) pairs."""
    single_document = path.endswith(".json")
    if path == "-":
        try:
            json.loads(text)
            single_document = True
        except ValueError:
            single_document = False
    if single_document:
        return [(1, text)]
    return [(n, line) for n, line in enumerate(text.splitlines(), start=1) if line.strip()]


def parse_requests(
    documents: list[tuple[int, str]], now: datetime, markets: Markets | None = None
) -> tuple[list[ReviewRequest], list[InputProblem]]:
    """Validate every document against the intake rules (``markets``: the configured ones by
    default); returns the requests and every problem found."""
    markets = markets if markets is not None else configured_markets()
    requests: list[ReviewRequest] = []
    problems: list[InputProblem] = []
    for line, text in documents:
        try:
            request = ReviewRequest.model_validate_json(text)
            check_intake(request, now, markets)
        except ValidationError as err:
            for e in err.errors():
                problem = e["msg"] if e["type"] != "json_invalid" else "not valid JSON"
                problems.append(InputProblem(line, entry_path(e["loc"]), problem))
            continue
        except ReviewRuleError as err:
            problems.append(InputProblem(line, err.field or "(request)", str(err)))
            continue
        requests.append(request)
    if not documents:
        problems.append(InputProblem(1, "(input)", "no review requests found"))
    return requests, problems


async def start_all(requests: list[ReviewRequest]) -> None:
    """Start each review and print its id and whether it is new."""
    reviews = ReviewClient(await connect())
    for request in requests:
        started = await reviews.start(request)
        if started.created:
            print(f"started  {started.review_id}")
        else:
            print(
                f"exists   {started.review_id}  (incident {started.incident_id} is already "
                "under review; nothing started)"
            )


def main(argv: list[str] | None = None) -> int:
    """Validate the input, then start the reviews; exit 2 on invalid input, 1 if unreachable."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("path", help=".json, .jsonl, or - for standard input")
    args = parser.parse_args(argv)
    try:
        text = sys.stdin.read() if args.path == "-" else Path(args.path).read_text(encoding="utf-8")
    except OSError as err:
        print(f"starter: cannot read {args.path}: {err.strerror}", file=sys.stderr)
        return 2
    requests, problems = parse_requests(read_documents(args.path, text), datetime.now(UTC))
    if problems:
        for problem in problems:
            print(f"starter: {args.path}: {problem}", file=sys.stderr)
        print("starter: nothing was started", file=sys.stderr)
        return 2
    try:
        asyncio.run(start_all(requests))
    except KeyRingError as err:
        print(f"starter: encryption keys: {err}", file=sys.stderr)
        return 2
    except RuntimeError as err:
        print(f"starter: cannot reach Temporal: {err}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    exit_process(main())
