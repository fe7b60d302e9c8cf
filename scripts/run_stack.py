"""``make run``: the whole system on this machine, in the foreground, supervised.

Starts the Temporal dev server (SQLite under var/), the demo platform, the worker and the web
app; seeds the demo reviews; prints where to look. While it runs it supervises them: when the
worker, the web app or the demo platform exits, it says so and restarts it (after 1 s, doubling
to 30 s while it keeps dying), leaving everything else running. When the Temporal dev server
exits, everything depends on it, so it stops everything and says so. A process that exits while
the stack is starting, or that exits with code 2 (its configuration is invalid) at any time,
stops everything too, and its last lines from that start are printed on the console: a
configuration error does not fix itself, and restarting would bury it among restart lines.
Ctrl-C or SIGTERM stops everything it started, and the data in var/ is kept for the next start.

Each process writes its output to var/log/NAME.log and its pid to var/run/NAME.pid. A second
stack can run beside the first with ``DR_STACK_VAR_DIR`` and ``DR_STACK_TEMPORAL_PORT``,
``DR_STACK_TEMPORAL_UI_PORT``, ``DR_STACK_PLATFORM_PORT``, ``DR_STACK_WEB_PORT``,
``DR_STACK_WORKER_METRICS_PORT`` (the tests do).
"""

from __future__ import annotations

import io
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path

import httpx
from pydantic import Field, ValidationError
from pydantic_settings import BaseSettings, SettingsConfigDict

import starter
from activities.platform import PlatformEndpoints
from temporal_runtime import deployment
from temporal_runtime.connection import exit_process
from temporal_runtime.encryption import DEMO_KEY_FILE, new_key_file
from workflows.search_attributes import dev_server_flags

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
DEMO_REVIEWS = ROOT / "demo_platform" / "demo_reviews.jsonl"

FIRST_BACKOFF = 1.0
"""Seconds before restarting a process that exited; doubles while it keeps exiting."""
MAX_BACKOFF = 30.0
"""The longest wait between restarts: a process that keeps dying is still retried this often."""
STABLE_AFTER = 60.0
"""A process that ran this long had recovered: its next exit restarts after FIRST_BACKOFF."""
CRASH_LOOP_EXITS = 5
CRASH_LOOP_WINDOW = 120.0
"""This many exits within this many seconds is a crash loop, and the stack says so."""
TICK = 0.2
CONFIG_ERROR = 2
"""The exit code of a process refusing its configuration (worker.py, argparse): not restarted."""
TAIL_LINES = 20
"""At most this many of a failed process's last lines are printed on the console."""
TAIL_BYTES = 64 * 1024
"""Only this much of the end of a log is read for them: a chatty process can log megabytes."""


class StackSettings(BaseSettings):
    """Where the stack keeps its data and which ports it serves on (``DR_STACK_*``)."""

    model_config = SettingsConfigDict(env_prefix="DR_STACK_", extra="ignore")

    var_dir: Path = ROOT / "var"
    temporal_port: int = Field(default=7233, ge=1, le=65535)
    temporal_ui_port: int = Field(default=8233, ge=1, le=65535)
    platform_port: int = Field(default=8100, ge=1, le=65535)
    web_port: int = Field(default=8000, ge=1, le=65535)
    worker_metrics_port: int = Field(default=9464, ge=1, le=65535)


class StackFailed(Exception):
    """The stack cannot go on; the message says what happened and where its log is."""


class StopRequested(Exception):
    """Ctrl-C or SIGTERM arrived while the stack was still starting."""


