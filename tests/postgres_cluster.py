"""A throwaway PostgreSQL cluster for tests, from Debian's server binaries (``make test``
installs them): initdb in a temporary folder, a free port on 127.0.0.1, trust auth, stopped
and removed afterwards. PostgreSQL refuses to run as root, so as root it runs as ``postgres``."""

from __future__ import annotations

import glob
import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


def server_bin() -> Path:
    """The newest installed PostgreSQL server's bin folder."""
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    if not found:
        raise RuntimeError("no PostgreSQL server found; `make test` installs Debian's postgresql")
    return Path(found[-1]).parent


@contextmanager
def postgres_cluster(port: int) -> Iterator[str]:
    """Start a cluster; yields a SQLAlchemy URL for its ``postgres`` database."""
    bin_dir = server_bin()
    home = Path(tempfile.mkdtemp(prefix="dr-pg-"))
    as_root = os.geteuid() == 0
    if as_root:
        shutil.chown(home, "postgres", "postgres")
    prefix = ["runuser", "-u", "postgres", "--"] if as_root else []
    data = home / "data"

    def run(*command: str) -> None:
        subprocess.run([*prefix, *command], check=True, capture_output=True, text=True)

    try:
        run(str(bin_dir / "initdb"), "-D", str(data), "-A", "trust", "-U", "dr", "--no-sync")
        options = f"-p {port} -k {home} -c listen_addresses=127.0.0.1 -c fsync=off"
        log = str(home / "server.log")
        run(str(bin_dir / "pg_ctl"), "-D", str(data), "-o", options, "-l", log, "-w", "start")
        try:
            yield f"postgresql+psycopg://dr@127.0.0.1:{port}/postgres"
        finally:
            run(str(bin_dir / "pg_ctl"), "-D", str(data), "-m", "immediate", "stop")
    except subprocess.CalledProcessError as err:
        failed = f"{err.cmd[len(prefix)]}: {err.stderr}"
        raise RuntimeError(f"PostgreSQL for tests failed: {failed}") from None
    finally:
        shutil.rmtree(home, ignore_errors=True)
