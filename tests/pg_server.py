"""Pytest plugin: the store tests run against SQLite and a real, throwaway PostgreSQL server.

Registered in conftest.py (`pytest_plugins = ["pg_server"]`). One cluster per test session,
started the first time a test asks for it (`rso_widgets.store.pg_cluster`): initdb into a temp
folder, 127.0.0.1 on a free port, fsync off, trust auth on loopback; stopped and deleted at the
end of the session, also after failures. Each test gets its own database, copied from a
template already migrated to the newest schema (fast), or an empty one.

Fixtures: `pg_cluster`, `pg_url` (session: the server's `postgres` database), `pg_database_url`
(a fresh workbook database per test), `pg_empty_database_url`, `store_url` (parametrised over
"sqlite" and "postgresql") and `store_env` (the same URL set as the configured database, for
code that calls `open_store()` or the CLI without a URL).

Missing PostgreSQL programs FAIL the PostgreSQL tests (CI must run them): run
`scripts/setup.sh test`. Set RSO_TEST_SKIP_POSTGRES=1 to skip them explicitly instead.
"""

from __future__ import annotations

import atexit
import itertools
import os
from collections.abc import Iterator

import pytest
from identities import open_as

from rso_widgets.store.pg_cluster import SETUP_HINT, PgCluster, server_binaries

SKIP_ENV = "RSO_TEST_SKIP_POSTGRES"
BACKENDS = ("sqlite", "postgresql")
_names = itertools.count(1)


@pytest.fixture(scope="session")
def pg_cluster() -> Iterator[PgCluster]:
    """The session's throwaway PostgreSQL cluster."""
    if os.environ.get(SKIP_ENV) == "1":
        pytest.skip(f"PostgreSQL tests skipped because {SKIP_ENV}=1")
    if server_binaries() is None:
        pytest.fail(f"{SETUP_HINT} (or set {SKIP_ENV}=1 to skip the PostgreSQL tests "
                    "explicitly)", pytrace=False)
    cluster = PgCluster.start(fast=True)
    atexit.register(cluster.stop)  # also if the session ends without running finalizers
    try:
        yield cluster
    finally:
        cluster.stop()
        atexit.unregister(cluster.stop)


@pytest.fixture(scope="session")
def pg_url(pg_cluster: PgCluster) -> str:
    """SQLAlchemy URL of the cluster's `postgres` database (superuser `postgres`)."""
    return pg_cluster.url()


@pytest.fixture(scope="session")
def _pg_template(pg_cluster: PgCluster) -> str:
    """A database migrated to the newest schema, copied for each test."""

    name = "rso_template"
    open_as(pg_cluster.create_database(name), user="template").close()  # disposes the pool
    return name


def _fresh(cluster: PgCluster, template: str) -> Iterator[str]:
    name = f"rso_test_{os.getpid()}_{next(_names)}"
    url = cluster.create_database(name, template=template)
    try:
        yield url
    finally:
        cluster.drop_database(name)  # WITH (FORCE): connections a test left open go too


@pytest.fixture
def pg_database_url(pg_cluster: PgCluster, _pg_template: str) -> Iterator[str]:
    """A fresh workbook database (newest schema, no records) for this test alone."""
    yield from _fresh(pg_cluster, _pg_template)


@pytest.fixture
def pg_empty_database_url(pg_cluster: PgCluster) -> Iterator[str]:
    """A fresh, completely empty database for this test alone."""
    yield from _fresh(pg_cluster, "template0")


@pytest.fixture(params=BACKENDS)
def store_url(request: pytest.FixtureRequest, tmp_path) -> str:
    """A workbook database URL: SQLite in `tmp_path/data`, or a fresh PostgreSQL database."""
    if request.param == "postgresql":
        return request.getfixturevalue("pg_database_url")
    from rso_widgets.store.db import DB_FILENAME

    return f"sqlite:///{tmp_path / 'data' / DB_FILENAME}"


@pytest.fixture
def store_env(store_url: str, tmp_path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """`store_url` as the configured database: SQLite through RSO_DATA_DIR (the default
    location), PostgreSQL through RSO_DATABASE_URL. Returns the URL."""
    from rso_widgets.settings import get_settings

    monkeypatch.setenv("RSO_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.delenv("JUPYTERHUB_USER", raising=False)
    if store_url.startswith("sqlite"):
        monkeypatch.delenv("RSO_DATABASE_URL", raising=False)
    else:
        monkeypatch.setenv("RSO_DATABASE_URL", store_url)
    get_settings.cache_clear()
    yield store_url
    get_settings.cache_clear()


# -- helpers for tests that go around the store (tampering, backdating) ----------------------------

def run_sql(url: str, *statements: str, **params: object) -> list[tuple]:
    """Run raw SQL on either backend in one transaction, past the store (no audit, no ORM
    guards); returns the rows of the last statement that returns rows."""
    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    rows: list[tuple] = []
    try:
        with engine.begin() as conn:
            for stmt in statements:
                result = conn.execute(text(stmt), params)
                if result.returns_rows:
                    rows = [tuple(r) for r in result]
    finally:
        engine.dispose()
    return rows


def drop_trigger(url: str, name: str, table: str) -> str:
    """The statement that drops a trigger (a determined tamperer's first step)."""
    return f"DROP TRIGGER {name}" + ("" if url.startswith("sqlite") else f" ON {table}")
