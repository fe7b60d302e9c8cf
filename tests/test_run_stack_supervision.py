"""``make run`` supervises: a worker (or web app) that dies is restarted and the stack says so,
the rest stays up, and SIGTERM still stops everything cleanly.

A process that exits during start, or later with code 2 (a configuration error), stops the
stack instead, with its last lines from that start on the console.

The first tests drive scripts.run_stack's Stack with tiny stand-in processes and short backoffs;
the last start the real stack as a person would, on its own ports and var dir: one SIGKILLs its
worker, one gives it an invalid deactivation matrix.
"""

from __future__ import annotations

import contextlib
import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest

from scripts import run_stack
from scripts.run_stack import (
    CRASH_LOOP_EXITS,
    TAIL_LINES,
    Service,
    Stack,
    StackFailed,
    restart_delay,
    wait_until,
)
from tests.conftest import free_port

ROOT = Path(__file__).resolve().parent.parent


def wait_for(
    check: Callable[[], bool], what: str, timeout: float, detail: Callable[[], str]
) -> None:
    """Poll ``check`` every 0.1 s; fail after ``timeout`` s naming ``what`` and ``detail()``."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.1)
    raise AssertionError(f"{what} did not happen within {timeout:g} s\n{detail()}")


def stand_in(name: str, script: str, restart: bool = True) -> Service:
    """A service running ``python -c script``, ready once it printed "up"."""
    return Service(
        name,
        f"stand-in {name}",
        [sys.executable, "-c", script],
        ready=lambda s: "up" in s.output_since_start(),
        restart=restart,
    )


EXITS_AT_ONCE = "import sys; print('up', flush=True); sys.exit(3)"
STAYS_UP = "import time; print('up', flush=True); time.sleep(60)"


@pytest.fixture
def small_stack(tmp_path: Path) -> Iterator[tuple[Stack, list[str]]]:
    """A Stack under tmp_path with backoffs in tens of milliseconds; its lines in a list."""
    lines: list[str] = []
    stack = Stack(tmp_path, first_backoff=0.05, max_backoff=0.2, say=lines.append)
    yield stack, lines
    stack.stop()


def supervise_until(stack: Stack, lines: list[str], check: Callable[[], bool]) -> None:
    def tick() -> bool:
        stack.supervise(time.monotonic())
        return check()

    wait_for(tick, "the supervisor's step", 15, lambda: "\n".join(lines))


def test_restart_backoff_doubles_from_one_second_to_thirty() -> None:
    assert [restart_delay(n) for n in range(1, 8)] == [1, 2, 4, 8, 16, 30, 30]


def test_a_killed_service_is_restarted_and_said_ready_again(
    small_stack: tuple[Stack, list[str]],
) -> None:
    stack, lines = small_stack
    service = stack.start(stand_in("sleeper", STAYS_UP))
    pid_file = stack.pids / "sleeper.pid"
    first = int(pid_file.read_text())
    assert service.process is not None and first == service.process.pid

    os.kill(first, signal.SIGKILL)
    supervise_until(stack, lines, lambda: any("ready again" in line for line in lines))

    assert re.fullmatch(
        r"sleeper exited with code -9 \(SIGKILL\) at \d\d:\d\d:\d\d; restarting it in 0\.05 s "
        r"\(restart 1\) - log: .*sleeper\.log",
        lines[0],
    )
    second = int(pid_file.read_text())
    assert second != first and service.process.pid == second
    assert re.fullmatch(
        rf"sleeper is ready again at \d\d:\d\d:\d\d \(pid {second}, restart 1\)", lines[1]
    )
    assert service.process.poll() is None


def test_a_service_that_keeps_dying_is_still_restarted_and_the_loop_is_named(
    small_stack: tuple[Stack, list[str]],
) -> None:
    stack, lines = small_stack
    stack.start(stand_in("flaky", EXITS_AT_ONCE))
    supervise_until(stack, lines, lambda: any("times in the last" in line for line in lines))

    delays = [float(m.group(1)) for line in lines if (m := re.search(r"in ([\d.]+) s", line))]
    assert delays[:CRASH_LOOP_EXITS] == [0.05, 0.1, 0.2, 0.2, 0.2]
    assert any(
        line.startswith(f"flaky has exited {CRASH_LOOP_EXITS} times in the last 120 s; ")
        and "still restarting it, at most 0.2 s apart" in line
        for line in lines
    )
    assert "exited with code 3 at" in lines[0]


def test_no_restart_begins_once_a_stop_was_asked_for(
    small_stack: tuple[Stack, list[str]],
) -> None:
    stack, lines = small_stack
    service = stack.start(stand_in("flaky", EXITS_AT_ONCE))
    supervise_until(stack, lines, lambda: service.restart_at is not None)
    dead = service.process

    stack.stopping = True
    time.sleep(0.1)  # past the 0.05 s backoff
    stack.supervise(time.monotonic())

    assert service.process is dead
    assert len(lines) == 1
    stack.stop()
    assert not (stack.pids / "flaky.pid").exists()


def test_an_unsupervised_service_exiting_stops_the_stack_naming_its_log(
    small_stack: tuple[Stack, list[str]],
) -> None:
    stack, _ = small_stack
    service = stack.start(stand_in("server", EXITS_AT_ONCE, restart=False))
    assert service.process is not None
    service.process.wait(timeout=10)

    with pytest.raises(
        StackFailed, match=r"stand-in server exited with code 3 at .*; stopping"
    ) as err:
        stack.supervise(time.monotonic())
    assert str(err.value).endswith("server.log")


# A process refusing its configuration, as worker.py does: the problem on stderr, code 2.
REFUSES_CONFIG = (
    "import sys; print('loading policy', flush=True); "
    "print('not starting, a policy file is invalid:\\npolicy/m.toml: version: bad', "
    "file=sys.stderr); sys.exit(2)"
)


def test_the_report_has_only_this_starts_last_lines(small_stack: tuple[Stack, list[str]]) -> None:
    stack, _ = small_stack
    first_run = "print('from the first run', flush=True)"
    service = stack.start(stand_in("chatty", first_run))
    assert service.process is not None
    service.process.wait(timeout=10)
    service.command = [
        sys.executable,
        "-c",
        "for n in range(1, 31): print(f'line {n}', flush=True)\nprint(flush=True)",
    ]
    stack._spawn(service)
    assert service.process is not None
    service.process.wait(timeout=10)

    report = service.exit_report("chatty exited with code 0")

    head, *shown_lines, log_line = report.splitlines()
    assert head == "chatty exited with code 0; its last lines since this start:"
    assert shown_lines == [f"  | line {n}" for n in range(31 - TAIL_LINES, 31)]
    assert log_line == f"  log: {service.log}"
    assert "first run" not in report and "first run" in service.log.read_text()


def test_the_report_says_when_this_start_wrote_nothing(
    small_stack: tuple[Stack, list[str]],
) -> None:
    stack, _ = small_stack
    service = stack.start(stand_in("quiet", "print('an earlier run', flush=True)"))
    assert service.process is not None
    service.process.wait(timeout=10)
    service.command = [sys.executable, "-c", "pass"]
    stack._spawn(service)
    service.process.wait(timeout=10)

    assert service.exit_report("quiet exited with code 0") == (
        f"quiet exited with code 0; it wrote nothing since this start - log: {service.log}"
    )


def test_a_service_exiting_during_start_fails_with_its_error_lines(
    small_stack: tuple[Stack, list[str]],
) -> None:
    stack, lines = small_stack
    service = stack.start(stand_in("worker", REFUSES_CONFIG))

    with pytest.raises(StackFailed) as err:
        wait_until(lambda: False, "stand-in worker", stack, timeout=15)

    assert str(err.value).splitlines() == [
        "stand-in worker exited during start with code 2 (its configuration is invalid); "
        "its last lines since this start:",
        "  | loading policy",
        "  | not starting, a policy file is invalid:",
        "  | policy/m.toml: version: bad",
        f"  log: {service.log}",
    ]
    assert service.restart_at is None and lines == []


def test_a_configuration_error_later_stops_the_stack_instead_of_restarting(
    small_stack: tuple[Stack, list[str]],
) -> None:
    stack, lines = small_stack
    service = stack.start(stand_in("worker", REFUSES_CONFIG))
    assert service.process is not None
    service.process.wait(timeout=10)

    with pytest.raises(StackFailed) as err:
        stack.supervise(time.monotonic())

    assert re.match(
        r"stand-in worker exited with code 2 at \d\d:\d\d:\d\d, refusing its configuration; "
        r"not restarting it, stopping everything; its last lines since this start:\n",
        str(err.value),
    )
    assert "  | policy/m.toml: version: bad\n" in str(err.value)
    assert service.restart_at is None and service.restarts == 0 and lines == []


def test_a_crash_loop_notice_shows_the_last_lines_of_the_latest_run(
    small_stack: tuple[Stack, list[str]],
) -> None:
    stack, lines = small_stack
    dies = "import sys; print('up', flush=True); sys.exit('cannot reach the archive')"
    stack.start(stand_in("flaky", dies))
    supervise_until(stack, lines, lambda: any("last exited" in line for line in lines))

    report = next(line for line in lines if "last exited" in line)
    assert report.splitlines()[:3] == [
        "flaky last exited with code 1; its last lines since this start:",
        "  | up",
        "  | cannot reach the archive",
    ]


# --- the real stack --------------------------------------------------------------------------


class RunningStack:
    """``python -m scripts.run_stack`` in a subprocess, its output in a file."""

    def __init__(self, tmp_path: Path, **extra_env: str) -> None:
        ports: set[int] = set()
        while len(ports) < 5:
            ports.add(free_port())
        temporal, ui, platform, web, worker_metrics = sorted(ports)
        self.worker_metrics = f"http://127.0.0.1:{worker_metrics}/metrics"
        self.var = tmp_path / "var"
        self.web = f"http://127.0.0.1:{web}"
        self.output = tmp_path / "stack.out"
        # A person's shell, not the test session's: no keys, addresses or task queue from it.
        env = {k: v for k, v in os.environ.items() if not k.startswith(("DR_", "TEMPORAL_"))}
        env.update(
            DR_STACK_VAR_DIR=str(self.var),
            DR_STACK_TEMPORAL_PORT=str(temporal),
            DR_STACK_TEMPORAL_UI_PORT=str(ui),
            DR_STACK_PLATFORM_PORT=str(platform),
            DR_STACK_WEB_PORT=str(web),
            DR_STACK_WORKER_METRICS_PORT=str(worker_metrics),
            **extra_env,
        )
        self.pids_seen: set[int] = set()
        with self.output.open("wb") as out:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "scripts.run_stack"],
                cwd=ROOT,
                env=env,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    def printed(self) -> str:
        return self.output.read_text(errors="replace")

    def log(self, name: str) -> str:
        path = self.var / "log" / f"{name}.log"
        return path.read_text(errors="replace") if path.exists() else ""

    def pid(self, name: str) -> int:
        pid = int((self.var / "run" / f"{name}.pid").read_text())
        self.pids_seen.add(pid)
        return pid

    def detail(self) -> str:
        logs = "".join(
            f"\n--- {n}.log (end) ---\n{self.log(n)[-2000:]}" for n in ("worker", "webapp")
        )
        return f"--- run_stack printed ---\n{self.printed()}{logs}"

    def wait_printed(self, pattern: str, timeout: float) -> re.Match[str]:
        found: list[re.Match[str]] = []

        def check() -> bool:
            if match := re.search(pattern, self.printed()):
                found.append(match)
                return True
            assert self.process.poll() is None, f"run_stack exited early\n{self.detail()}"
            return False

        wait_for(check, f"run_stack printing {pattern!r}", timeout, self.detail)
        return found[0]

    def clean_up(self) -> None:
        """Stop the stack if still running, then kill anything of it left behind."""
        for name in ("temporal", "demo_platform", "worker", "webapp"):
            with contextlib.suppress(OSError, ValueError):
                self.pid(name)
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=5)
        # Each child leads its own session (so Ctrl-C reaches only run_stack): kill its group.
        for pid in self.pids_seen:
            if alive(pid):
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(pid, signal.SIGKILL)


def processes_with(variable: str) -> list[int]:
    """Pids of our processes whose environment holds ``variable`` (``NAME=value``) exactly."""
    found = []
    for proc in Path("/proc").glob("[0-9]*"):
        try:
            environ = (proc / "environ").read_bytes().split(b"\0")
        except OSError:  # gone meanwhile, or not ours
            continue
        if variable.encode() in environ and alive(int(proc.name)):
            found.append(int(proc.name))
    return found


def alive(pid: int) -> bool:
    """Whether ``pid`` is a running process of ours (a zombie awaiting its reaper is not)."""
    try:
        os.kill(pid, 0)
    except (ProcessLookupError, PermissionError):  # gone, or the pid is now someone else's
        return False
    if not Path("/proc").is_dir():
        return True
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except (OSError, IndexError):  # it went away meanwhile
        return False


@pytest.fixture
def running_stack(tmp_path: Path) -> Iterator[RunningStack]:
    stack = RunningStack(tmp_path)
    try:
        yield stack
    finally:
        stack.clean_up()


@pytest.mark.devserver
def test_make_run_restarts_a_killed_worker_keeps_the_web_app_and_stops_on_sigterm(
    running_stack: RunningStack,
) -> None:
    stack = running_stack
    stack.wait_printed(r"deactivation-review is running\.", timeout=45)
    assert f"{stack.web}/queue".replace("127.0.0.1", "localhost") in stack.printed()
    worker, webapp = stack.pid("worker"), stack.pid("webapp")
    assert stack.log("worker").count("serving task queue") == 1

    os.kill(worker, signal.SIGKILL)

    said = stack.wait_printed(
        r"worker exited with code -9 \(SIGKILL\) at \d\d:\d\d:\d\d; restarting it in 1 s "
        r"\(restart 1\) - log: (\S+)",
        timeout=10,
    )
    assert Path(said.group(1)) == stack.var / "log" / "worker.log"
    stack.wait_printed(r"worker is ready again at \d\d:\d\d:\d\d \(pid \d+, restart 1\)", 20)
    assert stack.log("worker").count("serving task queue") == 2
    restarted = stack.pid("worker")
    assert restarted != worker and alive(restarted) and not alive(worker)
    assert stack.pid("webapp") == webapp and alive(webapp)
    health = httpx.get(f"{stack.web}/healthz", timeout=5)
    assert health.status_code == 200 and health.json()["temporal"] is True

    stack.process.send_signal(signal.SIGTERM)
    assert stack.process.wait(timeout=30) == 0, stack.detail()
    assert stack.printed().rstrip().endswith(f"Stopped. Data is kept in {stack.var}/."), (
        stack.detail()
    )
    assert "stopping everything" not in stack.printed()
    assert not any(alive(pid) for pid in stack.pids_seen)
    assert not list((stack.var / "run").glob("*.pid"))


def test_the_readme_shows_what_make_run_prints_with_its_defaults(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for name in list(os.environ):
        if name.startswith(("DR_", "TEMPORAL_")):
            monkeypatch.delenv(name)
    monkeypatch.chdir(ROOT)
    settings = run_stack.StackSettings()
    var = settings.var_dir.resolve()

    printed = run_stack.banner(settings, var, run_stack.stack_environment(settings, var))

    readme = (ROOT / "README.md").read_text()
    shown = readme.split("## What `make run` gives you\n\n```\n")[1].split("```")[0]
    assert printed.strip() == shown.strip()


@pytest.mark.devserver
@pytest.mark.skipif(not Path("/proc").is_dir(), reason="finds leftover processes in /proc")
def test_make_run_prints_why_the_worker_refused_an_invalid_matrix_and_stops(
    tmp_path: Path,
) -> None:
    matrix = tmp_path / "deactivation_matrix.toml"
    shipped = (ROOT / "policy" / "deactivation_matrix.toml").read_text()
    # review/matrix.py wants YYYY.M.N: a suffix such as a release label is refused.
    version = re.search(r'\nversion = "([^"]+)"\n', shipped)
    assert version is not None
    matrix.write_text(
        shipped.replace(version.group(0), f'\nversion = "{version.group(1)}-fastsla"\n')
    )
    # An earlier run's lines in the worker's log must not be shown as this run's.
    (tmp_path / "var" / "log").mkdir(parents=True)
    (tmp_path / "var" / "log" / "worker.log").write_text("an earlier run: serving task queue\n")
    stack = RunningStack(tmp_path, DR_MATRIX_FILE=str(matrix))
    try:

        def exited() -> bool:
            # Its pid files are gone once it stopped: note each process while it runs.
            for name in ("temporal", "demo_platform", "worker", "webapp"):
                with contextlib.suppress(OSError, ValueError):
                    stack.pid(name)
            return stack.process.poll() is not None

        wait_for(exited, "run_stack exiting", 45, stack.detail)
        # Before clean_up, which would kill what run_stack left behind.
        left_behind = processes_with(f"DR_STACK_VAR_DIR={stack.var}")
        still_alive = [pid for pid in stack.pids_seen if alive(pid)]
    finally:
        stack.clean_up()

    printed = stack.printed()
    assert stack.process.returncode == 1, stack.detail()
    error = re.search(
        r"^make run: worker exited during start with code 2 \(its configuration is invalid\); "
        r"its last lines since this start:\n((?:  \| .*\n)+)  log: (\S+)\n",
        printed,
        re.MULTILINE,
    )
    assert error, stack.detail()
    # The file, the entry and the problem, as the worker printed them.
    assert error.group(1).splitlines() == [
        "  | worker: not starting, a policy file is invalid:",
        f"  | {matrix}: version: String should match pattern "
        r"'^[0-9]{4}\.[0-9]{1,2}\.[0-9]+$'",
    ]
    assert Path(error.group(2)) == stack.var / "log" / "worker.log"
    assert "an earlier run" not in printed
    assert "Starting the web app" not in printed and "deactivation-review is running" not in printed
    assert printed.rstrip().endswith("make run failed; the problem is shown above."), printed
    assert len(stack.pids_seen) == 3, printed  # Temporal, the demo platform, the worker
    assert still_alive == [] and left_behind == []
    assert not list((stack.var / "run").glob("*.pid"))
