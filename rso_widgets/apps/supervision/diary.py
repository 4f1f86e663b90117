"""The "Reflective diary" tab: write or edit an entry, share one into a session (or withdraw it),
and my entries. A simple view, not a task list: a short form and the entries below it."""

from __future__ import annotations

from typing import Any

import ipywidgets as w

from ...supervision.models import DiaryInput
from ...supervision.validation import InvalidRecord, checked, diary_problems
from ...widgets.supervision_diary import DiaryForm, DiaryShareForm, diary_html
from ...widgets.supervision_forms import PageProblem
from .base import TabBase, form_call, part


class DiaryTab(TabBase):
    diary_form = part("diary", "form")
    diary_share = part("diary", "share")
    diary_view = part("diary", "view")

    def _build_diary(self) -> dict[str, Any]:
        form = DiaryForm(self.lists)
        form.on_submit(lambda _form: self.write_diary())
        share = DiaryShareForm()
        share.on_submit(lambda _form: self.share_diary(withdraw=False))
        share.on_withdraw(lambda _form: self.share_diary(withdraw=True))
        view = w.HTML("")
        self.tabs.children[2].children = (form, share, view)
        self._parts["diary"] = {"form": form, "share": share, "view": view}
        form.set_observations(self.sup.observations())
        self.refresh_diary()
        return self._parts["diary"]

    def refresh_diary(self) -> None:
        if not self._built("diary"):
            return
        entries = self.sup.diary()
        self.diary_form.set_entries(entries)
        own = [s for s in self.sessions if s.assessor == self.user]
        self.diary_share.set_choices(entries, own)
        self.diary_view.value = diary_html(entries, {p.id: p.label
                                                     for p in self.lists.diary_prompts},
                                           {s.id: s for s in self.sessions})

    @form_call("diary_form", "the entry")
    def write_diary(self) -> Any:
        """Save the form: a new entry, or the edit of one (refused if it changed meanwhile)."""
        form = self.diary_form
        form.clear_problems()
        editing = form.editing
        data = checked(DiaryInput, form.value, "diary entry", lambda inp: diary_problems(
            inp, self.lists, self.sup.today()))
        if editing is None:
            rec = self.sup.write_diary_entry(data)
        else:
            entry_id, version = editing
            rec = self.sup.update_diary_entry(entry_id, data, expected_version=version)
        form.reset()
        self.refresh_diary()
        form.say("Your changes are saved." if editing else
                 "Your entry is saved. It is private until you share it.")
        return rec

    @form_call("diary_share", "the sharing")
    def share_diary(self, *, withdraw: bool) -> Any:
        form = self.diary_share
        form.clear_problems()
        entry = form.entry.control.value
        session = None if withdraw else form.session.control.value
        problems = []
        if entry is None:
            problems.append(PageProblem("entry", "no entry chosen", "choose the entry"))
        if not withdraw and session is None:
            problems.append(PageProblem("session_id", "no session chosen",
                                        "choose the session to share it into"))
        if problems:
            raise InvalidRecord(problems, "the sharing")  # type: ignore[arg-type]
        rec = self.sup.share_diary_entry(entry, session)
        self.refresh_diary()
        form.say("The entry is private again." if withdraw else
                 "The entry is shared: the supervisor of that session can read it.")
        return rec
