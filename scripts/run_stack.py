"""``make run``: the whole system on this machine, in the foreground.

Starts the Temporal dev server (SQLite under var/), the demo platform, and the worker; seeds the
demo reviews; prints where to look. Ctrl-C or SIGTERM stops everything it started, and the data
in var/ is kept for the next start.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx

import starter
from temporal_runtime.connection import exit_process
from temporal_runtime.encryption import DEMO_KEY_FILE, new_key_file
from workflows.search_attributes import dev_server_flags

ROOT = Path(__file__).resolve().parent.parent
VAR = ROOT / "var"
LOGS = VAR / "log"
BIN = Path(sys.executable).parent
DEMO_REVIEWS = ROOT / "demo_platform" / "demo_reviews.jsonl"

TEMPORAL_PORT = 7233
TEMPORAL_UI_PORT = 8233
PLATFORM_PORT = 8100
WEB_PORT = 8000


@dataclass
class Stack:
    """The processes started, stopped in reverse order."""

    processes: list[tuple[str, subprocess.Popen[bytes]]] = field(default_factory=list)

    def start(
        self, name: str, command: list[str], env: dict[str, str] | None = None
    ) -> subprocess.Popen[bytes]:
        """Start a process with its output in var/log/NAME.log."""
        log = (LOGS / f"{name}.log").open("ab")
        process = subprocess.Popen(
            command,
            cwd=ROOT,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            env={**os.environ, **(env or {})},
        )
        self.processes.append((name, process))
        return process

    def dead(self) -> str | None:
        """The name of a process that has exited, if any."""
        return next((name for name, p in self.processes if p.poll() is not None), None)

    def stop(self) -> None:
        """SIGTERM everything, newest first; SIGKILL what is still running after 15 s."""
        for _, process in reversed(self.processes):
            if process.poll() is None:
                process.terminate()
        deadline = time.monotonic() + 15
        for name, process in reversed(self.processes):
            try:
                process.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                print(f"  {name} did not stop in time; killing it")
                process.kill()


def port_in_use(port: int) -> bool:
    """Whether something already listens on 127.0.0.1:port."""
    with socket.socket() as s:
        return s.connect_ex(("127.0.0.1", port)) == 0


def wait_until(check: object, what: str, stack: Stack, timeout: float = 60) -> None:
    """Poll ``check()`` until true; fail naming ``what`` and its log if a process died."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        dead = stack.dead()
        if dead:
            raise SystemExit(f"{dead} exited during start; see var/log/{dead}.log")
        try:
            if check():  # type: ignore[operator]
                return
        except (OSError, httpx.HTTPError):
            pass
        time.sleep(0.2)
    raise SystemExit(f"{what} did not become ready in {timeout:.0f} s")


def main() -> int:
    """Start the stack, print where to look, and wait for Ctrl-C or SIGTERM."""
    for port, what in (
        (TEMPORAL_PORT, "Temporal"),
        (TEMPORAL_UI_PORT, "Temporal Web UI"),
        (PLATFORM_PORT, "demo platform"),
        (WEB_PORT, "web app"),
    ):
        if port_in_use(port):
            print(f"make run: port {port} ({what}) is already in use; is another `make run` up?")
            return 1
    LOGS.mkdir(parents=True, exist_ok=True)
    if not DEMO_KEY_FILE.exists():
        new_key_file(DEMO_KEY_FILE, "demo1")
        print(f"Generated a demo encryption key in {DEMO_KEY_FILE.relative_to(ROOT)}")
    stack = Stack()
    stopping = False

    def request_stop(signum: int, _frame: object) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGTERM, request_stop)
    signal.signal(signal.SIGINT, request_stop)
    try:
        print("Starting the Temporal dev server (data in var/temporal.db) ...")
        stack.start(
            "temporal",
            [
                str(BIN / "temporal"),
                "server",
                "start-dev",
                "--db-filename",
                str(VAR / "temporal.db"),
                "--ip",
                "127.0.0.1",
                "--port",
                str(TEMPORAL_PORT),
                "--ui-port",
                str(TEMPORAL_UI_PORT),
                "--log-level",
                "warn",
                # The Web UI asks our codec endpoint to decrypt history for signed-in leads
                # and operators; the server itself only ever holds ciphertext.
                "--ui-codec-endpoint",
                f"http://localhost:{WEB_PORT}/codec",
                *dev_server_flags(),
            ],
        )
        wait_until(lambda: port_in_use(TEMPORAL_PORT), "Temporal dev server", stack)
        print("Starting the demo platform (evidence, account status, notification gateway) ...")
        stack.start(
            "demo_platform",
            [
                sys.executable,
                "-m",
                "demo_platform",
                "--port",
                str(PLATFORM_PORT),
                "--db",
                str(VAR / "demo_platform.db"),
            ],
        )
        wait_until(
            lambda: httpx.get(f"http://127.0.0.1:{PLATFORM_PORT}/healthz").is_success,
            "demo platform",
            stack,
        )
        print("Starting the worker ...")
        stack.start("worker", [sys.executable, "worker.py"])
        wait_until(
            lambda: "serving task queue" in (LOGS / "worker.log").read_text(errors="replace"),
            "worker",
            stack,
        )
        print("Starting the web app (demo mode: demo people and tokens) ...")
        stack.start(
            "webapp",
            [sys.executable, "-m", "webapp", "--port", str(WEB_PORT)],
            env={"DR_WEB_DEMO_MODE": "1"},
        )
        wait_until(
            lambda: httpx.get(f"http://127.0.0.1:{WEB_PORT}/healthz").is_success,
            "web app",
            stack,
        )
        print("Seeding demo reviews (ones from an earlier run are found, not duplicated) ...")
        if starter.main([str(DEMO_REVIEWS)]) != 0:
            raise SystemExit("seeding the demo reviews failed")
        print(
            f"""
deactivation-review is running.
  Specialists' web app   http://localhost:{WEB_PORT}/queue
                         demo sign-in: ana, marco (specialists), luis (lead), sofia (qa),
                         olga (operator); password "demo"
  Intake API and docs    http://localhost:{WEB_PORT}/docs  (bearer demo-intake-token)
  Temporal Web UI        http://localhost:{TEMPORAL_UI_PORT}/namespaces/default/workflows
  Demo outbox (sent)     http://127.0.0.1:{PLATFORM_PORT}/notification-gateway/messages
  Temporal frontend      127.0.0.1:{TEMPORAL_PORT} (namespace default)
  Start more reviews     .venv/bin/python starter.py demo_platform/demo_reviews.jsonl
  Logs                   var/log/
Press Ctrl-C to stop; data in var/ is kept for the next start."""
        )
        while not stopping:
            dead = stack.dead()
            if dead:
                print(f"{dead} exited; stopping everything (see var/log/{dead}.log)")
                return 1
            time.sleep(0.5)
        return 0
    except SystemExit as err:
        print(f"make run: {err}")
        return 1
    finally:
        print("Stopping ...")
        stack.stop()
        print("Stopped. Data is kept in var/.")


if __name__ == "__main__":
    os.chdir(ROOT)
    exit_process(main())
