"""Persistence for RSO Workbook: SQLite by default, PostgreSQL by URL; audited, versioned.

    store = open_store()                      # SQLite in the data directory, schema upgraded
    v1 = store.create_assessment(person.id, "rm2000", data)
    v2 = store.save_version(v1.assessment_id, data, "new conviction", 1)  # as current_user()
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

from .errors import (
    AccessDenied,
    ConcurrentEditError,
    DraftConflict,
    DuplicateNameError,
    EditConflictError,
    ImmutableRecordError,
    JoinCodeExpired,
    NotAWorkbookDatabase,
    NotFoundError,
    SchemaVersionError,
    SignOffError,
    StoreError,
    UnsupportedForDatabase,
    WorkshopClosed,
)
from .identity import current_user
from .records import (
    AssessmentRecord,
    AuditRecord,
    CohortRecord,
    DraftRecord,
    MemberRecord,
    PersonRecord,
    PracticeAttemptRecord,
    SubmissionRecord,
    TraineeView,
    VersionRecord,
)

if TYPE_CHECKING:
    from .audit import VerifyReport
    from .cpd import cpd_record
    from .repository import Store, open_store

__all__ = [
    "AccessDenied",
    "AssessmentRecord",
    "AuditRecord",
    "CohortRecord",
    "ConcurrentEditError",
    "DraftConflict",
    "DraftRecord",
    "DuplicateNameError",
    "EditConflictError",
    "ImmutableRecordError",
    "JoinCodeExpired",
    "MemberRecord",
    "NotAWorkbookDatabase",
    "NotFoundError",
    "PersonRecord",
    "PracticeAttemptRecord",
    "SchemaVersionError",
    "SignOffError",
    "SqlPracticeStore",
    "Store",
    "StoreError",
    "SubmissionRecord",
    "SupervisionStore",
    "TraineeView",
    "UnsupportedForDatabase",
    "VerifyReport",
    "VersionRecord",
    "WorkshopClosed",
    "cpd_record",
    "current_user",
    "open_store",
]


_LAZY = {"Store": "repository", "open_store": "repository", "VerifyReport": "audit",
         "cpd_record": "cpd"}


def __getattr__(name: str) -> object:
    # SQLAlchemy and Alembic load only when the store is used: a page whose first view needs no
    # database (the workshop trainee page) starts without them (issue 12)
    if name in _LAZY:
        return getattr(importlib.import_module(f".{_LAZY[name]}", __name__), name)
    if name == "SqlPracticeStore":
        # deferred: it loads SQLAlchemy and the calibration package (see above)
        from .practice import SqlPracticeStore
        return SqlPracticeStore
    if name == "SupervisionStore":
        # deferred: it loads SQLAlchemy (see above)
        from .supervision import SupervisionStore
        return SupervisionStore
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
