"""The room page's test fixtures, shared by test_room_page.py and the room tests beside it
(forms, history, draft conflicts): a live `rso-workbook serve` per test module (`served`) and a
trainer's store on its database (`trainer`). A plugin of the root conftest, so each module uses
them by name without importing them."""

from __future__ import annotations

from collections.abc import Iterator

import pytest


@pytest.fixture(scope="module")
def served(tmp_path_factory) -> Iterator[object]:
    from test_room_page import room_server  # the room tests' server, started on first use

    with room_server(tmp_path_factory) as server:
        yield server


@pytest.fixture
def trainer(served) -> Iterator[object]:
    from identities import open_as

    with open_as(served.db_url, user="trainer.one") as s:
        yield s