def shown(path: Path) -> str:
    """A path as a person would type it here: relative to the working directory when inside it."""
    try:
        return str(path.relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def clock() -> str:
    """The local wall-clock time, for lines a person reads."""
    return time.strftime("%H:%M:%S")


def describe_exit(code: int) -> str:
    """``code 2``, or ``code -9 (SIGKILL)`` for a process ended by a signal."""
    if code < 0:
        try:
            return f"code {code} ({signal.Signals(-code).name})"
        except ValueError:
            pass
    return f"code {code}"


def last_lines(text: str, most: int = TAIL_LINES) -> list[str]:
    """The last ``most`` non-blank lines of ``text``, trailing whitespace removed."""
    lines = [line.rstrip() for line in text.splitlines()]
    return [line for line in lines if line][-most:] if most > 0 else []


def restart_delay(
    quick_exits: int, first: float = FIRST_BACKOFF, most: float = MAX_BACKOFF
) -> float:
    """Seconds to wait before a restart, after ``quick_exits`` exits in a row (1, 2, 3 ...)."""
    return float(min(most, first * 2 ** max(0, quick_exits - 1)))


@dataclass
class Service:
    """One process of the stack: how to start it, how to tell it is ready, whether to restart it."""

    name: str
    what: str
    command: list[str]
    ready: Callable[[Service], bool]
    restart: bool
    env: dict[str, str] = field(default_factory=dict)
    log: Path = Path()
    process: subprocess.Popen[bytes] | None = None
    started_at: float = 0.0
    log_offset: int = 0
    restarts: int = 0
    quick_exits: int = 0
    exits: deque[float] = field(default_factory=deque)
    restart_at: float | None = None
    awaiting_ready: bool = False
    said_crash_loop: bool = False

    def output_since_start(self) -> str:
        """What this run of the process has written to its log (earlier runs' lines excluded)."""
        with self.log.open("rb") as log:
            log.seek(self.log_offset)
            return log.read().decode(errors="replace")

    def output_tail(self, most: int = TAIL_LINES) -> list[str]:
        """The last ``most`` non-blank lines this run of the process wrote to its log."""
        try:
            with self.log.open("rb") as log:
                size = log.seek(0, os.SEEK_END)
                start = max(self.log_offset, size - TAIL_BYTES)
                log.seek(start)
                text = log.read().decode(errors="replace")
        except OSError:
            return []
        if start > self.log_offset:
            text = text.partition("\n")[2]  # read from mid-line: drop the partial first one
        return last_lines(text, most)

    def exit_report(self, how: str) -> str:
        """``how`` the process ended, then what it wrote since this start, then its log path."""
        tail = self.output_tail()
        if not tail:
            return f"{how}; it wrote nothing since this start - log: {shown(self.log)}"
        # Marked off, so its lines are not mistaken for the stack's own.
        lines = "".join(f"  | {line}\n" for line in tail)
        return f"{how}; its last lines since this start:\n{lines}  log: {shown(self.log)}"


@dataclass
class Stack:
    """The services started, supervised while running, and stopped in reverse order."""

    var: Path
    services: list[Service] = field(default_factory=list)
    first_backoff: float = FIRST_BACKOFF
    max_backoff: float = MAX_BACKOFF
    stable_after: float = STABLE_AFTER
    say: Callable[[str], None] = print
    stopping: bool = False

    @property
    def logs(self) -> Path:
        """var/log: one NAME.log per service, appended to across restarts and runs."""
        return self.var / "log"

    @property
    def pids(self) -> Path:
        """var/run: NAME.pid holds the pid of the service's current process."""
        return self.var / "run"

    def start(self, service: Service) -> Service:
        """Start a service for the first time; its output goes to var/log/NAME.log."""
        service.log = self.logs / f"{service.name}.log"
        self.services.append(service)
        self._spawn(service)
        return service

    def _spawn(self, service: Service) -> None:
        self.logs.mkdir(parents=True, exist_ok=True)
        self.pids.mkdir(parents=True, exist_ok=True)
        with service.log.open("ab") as log:
            service.log_offset = log.tell()
            # The child holds its own copy of the descriptor; ours closes with the block.
            service.process = subprocess.Popen(
                service.command,
                cwd=ROOT,
                stdout=log,
                stderr=subprocess.STDOUT,
                # Its own session: Ctrl-C reaches only this script, which stops the rest in order.
                start_new_session=True,
                env={**os.environ, **service.env},
            )
        service.started_at = time.monotonic()
        service.restart_at = None
        service.awaiting_ready = True
        pid_file = self.pids / f"{service.name}.pid"
        try:
            # Written then renamed, so a reader never sees half a pid.
            pid_file.with_suffix(".tmp").write_text(f"{service.process.pid}\n")
            pid_file.with_suffix(".tmp").replace(pid_file)
        except OSError as err:
            self.say(f"{service.name}: cannot write {shown(pid_file)}: {err}")

    def exited(self) -> Service | None:
        """A service whose process has exited and is not waiting to be restarted, if any."""
        return next(
            (
                s
                for s in self.services
                if s.process is not None and s.restart_at is None and s.process.poll() is not None
            ),
            None,
        )

    def supervise(self, now: float) -> None:
        """One look at every service: restart what exited (when its backoff is over), say when
        a restarted one is ready again; raise StackFailed when an unsupervised one exited."""
        for service in self.services:
            # The signal handler only sets `stopping`; checking it here, in the one thread
            # that starts processes, means no restart begins once a stop was asked for.
            if self.stopping:
                return
            if service.restart_at is not None:
                if now >= service.restart_at:
                    self._restart(service, now)
                continue
            if service.process is None:
                continue
            code = service.process.poll()
            if code is None:
                self._check_back(service)
            elif service.restart and code != CONFIG_ERROR:
                self._exited(service, code, now)
            elif service.restart:
                # It refused its settings or policy files: restarting would only repeat that
                # every 30 s, with the rest of the stack up but not working; say it and stop.
                raise StackFailed(
                    service.exit_report(
                        f"{service.what} exited with {describe_exit(code)} at {clock()}, "
                        "refusing its configuration; not restarting it, stopping everything"
                    )
                )
            else:
                raise StackFailed(
                    service.exit_report(
                        f"{service.what} exited with {describe_exit(code)} at {clock()}; "
                        "stopping everything"
                    )
                )

    def _exited(self, service: Service, code: int | None, now: float) -> None:
        if now - service.started_at >= self.stable_after:
            service.quick_exits = 0
            service.said_crash_loop = False
        service.quick_exits += 1
        service.restarts += 1
        delay = restart_delay(service.quick_exits, self.first_backoff, self.max_backoff)
        service.restart_at = now + delay
        service.exits.append(now)
        while service.exits and service.exits[0] < now - CRASH_LOOP_WINDOW:
            service.exits.popleft()
        how = "could not be started" if code is None else f"exited with {describe_exit(code)}"
        self.say(
            f"{service.name} {how} at {clock()}; restarting it in {delay:g} s "
            f"(restart {service.restarts}) - log: {shown(service.log)}"
        )
        if len(service.exits) >= CRASH_LOOP_EXITS and not service.said_crash_loop:
            service.said_crash_loop = True
            self.say(
                f"{service.name} has exited {len(service.exits)} times in the last "
                f"{CRASH_LOOP_WINDOW:g} s; still restarting it, at most {self.max_backoff:g} s "
                f"apart - see {shown(service.log)}"
            )
            if code is not None:
                # Once per loop, not per exit: why it dies, without flooding the console.
                self.say(
                    service.exit_report(f"{service.name} last exited with {describe_exit(code)}")
                )

    def _restart(self, service: Service, now: float) -> None:
        try:
            self._spawn(service)
        except OSError as err:
            self.say(f"{service.name}: cannot start {service.command[0]}: {err}")
            service.started_at = now  # a failed start is a quick exit: the backoff grows
            self._exited(service, None, now)

    def _check_back(self, service: Service) -> None:
        if not service.awaiting_ready:
            return
        try:
            ready = service.ready(service)
        except (OSError, httpx.HTTPError):
            ready = False
        if ready:
            service.awaiting_ready = False
            if not service.restarts:
                return  # the first start: main() already said so
            pid = service.process.pid if service.process else "?"
            self.say(
                f"{service.name} is ready again at {clock()} "
                f"(pid {pid}, restart {service.restarts})"
            )

    def stop(self, timeout: float = 10) -> None:
        """SIGTERM each service, newest first, once the one started after it has exited;
        SIGKILL one still running after ``timeout`` s."""
        # One at a time: the worker finishes its in-flight tasks while Temporal still answers,
        # instead of retrying against a server that stopped at the same moment.
        for service in reversed(self.services):
            process = service.process
            if process is None:
                continue
            if process.poll() is None:
                process.terminate()
                try:
                    process.wait(timeout=timeout)
                except subprocess.TimeoutExpired:
                    self.say(f"  {service.name} did not stop in {timeout:g} s; killing it")
                    process.kill()
                    process.wait()
            (self.pids / f"{service.name}.pid").unlink(missing_ok=True)


def port_in_use(port: int) -> bool:
    """Whether something already listens on 127.0.0.1:port."""
    with socket.socket() as s:
        return s.connect_ex(("127.0.0.1", port)) == 0


def answers(url: str) -> bool:
    """Whether ``url`` answers 2xx."""
    return httpx.get(url, timeout=2).is_success


def wait_until(check: Callable[[], bool], what: str, stack: Stack, timeout: float = 60) -> None:
    """Poll ``check()`` until true; fail naming ``what``, or the process that died and its log."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if stack.stopping:
            raise StopRequested
        dead = stack.exited()
        if dead and dead.process:
            # Not restarted, whatever the code: it never came up, so a restart would most
            # likely fail alike, and a stack half up hides that behind its banner.
            code = dead.process.returncode
            why = " (its configuration is invalid)" if code == CONFIG_ERROR else ""
            raise StackFailed(
                dead.exit_report(f"{dead.what} exited during start with {describe_exit(code)}{why}")
            )
        try:
            if check():
                return
        except (OSError, httpx.HTTPError):
            pass
        time.sleep(TICK)
    raise StackFailed(f"{what} did not become ready in {timeout:.0f} s")


def stack_environment(settings: StackSettings, var: Path) -> dict[str, str]:
    """The variables every process of the stack gets: the addresses of the servers this stack
    started (always), and where data lives under ``var`` (unless the environment says)."""
    env = {
        "TEMPORAL_ADDRESS": f"127.0.0.1:{settings.temporal_port}",
        "DR_WEB_TEMPORAL_UI_URL": f"http://localhost:{settings.temporal_ui_port}",
    }
    platform = PlatformEndpoints.all_at(f"http://127.0.0.1:{settings.platform_port}")
    for name in PlatformEndpoints.model_fields:
        if name.endswith("_url"):
            env[f"DR_{name.upper()}"] = str(getattr(platform, name)).rstrip("/")
    if "DR_ARCHIVE_URL" not in os.environ:
        env["DR_ARCHIVE_URL"] = f"sqlite:///{var / 'decision_archive.db'}"
    if not (os.environ.get("DR_ENCRYPTION_KEYS") or os.environ.get("DR_ENCRYPTION_KEY_FILE")):
        env["DR_ENCRYPTION_KEY_FILE"] = str(var / "encryption_keys.toml")
    if not os.environ.get("DR_WEB_SECRET_KEY"):
        env["DR_WEB_SECRET_KEY"] = demo_web_secret(var / "web_secret_key")
    return env


def demo_web_secret(path: Path) -> str:
    """The demo web app's session signing key, made once and kept (the web app's own demo
    default lives in the repository's var/; this one follows the stack's var dir)."""
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_urlsafe(48))
        path.chmod(0o600)
    return path.read_text().strip()


def services(settings: StackSettings, var: Path) -> list[tuple[str, Service]]:
    """What to start, in order, each with the line said before starting it."""
    web = f"http://127.0.0.1:{settings.web_port}"
    platform = f"http://127.0.0.1:{settings.platform_port}"
    return [
        (
            f"Starting the Temporal dev server (data in {shown(var / 'temporal.db')}) ...",
            Service(
                "temporal",
                "Temporal dev server",
                [
                    str(BIN / "temporal"),
                    "server",
                    "start-dev",
                    "--db-filename",
                    str(var / "temporal.db"),
                    "--ip",
                    "127.0.0.1",
                    "--port",
                    str(settings.temporal_port),
                    "--ui-port",
                    str(settings.temporal_ui_port),
                    "--log-level",
                    "warn",
                    # The Web UI asks our codec endpoint to decrypt history for signed-in
                    # leads and operators; the server itself only ever holds ciphertext.
                    "--ui-codec-endpoint",
                    f"http://localhost:{settings.web_port}/codec",
                    *dev_server_flags(),
                ],
                ready=lambda _: port_in_use(settings.temporal_port),
                # Every other process depends on it and its data: a restart would hide the cause.
                restart=False,
            ),
        ),
        (
            "Starting the demo platform (evidence, account status, notification gateway) ...",
            Service(
                "demo_platform",
                "demo platform",
                [
                    sys.executable,
                    "-m",
                    "demo_platform",
                    "--port",
                    str(settings.platform_port),
                    "--db",
                    str(var / "demo_platform.db"),
                ],
                ready=lambda _: answers(f"{platform}/healthz"),
                restart=True,
            ),
        ),
        (
            "Starting the worker ...",
            Service(
                "worker",
                "worker",
                [sys.executable, "worker.py"],
                # Only this run's lines count: the log keeps earlier runs' "serving" lines.
                ready=lambda s: "serving task queue" in s.output_since_start(),
                restart=True,
                env={"DR_WORKER_METRICS_ADDRESS": f"127.0.0.1:{settings.worker_metrics_port}"},
            ),
        ),
        (
            "Starting the web app (demo mode: demo people and tokens) ...",
            Service(
                "webapp",
                "web app",
                [sys.executable, "-m", "webapp", "--port", str(settings.web_port)],
                ready=lambda _: answers(f"{web}/healthz"),
                restart=True,
                # Demo people, and QA sampling every closed demo review.
                env={
                    "DR_WEB_DEMO_MODE": "1",
                    "DR_QA_SAMPLING_FILE": str(ROOT / "demo_platform" / "qa_sampling.toml"),
                },
            ),
        ),
    ]


def banner(settings: StackSettings, var: Path, env: dict[str, str]) -> str:
    """Where to look, printed once everything is up."""
    # starter.py run by hand needs what differs from its own defaults to reach this stack.
    starter_env = "".join(
        f"{name}={value} "
        for name, value, default in (
            ("TEMPORAL_ADDRESS", env["TEMPORAL_ADDRESS"], "127.0.0.1:7233"),
            ("DR_ENCRYPTION_KEY_FILE", env.get("DR_ENCRYPTION_KEY_FILE"), str(DEMO_KEY_FILE)),
        )
        if value and value != default
    )
    return f"""
