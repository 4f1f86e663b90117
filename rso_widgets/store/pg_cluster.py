"""A throwaway local PostgreSQL cluster, for the test suite and the benchmarks (not the app).

    with PgCluster.start() as cluster:          # initdb + pg_ctl start in a temp folder
        url = cluster.create_database("t1")     # postgresql+psycopg://postgres@127.0.0.1:…/t1

The cluster listens on 127.0.0.1 on a free port, with its unix socket in its own folder and
trust authentication (loopback only). PostgreSQL refuses to run as root: when root, the server
programs run as the `postgres` system user (`runuser -u postgres --`), which owns the folder.
"""

from __future__ import annotations

import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Self

import psycopg

from .pg_tools import pg_binary

SETUP_HINT = ("PostgreSQL server programs (initdb, pg_ctl) were not found: run "
              "`scripts/setup.sh test` to install Debian's postgresql packages")
FAST = ("-c fsync=off -c synchronous_commit=off -c full_page_writes=off")


class PgClusterError(RuntimeError):
    """The throwaway cluster could not be set up."""


def server_binaries() -> tuple[str, str] | None:
    """(initdb, pg_ctl) paths, or None if the server packages are missing."""
    initdb, pg_ctl = pg_binary("initdb"), pg_binary("pg_ctl")
    if initdb is None or pg_ctl is None:
        return None
    return initdb, pg_ctl


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class PgCluster:
    """One initdb'd data folder and its running server; `stop()` deletes everything."""

    def __init__(self, root: Path, port: int, pg_ctl: str, as_postgres: bool) -> None:
        self.root, self.port = root, port
        self._pg_ctl, self._as_postgres = pg_ctl, as_postgres
        self.data = root / "data"
        self.log = root / "server.log"

    # -- lifecycle -----------------------------------------------------------------------------

    @classmethod
    def start(cls, *, fast: bool = True, max_connections: int = 100,
              attempts: int = 3) -> PgCluster:
        """initdb into a new temp folder and start a server; `fast` turns fsync off."""
        found = server_binaries()
        if found is None:
            raise PgClusterError(SETUP_HINT)
        initdb, pg_ctl = found
        as_postgres = os.geteuid() == 0
        root = Path(tempfile.mkdtemp(prefix="rso-pg-"))
        try:
            if as_postgres:
                pw = pwd.getpwnam("postgres")
                os.chown(root, pw.pw_uid, pw.pw_gid)
            cluster = cls(root, 0, pg_ctl, as_postgres)
            cluster._run([initdb, "-D", str(cluster.data), "-U", "postgres", "-E", "UTF8",
                          "--locale=C", "--auth=trust", "--no-sync", "--no-instructions"])
            opts = (f"-c listen_addresses=127.0.0.1 -c unix_socket_directories={root} "
                    f"-c max_connections={max_connections} -c shared_buffers=64MB "
                    "-c log_min_messages=warning")
            if fast:
                opts += " " + FAST
            for attempt in range(attempts):  # the free port may be taken before we bind it
                cluster.port = _free_port()
                try:
                    cluster._run([pg_ctl, "-D", str(cluster.data), "-l", str(cluster.log),
                                  "-w", "-t", "60", "-o", f"{opts} -p {cluster.port}", "start"])
                    return cluster
                except PgClusterError:
                    if attempt == attempts - 1:
                        raise
                    time.sleep(0.2)
            raise AssertionError("unreachable")
        except BaseException:
            shutil.rmtree(root, ignore_errors=True)
            raise

    def stop(self) -> None:
        """Stop the server (immediately: nothing here needs keeping) and delete the folder."""
        try:
            if (self.data / "postmaster.pid").exists():
                self._run([self._pg_ctl, "-D", str(self.data), "-m", "immediate", "-w",
                           "stop"])
        finally:
            shutil.rmtree(self.root, ignore_errors=True)

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def _run(self, cmd: list[str]) -> None:
        if self._as_postgres:
            cmd = ["runuser", "-u", "postgres", "--", *cmd]
        done = subprocess.run(cmd, capture_output=True, text=True, timeout=120, check=False,
                              cwd=self.root)
        if done.returncode != 0:
            log = self.log.read_text(errors="replace")[-2000:] if self.log.exists() else ""
            raise PgClusterError(f"{' '.join(cmd)} failed ({done.returncode}):\n"
                                 f"{done.stdout}{done.stderr}{log}")

    # -- databases -----------------------------------------------------------------------------

    def url(self, database: str = "postgres") -> str:
        """SQLAlchemy URL (psycopg 3) of a database in this cluster, as superuser `postgres`."""
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/{database}"

    def execute(self, *statements: str) -> None:
        """Run statements in autocommit mode on the `postgres` database (CREATE DATABASE…)."""
        with psycopg.connect(host="127.0.0.1", port=self.port, user="postgres",
                             dbname="postgres", autocommit=True) as conn:
            for stmt in statements:
                conn.execute(stmt)  # type: ignore[arg-type]

    def create_database(self, name: str, *, template: str = "template0") -> str:
        """A new empty (or `template`-copied) database; returns its URL."""
        self.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
        return self.url(name)

    def drop_database(self, name: str) -> None:
        self.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
