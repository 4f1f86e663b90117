"""Suite-wide isolation: every test, kernel and Voilà server started by the tests uses a throwaway
data directory and a fixed test identity, never the tester's ~/.rso-workbook."""

from __future__ import annotations

import os
import shutil
import tempfile

import pytest

_DATA_DIR = tempfile.mkdtemp(prefix="rso-tests-")

# A throwaway PostgreSQL cluster (started only when a test asks for it): fixtures pg_url,
# store_url (sqlite/postgresql), store_env; the room page's served/trainer (room_fixtures.py).
pytest_plugins = ["pg_server", "room_fixtures"]


@pytest.hookimpl(trylast=True)  # after pytest's tmp_path plugin has set up its base folder
def pytest_configure(config) -> None:
    os.environ["RSO_DATA_DIR"] = _DATA_DIR  # inherited by kernels and `rso-workbook serve`
    # files the tests write under pytest's tmp_path may be loaded as rulesets and cases
    os.environ["RSO_ALLOWED_DATA_DIRS"] = str(config._tmp_path_factory.getbasetemp())
    os.environ.setdefault("RSO_USER", "test-user")
    os.environ.pop("JUPYTERHUB_USER", None)
    from rso_widgets.settings import get_settings

    get_settings.cache_clear()


def pytest_unconfigure(config) -> None:
    shutil.rmtree(_DATA_DIR, ignore_errors=True)


def pytest_collection_modifyitems(config, items) -> None:
    """Browser tests last: Playwright's session-wide event loop would otherwise hold back the
    debounced autosave timers that widget tests wait for."""
    items.sort(key=lambda item: item.get_closest_marker("browser") is not None)


@pytest.fixture
def data_dir(tmp_path, monkeypatch):
    """A fresh, not yet created data directory for this test (embedded SQLite, user "alice",
    no JupyterHub user, a private HOME); the settings are re-read."""
    from rso_widgets.settings import get_settings

    monkeypatch.setenv("RSO_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.delenv("RSO_DATABASE_URL", raising=False)
    monkeypatch.delenv("JUPYTERHUB_USER", raising=False)
    monkeypatch.setenv("RSO_USER", "alice")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    get_settings.cache_clear()
    yield tmp_path / "data"
    get_settings.cache_clear()
