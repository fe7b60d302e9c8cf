"""The README's benchmark commands run as written, only smaller (``--reviews`` cut down, a few
runs per probe), and print the lines the README's table is read from."""

from __future__ import annotations

import asyncio
import re
from pathlib import Path

import pytest

README = Path(__file__).resolve().parent.parent / "README.md"


def benchmark_commands() -> list[str]:
    text = README.read_text()
    after = text[text.index("Measured on this project's 2-core machine") :]
    block = re.search(r"```sh\n(.*?)```", after, re.S)
    assert block is not None, "no sh block after the measurements"
    return [line for line in block.group(1).splitlines() if line.strip()]


def smaller(command: str) -> str:
    """The command with few reviews or workflows, and few runs per queue probe."""
    command = re.sub(r"--reviews \d+", "--reviews 12", command)
    if "benchmark_queue" in command:
        command += " --runs 3"
    command = re.sub(r"--workflows \d+", "--workflows 6", command)
    if "benchmark_metrics" in command:
        command = re.sub(r"--closed \d+", "--closed 300", command) + " --runs 1"
    if "benchmark_pipeline" in command:
        command = re.sub(r" --one-at-a-time \d+", "", command) + " --one-at-a-time 2"
    return command


async def run(command: str) -> str:
    process = await asyncio.create_subprocess_exec(
        "bash",
        "-c",
        command,
        cwd=README.parent,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    out, _ = await asyncio.wait_for(process.communicate(), 240)
    assert process.returncode == 0, out.decode()[-3000:]
    return out.decode()


@pytest.mark.parametrize("command", benchmark_commands())
async def test_a_readme_benchmark_command_runs_and_prints_its_numbers(command: str) -> None:
    printed = await run(smaller(command))
    if "benchmark_queue" in command:
        assert "open reviews in the read model: 12" in printed
        for probe in ("open queue, first page", "page 100 by cursor"):
            assert re.search(rf"{probe} +\d+ rows  p50 +[\d.]+ ms  p95 +[\d.]+ ms", printed)
    elif "benchmark_metrics" in command:
        assert "loaded 300 closed reviews and 2000 open ones" in printed
        for probe in ("summary, last 30 days", "Prometheus numbers", "QA sampling report"):
            assert re.search(rf"{probe}.* median +[\d.]+ ms  worst +[\d.]+ ms", printed), probe
    elif "benchmark_engine" in command:
        for persistence in ("SQLite", "memory"):
            for variant in ("bare", "+ 6 search attribute upserts", "+ all three"):
                line = rf"{persistence} +{re.escape(variant)} +[\d.]+ /s   server CPU +[\d.]+ ms"
                assert re.search(line, printed), (persistence, variant)
    else:
        assert re.search(r"pipeline / bare +\d+\.\d\d", printed)
        assert re.search(r"CPU review worker +[\d.]+ ms each", printed)
        assert re.search(r"read model lag behind each review's last change \(12\) +p50", printed)
        assert re.search(r"decision to closed, one at a time \(2\) +p50 +\d+ ms", printed)
