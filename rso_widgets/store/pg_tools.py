"""PostgreSQL client tools: finding pg_dump / pg_restore / psql, and running them on a URL.

Used by `backup.py` (backup/restore of a PostgreSQL workbook) and `db.upgrade` (a backup before a
schema upgrade). Custom-format archives (`pg_dump -Fc`) are written to new owner-only files.
"""

from __future__ import annotations

import glob
import os
import re
import shutil
import subprocess
from pathlib import Path

from sqlalchemy import URL, make_url

from .errors import StoreError, UnsupportedForDatabase
from .private_files import create_private_file

ARCHIVE_MAGIC = b"PGDMP"
SETUP_HINT = ("install the PostgreSQL client tools (Debian/Ubuntu: `apt install "
              "postgresql-client`; for the test suite: `scripts/setup.sh test`) so that "
              "pg_dump, pg_restore and psql are on PATH")
TIMEOUT_S = 3600


def pg_binary(name: str) -> str | None:
    """The path of a PostgreSQL program: on PATH, else the newest Debian/Ubuntu install."""
    found = shutil.which(name)
    if found:
        return found
    candidates = glob.glob(f"/usr/lib/postgresql/*/bin/{name}")
    if not candidates:
        return None

    def major(path: str) -> int:
        m = re.search(r"/postgresql/(\d+)/", path)
        return int(m.group(1)) if m else 0

    return max(candidates, key=major)


def require(name: str, action: str) -> str:
    """`pg_binary(name)`, or UnsupportedForDatabase saying what to install."""
    path = pg_binary(name)
    if path is None:
        raise UnsupportedForDatabase(
            f"{action} of a PostgreSQL workbook database needs {name}, which was not found: "
            f"{SETUP_HINT}")
    return path


def is_postgresql(url: str | URL) -> bool:
    return make_url(url).get_backend_name() == "postgresql"


def libpq_args(url: str | URL) -> tuple[str, dict[str, str]]:
    """(`postgresql://…` connection string without the password, environment with PGPASSWORD).

    The password is passed in the environment, never on a command line others can read."""
    u = make_url(url)
    env = dict(os.environ)
    if u.password is not None:
        env["PGPASSWORD"] = str(u.password)
    conninfo = u.set(drivername="postgresql", password=None).render_as_string(
        hide_password=False)
    return conninfo, env


def _run(cmd: list[str], env: dict[str, str], what: str, **kw: object) -> str:
    try:
        done = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=TIMEOUT_S,
                              check=False, **kw)  # type: ignore[call-overload]
    except subprocess.TimeoutExpired as exc:
        raise StoreError(f"{what} did not finish within {TIMEOUT_S} s") from exc
    if done.returncode != 0:
        detail = (done.stderr or "").strip().splitlines()
        raise StoreError(f"{what} failed: {' / '.join(detail[-3:]) or 'no message'}")
    return done.stdout


def dump(url: str | URL, dest: Path) -> Path:
    """`pg_dump -Fc` of the database into the new file `dest` (0o600). A consistent snapshot,
    safe while the app writes. The file is removed again if pg_dump fails."""
    exe = require("pg_dump", "a backup")
    conninfo, env = libpq_args(url)
    create_private_file(dest, exclusive=True)
    try:
        _run([exe, "--format=custom", "--no-owner", "--no-privileges", f"--file={dest}",
              f"--dbname={conninfo}"], env, "pg_dump")
    except BaseException:
        dest.unlink(missing_ok=True)
        raise
    return dest


def archive_tables(src: Path) -> set[str]:
    """Names of the tables in a pg_dump custom archive (its table of contents)."""
    exe = require("pg_restore", "checking a backup")
    toc = _run([exe, "--list", str(src)], dict(os.environ), f"reading {src.name}")
    return {m.group(1) for m in re.finditer(r"^\d+; \d+ \d+ TABLE \S+ (\S+) ", toc, re.M)}


def archive_revision(src: Path) -> str | None:
    """The schema revision stored in the archive's `alembic_version` table, if any."""
    exe = require("pg_restore", "checking a backup")
    script = _run([exe, "--data-only", "--table=alembic_version", "--file=-", str(src)],
                  dict(os.environ), f"reading {src.name}")
    m = re.search(r"^COPY \S*alembic_version \(version_num\) FROM stdin;\n(.*?)\n\\\.$",
                  script, re.M | re.S)
    if m is None:
        return None
    rows = [r for r in m.group(1).splitlines() if r.strip()]
    return rows[0].strip() if rows else None


def restore(url: str | URL, src: Path, drop_tables: list[str]) -> None:
    """Replace the database's workbook objects with the archive, in one transaction.

    `drop_tables` (the live workbook tables) are dropped first, in the same transaction as the
    restore (psql --single-transaction), so a failed restore leaves the database unchanged."""
    pg_restore = require("pg_restore", "a restore")
    psql = require("psql", "a restore")
    script = _run([pg_restore, "--no-owner", "--no-privileges", "--file=-", str(src)],
                  dict(os.environ), f"reading {src.name}")
    drops = ["DROP FUNCTION IF EXISTS rso_append_only() CASCADE;"]
    drops += [f'DROP TABLE IF EXISTS "{t}" CASCADE;' for t in drop_tables]
    conninfo, env = libpq_args(url)
    _run([psql, "--no-psqlrc", "--quiet", "--single-transaction", "-v", "ON_ERROR_STOP=1",
          f"--dbname={conninfo}", "--file=-"], env, "restoring with psql",
         input="\n".join(drops) + "\n" + script)