deactivation-review is running.
  Specialists' web app   http://localhost:{settings.web_port}/queue
                         demo sign-in: ana, marco (specialists), luis, elena (leads),
                         sofia (qa), olga (operator); password "demo"
  Intake API and docs    http://localhost:{settings.web_port}/docs  (bearer demo-intake-token)
  Leads' dashboard       http://localhost:{settings.web_port}/dashboard
  QA audits              http://localhost:{settings.web_port}/qa
  Prometheus metrics     http://localhost:{settings.web_port}/metrics  (bearer demo-olga-token)
                         worker (Temporal SDK): http://127.0.0.1:{settings.worker_metrics_port}/metrics
  Temporal Web UI        http://localhost:{settings.temporal_ui_port}/namespaces/default/workflows
  Demo outbox (sent)     http://127.0.0.1:{settings.platform_port}/notification-gateway/messages
  Temporal frontend      127.0.0.1:{settings.temporal_port} (namespace default)
  Start more reviews     {starter_env}.venv/bin/python starter.py demo_platform/demo_reviews.jsonl
  Logs and pids          {shown(var / "log")}/, {shown(var / "run")}/
A worker, web app or demo platform that exits is restarted; Temporal exiting stops everything.
Press Ctrl-C to stop; data in {shown(var)}/ is kept for the next start."""


def main() -> int:
    """Start the stack, print where to look, supervise it until Ctrl-C or SIGTERM."""
    if isinstance(sys.stdout, io.TextIOWrapper):
        # Line by line even into a pipe or `tee`, so restarts are seen when they happen.
        sys.stdout.reconfigure(line_buffering=True)
    try:
        settings = StackSettings()
    except ValidationError as err:
        print(f"make run: invalid DR_STACK_* setting: {err}")
        return 2
    var = settings.var_dir.resolve()
    for port, what in (
        (settings.temporal_port, "Temporal"),
        (settings.temporal_ui_port, "Temporal Web UI"),
        (settings.platform_port, "demo platform"),
        (settings.web_port, "web app"),
    ):
        if port_in_use(port):
            print(f"make run: port {port} ({what}) is already in use; is another `make run` up?")
            return 1
    (var / "log").mkdir(parents=True, exist_ok=True)
    env = stack_environment(settings, var)
    key_file = env.get("DR_ENCRYPTION_KEY_FILE")
    if key_file and not Path(key_file).exists():
        new_key_file(Path(key_file), "demo1")
        print(f"Generated a demo encryption key in {shown(Path(key_file))}")
    # The worker and web app inherit these, and so does the seeding below (it runs in-process).
    os.environ.update(env)
    stack = Stack(var)

    def request_stop(signum: int, _frame: object) -> None:
        # Only a flag: the main loop, which alone starts processes, acts on it.
        stack.stopping = True

    signal.signal(signal.SIGTERM, request_stop)
    signal.signal(signal.SIGINT, request_stop)
    failed = False
    try:
        for announce, service in services(settings, var):
            print(announce)
            stack.start(service)
            wait_until(partial(service.ready, service), service.what, stack)
            service.awaiting_ready = False
        # The worker polls now: its build gets new reviews only once it is current.
        print("Making the worker's build current (new reviews start on it, pinned) ...")
        if deployment.main([]) != 0:
            raise StackFailed("could not make the worker's build current; see above")
        print("Seeding demo reviews (ones from an earlier run are found, not duplicated) ...")
        if starter.main([str(DEMO_REVIEWS)]) != 0:
            raise StackFailed("seeding the demo reviews failed")
        print(banner(settings, var, env))
        while not stack.stopping:
            stack.supervise(time.monotonic())
            time.sleep(TICK)
        return 0
    except StopRequested:
        return 0
    except StackFailed as err:
        failed = True
        print(f"make run: {err}")
        return 1
    finally:
        print("Stopping ...")
        stack.stop()
        print(f"Stopped. Data is kept in {shown(var)}/.")
        if failed:
            # Last, so the one line a person reads after the prompt returns says why.
            print("make run failed; the problem is shown above.")


if __name__ == "__main__":
    os.chdir(ROOT)
    exit_process(main())
