"""starter.py's input rules, without Temporal: every line checked before anything starts."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

import starter
from tests.conftest import review_request

NOW = datetime(2026, 11, 24, 12, tzinfo=UTC)


def line(**changes: object) -> str:
    return review_request(**changes).model_dump_json()


def test_a_json_file_is_one_request_even_across_lines() -> None:
    text = json.dumps(json.loads(line()), indent=2)
    requests, problems = starter.parse_requests(starter.read_documents("incident.json", text), NOW)
    assert len(requests) == 1 and problems == []


def test_json_lines_keep_their_line_numbers_and_skip_blank_lines() -> None:
    text = f"{line()}\n\n{line()}\n"
    documents = starter.read_documents("batch.jsonl", text)
    assert [n for n, _ in documents] == [1, 3]


def test_standard_input_takes_one_document_or_json_lines() -> None:
    one = json.dumps(json.loads(line()), indent=2)
    assert len(starter.read_documents("-", one)) == 1
    assert len(starter.read_documents("-", f"{line()}\n{line()}")) == 2


def test_a_bad_line_is_reported_by_number_and_field() -> None:
    bad = json.loads(line())
    bad["account"]["locale"] = "spanish"
    text = f"{line()}\n{json.dumps(bad)}\n"
    requests, problems = starter.parse_requests(starter.read_documents("x.jsonl", text), NOW)
    assert len(requests) == 1
    assert [str(p).split(":")[0:2] for p in problems] == [["line 2", " account.locale"]]


def test_an_unknown_field_is_named() -> None:
    extra = {**json.loads(line()), "priority": "urgent"}
    _, problems = starter.parse_requests([(1, json.dumps(extra))], NOW)
    assert problems[0].field == "priority"


def test_a_line_that_is_not_json_says_so() -> None:
    _, problems = starter.parse_requests([(4, "{not json")], NOW)
    assert (problems[0].line, problems[0].problem) == (4, "not valid JSON")


def test_a_report_from_the_future_is_refused() -> None:
    _, problems = starter.parse_requests([(1, line(reported_at="2030-01-01T00:00:00+00:00"))], NOW)
    assert problems[0].field == "reported_at"


def test_invalid_input_exits_2_and_starts_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "batch.jsonl"
    path.write_text(line() + "\n" + "{}\n")
    assert starter.main([str(path)]) == 2  # refused before connecting to Temporal
    err = capsys.readouterr().err
    assert "line 2: incident_id: Field required" in err and "nothing was started" in err


def test_a_missing_file_exits_2_with_the_reason(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert starter.main([str(tmp_path / "nope.jsonl")]) == 2
    assert "cannot read" in capsys.readouterr().err


def test_an_empty_file_is_an_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "empty.jsonl"
    path.write_text("\n\n")
    assert starter.main([str(path)]) == 2
    assert "no review requests found" in capsys.readouterr().err


def test_an_unknown_market_is_refused_before_anything_starts() -> None:
    body = json.loads(review_request().model_dump_json())
    body["account"]["market"] = "bogota"

    _, problems = starter.parse_requests([(1, json.dumps(body))], NOW)

    assert [(p.line, p.field) for p in problems] == [(1, "account.market")]
    assert "unknown market 'bogota'" in problems[0].problem


def test_a_rider_reported_for_impaired_driving_is_refused_before_anything_starts() -> None:
    body = json.loads(review_request(category="impaired_driving").model_dump_json())
    body["account"]["role"] = "rider"

    _, problems = starter.parse_requests([(1, json.dumps(body))], NOW)

    assert [(p.line, p.field) for p in problems] == [(1, "category")]
    assert "only a driver can be reported for it" in problems[0].problem
