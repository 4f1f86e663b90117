"""ARMS practice attempts kept over time (issue 16): the part of the ARMS practice page that
saves each submitted attempt and shows the person's progress.

The database is opened only when it is first needed — on a submit, or when the person asks for
their progress — so the practice page itself builds without SQLAlchemy and writes nothing until
then. If it cannot be opened, attempts are kept in memory for the page's life and the person is
told.
"""

from __future__ import annotations

import logging
from typing import Any

import ipywidgets as w

from ..widgets.fields import Notice, form_style, safe_callback, text_button

log = logging.getLogger("rso_widgets.apps.arms")


def _report(kept: KeptAttempts, message: str) -> None:
    kept.failure.say(message, kind="error", heading="Sorry, there is a problem")


class KeptAttempts(w.VBox):
    """A "Show my ARMS progress" button, then the progress; `save()` keeps one attempt."""

    def __init__(self, store: Any = None, user: str | None = None,
                 titles: dict[str, str] | None = None) -> None:
        # deferred: inside the start-up guard (startup.guarded); see test_deferred_imports
        from ..widgets.arms_progress import ArmsPracticeProgress

        self.store, self.user = store, user
        self.failure = Notice(layout=w.Layout(display="none"))
        self.progress = ArmsPracticeProgress(titles=titles)
        self.button = text_button("Show my ARMS progress",
                                  tooltip="Your earlier ARMS practice attempts")
        self.button.on_click(self._on_show)
        super().__init__([form_style(), self.failure, self.button, self.progress])
        self.add_class("rso-arms-kept")

    def _store(self) -> Any:
        """The attempts store, opened on first use (in memory if the database cannot be)."""
        if self.user is None:
            # deferred: loaded when used, not at page start; see test_deferred_imports
            from ..store.identity import current_user

            self.user = current_user()
        if self.store is None:
            # deferred: loaded when used, not at page start; see test_deferred_imports
            from ..store.arms_practice import MemoryArmsPracticeStore, SqlArmsPracticeStore

            try:
                # deferred: loaded when used, not at page start; see test_deferred_imports
                from ..store import open_store

                self.store = SqlArmsPracticeStore(open_store())
            except Exception:
                log.exception("the practice database could not be opened")
                self.store = MemoryArmsPracticeStore()
                self.failure.say("Your attempts cannot be saved right now: they will be lost "
                                 "when you close this page. Tell the workbook team.",
                                 kind="error", heading="Please note")
        return self.store

    def save(self, case: Any, assessment: Any, plan: Any, feedback: Any) -> bool:
        """Keep one compared attempt; False (logged) if it could not be kept."""
        # deferred: loaded when used, not at page start; see test_deferred_imports
        from ..calibration.arms_progress import record_arms_attempt

        try:
            store = self._store()
            store.add_attempt(record_arms_attempt(self.user or "", case, assessment, plan,
                                                  feedback))
            return True
        except Exception:
            log.exception("could not save an ARMS practice attempt at %s", case.id)
            return False

    @safe_callback(_report, "showing your progress")
    def _on_show(self, _button: Any = None) -> None:
        self.refresh()

    def refresh(self) -> None:
        """Show the progress (from now on it refreshes after every submit)."""
        self.button.layout.display = "none"
        try:
            self.progress.show(self._store().summary(self.user))
        except Exception:
            log.exception("could not read the ARMS practice progress of %s", self.user)
            self.progress.unavailable()
