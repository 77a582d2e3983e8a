"""A real, throwaway PostgreSQL server for the tests: Debian's ``initdb`` and ``pg_ctl`` on a
data folder in a temporary directory, listening on 127.0.0.1 and a free port, with trust
authentication (any password is accepted, so a test may set one to exercise the password path).

PostgreSQL refuses to run as root; as root the server runs as the ``postgres`` user, which owns
the temporary directory.
"""

from __future__ import annotations

import os
import pwd
import re
import shlex
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

#: where Debian and Ubuntu install each major version's server programs
DEBIAN_BINARIES = "/usr/lib/postgresql/*/bin"
USER = "kam"
DATABASE = "kam"


@dataclass(frozen=True)
class PgServer:
    """Where a running test server listens; ``url`` is a SQLAlchemy URL without a password."""

    host: str
    port: int
    user: str
    database: str
    data_dir: Path

    @property
    def url(self) -> str:
        return f"postgresql+psycopg://{self.user}@{self.host}:{self.port}/{self.database}"


def find_binaries() -> Path | None:
    """The newest PostgreSQL ``bin`` folder with ``initdb`` and ``pg_ctl``, or None."""
    found = [
        d
        for d in Path("/").glob(DEBIAN_BINARIES.lstrip("/"))
        if (d / "initdb").is_file() and (d / "pg_ctl").is_file()
    ]
    # by version number: 9.6 < 10 < 15, which a sort of the names would get wrong
    found.sort(key=lambda d: [int(n) for n in re.findall(r"\d+", d.parent.name)])
    return found[-1] if found else None


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _as_server_user(cmd: list[str]) -> list[str]:
    """``cmd`` as the ``postgres`` user when running as root (initdb and pg_ctl refuse root)."""
    if os.geteuid() != 0:
        return cmd
    if shutil.which("runuser"):
        return ["runuser", "-u", "postgres", "--", *cmd]
    return ["su", "postgres", "-s", "/bin/sh", "-c", shlex.join(cmd)]


def _run(cmd: list[str], log: Path | None = None) -> None:
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=120, check=False)
    if done.returncode != 0:
        server_log = log.read_text(errors="replace")[-3000:] if log and log.is_file() else ""
        raise RuntimeError(
            f"{shlex.join(cmd)} failed ({done.returncode}):\n"
            f"{done.stdout[-2000:]}{done.stderr[-2000:]}{server_log}"
        )


@contextmanager
def pg_server(binaries: Path | None = None) -> Iterator[PgServer]:
    """Start a PostgreSQL server with an empty database ``kam`` owned by the superuser ``kam``;
    stop it and remove its files on leaving.

    Parameters
    ----------
    binaries : Path, optional
        The folder with ``initdb`` and ``pg_ctl``; by default :func:`find_binaries`.

    Yields
    ------
    PgServer
        Host, port, user, database and the SQLAlchemy URL.
    """
    binaries = binaries or find_binaries()
    if binaries is None:
        raise RuntimeError(f"no PostgreSQL server programs in {DEBIAN_BINARIES}")
    # not pytest's tmp_path: its parent is private to root, which the postgres user cannot enter
    base = Path(tempfile.mkdtemp(prefix="kam-pg-"))
    data, log = base / "data", base / "server.log"
    if os.geteuid() == 0:
        owner = pwd.getpwnam("postgres")
        os.chown(base, owner.pw_uid, owner.pw_gid)
    started = False
    try:
        _run(
            _as_server_user(
                [
                    str(binaries / "initdb"),
                    "-D",
                    str(data),
                    "-A",
                    "trust",
                    "-U",
                    USER,
                    "--encoding",
                    "UTF8",
                    "--locale",
                    "C",
                    "--no-sync",  # a throwaway server needs no durability
                ]
            )
        )
        # the port is free when asked but may be taken before the server binds it: try again
        for attempt in range(3):
            port = free_port()
            options = shlex.join(
                ["-k", str(base), "-h", "127.0.0.1", "-p", str(port)]
                + ["-c", "fsync=off", "-c", "full_page_writes=off"]
            )
            cmd = [str(binaries / "pg_ctl"), "-D", str(data), "-l", str(log), "-o", options]
            try:
                _run(_as_server_user([*cmd, "-w", "-t", "60", "start"]), log)
                started = True
                break
            except RuntimeError:
                if attempt == 2:
                    raise
        _run(
            [
                str(binaries / "createdb"),
                "-h",
                "127.0.0.1",
                "-p",
                str(port),
                "-U",
                USER,
                DATABASE,
            ]
        )
        yield PgServer("127.0.0.1", port, USER, DATABASE, data)
    finally:
        if started:
            _run(
                _as_server_user(
                    [str(binaries / "pg_ctl"), "-D", str(data), "-m", "fast", "-w", "stop"]
                )
            )
        shutil.rmtree(base, ignore_errors=True)
