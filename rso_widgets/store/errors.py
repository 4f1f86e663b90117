"""Store errors: each message names what happened and what to do about it."""

from __future__ import annotations

import datetime as dt

from ..timefmt import when_text


class StoreError(Exception):
    """Base class for every error the store raises on purpose."""


class NotFoundError(StoreError, LookupError):
    """A record asked for by id or key does not exist (or was deleted)."""


class ImmutableRecordError(StoreError):
    """Something tried to change a saved assessment version or audit entry in place."""


class ConcurrentEditError(StoreError):
    """Someone else saved a newer version since this user's edit began; nothing was overwritten."""

    def __init__(self, *, assessment_id: int, expected_version: int, latest_version: int,
                 latest_author: str, latest_at: dt.datetime, draft_key: str) -> None:
        self.assessment_id = assessment_id
        self.expected_version = expected_version
        self.latest_version = latest_version
        self.latest_author = latest_author
        self.latest_at = latest_at
        self.draft_key = draft_key
        when = when_text(latest_at)
        super().__init__(
            f"Not saved: assessment {assessment_id} is now at version {latest_version}, "
            f"saved by {latest_author} at {when}, but your edit started from version "
            f"{expected_version}. Nothing was overwritten; your text is kept as your draft "
            f"'{draft_key}'. Open version {latest_version}, reapply your changes and save again.")


class EditConflictError(StoreError):
    """Someone changed a record (another page, tab or person) since this edit began; nothing was
    overwritten. The message says which version is now current and what to do."""


class DraftConflict(EditConflictError):
    """A draft saved with the revision its page was built from (`expected`) found another: it
    was changed (or created, or submitted and cleared) in another window or device since.
    Nothing was written. `changed_at`: the stored draft's revision now (None: no draft)."""

    def __init__(self, key: str, changed_at: dt.datetime | None) -> None:
        self.key, self.changed_at = key, changed_at
        when = ("is gone (submitted or deleted)" if changed_at is None
                else f"was saved at {when_text(changed_at)}")
        super().__init__(f"Not saved: the draft {key!r} {when} from another window or device "
                         "since this page was built. Nothing was overwritten; reload it to "
                         "see the latest answers.")


class SignOffError(StoreError):
    """A sign-off or countersign that the rules do not allow."""


class DuplicateNameError(StoreError):
    """A display name already taken within a workshop cohort."""


class WorkshopClosed(StoreError):
    """The workshop is closed: it accepts no new member and no submission."""


class JoinCodeExpired(StoreError):
    """The workshop's join code has expired: it admits no new member."""


class NotAWorkbookDatabase(StoreError):
    """A file or database that is not (or not yet) an RSO Workbook database."""


class SchemaVersionError(StoreError):
    """The database schema is newer than this package, or cannot be upgraded."""


class UnsupportedForDatabase(StoreError):
    """An operation the embedded SQLite store supports but the configured database does not."""


class AccessDenied(StoreError, PermissionError):
    """The acting user may not see or change this record (the rules: `store.policy`).

    The attempt itself is written to the audit log: raised inside a store transaction with
    `action` and `entity`, the store audits it (`denied: true`) once the transaction is over."""

    def __init__(self, message: str, *, action: str | None = None, entity: str | None = None,
                 entity_id: int | str | None = None, **detail: object) -> None:
        super().__init__(message)
        self.message = message
        self.action, self.entity, self.entity_id, self.detail = action, entity, entity_id, detail

    def __str__(self) -> str:
        return self.message
