"""What the workshop logic reads of the store's cohort and member records (`store.records`),
as protocols: calibration sits below the store and does not import it."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Protocol


class CohortLike(Protocol):
    """A workshop as the store returns it (`store.records.CohortRecord`)."""

    @property
    def id(self) -> int: ...
    @property
    def name(self) -> str: ...
    @property
    def join_code(self) -> str: ...
    @property
    def case_ids(self) -> Sequence[str]: ...
    @property
    def is_open(self) -> bool: ...
    @property
    def expires_at(self) -> dt.datetime | None: ...
    @property
    def key_released_at(self) -> dt.datetime | None: ...
    @property
    def instruments(self) -> Mapping[str, Sequence[str]] | None: ...


class MemberLike(Protocol):
    """A workshop member (`store.records.MemberRecord`)."""

    @property
    def id(self) -> int: ...
    @property
    def cohort_id(self) -> int: ...
    @property
    def display_name(self) -> str: ...
    @property
    def joined_at(self) -> dt.datetime: ...
