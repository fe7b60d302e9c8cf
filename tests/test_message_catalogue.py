"""The message catalogue a lead reads to sign the messages off, run as the README shows it."""

from __future__ import annotations

import re
import shlex
import subprocess
from pathlib import Path

import pytest

from notifications.catalogue import SampleCases, main
from notifications.rendering import MessageRenderer
from review.markets import ROLES
from review.models import IncidentCategory

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"


def readme_command() -> str:
    text = README.read_text()
    after = text[text.index("A lead signs off the messages by reading them all.") :]
    block = re.search(r"```sh\n(.*?)```", after, re.S)
    assert block is not None
    (command,) = [line.strip() for line in block.group(1).splitlines() if line.strip()]
    return command


def test_the_readme_command_writes_every_message_of_every_language() -> None:
    command = readme_command()
    answer = subprocess.run(
        shlex.split(command), cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    assert answer.returncode == 0, answer.stderr
    out = ROOT / shlex.split(command)[-1]
    cases = SampleCases()
    expected = (
        sum(
            len(list(cases.every_message(role, category)))
            for category in IncidentCategory
            for role in ROLES
            if role == "driver" or not category.concerns_driving
        )
        + 1
    )  # the reporter's notice
    assert f"{expected} messages per language" in " ".join(README.read_text().split())
    for locale in MessageRenderer().locales():
        assert f"var/messages/{locale}.md: {expected} messages" in answer.stdout
        text = (out / f"{locale}.md").read_text()
        assert text.count("\n### ") == expected - 1
        for category in IncidentCategory:
            assert f"\n## {category}, driver\n" in text
            assert (f"\n## {category}, rider\n" in text) is not category.concerns_driving


def test_a_language_we_do_not_write_in_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main([str(tmp_path), "--locale", "fr-CA"]) == 2
    assert "no templates for fr-CA; we write in en, es-MX, pt-BR" in capsys.readouterr().err
    assert not list(tmp_path.iterdir())
