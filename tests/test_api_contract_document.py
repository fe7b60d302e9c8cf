"""docs/openapi.json, the API contract in the repository, is the one the web app serves."""

from __future__ import annotations

from scripts.export_openapi import DOCUMENT, text


def test_the_committed_contract_is_what_the_app_serves() -> None:
    assert DOCUMENT.read_text() == text(), "run: .venv/bin/python -m scripts.export_openapi"
