"""Start a workshop (name, cases and the instruments scored for each, join code, optional
expiry, where trainees join and how many are expected) or reopen one run before.

A form only: `request()` returns what the trainer asked for, or shows the problems next to the
fields and in the error summary and returns None. The app creates the cohort in the store.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import ipywidgets as w

from ..calibration.workshop import (
    EXPIRY_CHOICES,
    INSTRUMENT_CHOICES,
    NOTEBOOK_PAGE,
    ROOM_PAGE,
    TRAINEE_PAGE_CHOICES,
    instruments_problem,
    new_join_code,
    normalise_code,
    trainer_code_problem,
)
from ..timefmt import day_text
from .checkboxes import Checkboxes
from .fields import ErrorSummary, Field, Notice, form_style, stacked, text_button

if TYPE_CHECKING:
    from ..cases.schema import TrainingCase


# a list of cases shows several rows (the shared form CSS makes a select one line tall)
@dataclass
class WorkshopRequest:
    name: str
    case_ids: list[str]
    join_code: str
    expiry_minutes: int | None
    instruments: dict[str, tuple[str, ...]]  # case id → ("rm2000",), ("arms",) or both
    expected_size: int | None = None  # trainees expected (None: not said)
    trainee_page: str = ROOM_PAGE  # where trainees join: "room" or "notebook"


MAX_ROOM = 500
_PAGE_WORDS = {ROOM_PAGE: "workshop page", NOTEBOOK_PAGE: "notebook page"}


def room_size_problem(text: str) -> str | None:
    """What is wrong with the "Trainees expected" box, or None (empty is allowed)."""
    text = text.strip()
    if not text:
        return None
    if not text.isdigit() or not 1 <= int(text) <= MAX_ROOM:
        return f"Enter the number of trainees as a whole number from 1 to {MAX_ROOM}, or leave " \
               "it empty"
    return None


def case_label(case: TrainingCase) -> str:
    applies = "RM2000 applies" if case.key.expected.applicable else "RM2000 does not apply"
    arms = "; ARMS key" if getattr(case, "arms_key", None) else ""
    return f"{case.id}: {case.title} ({case.difficulty}; {applies}{arms})"


def instrument_options(case: TrainingCase) -> list[tuple[str, tuple[str, ...]]]:
    """The instrument choices for a case: ARMS only where the case has an ARMS key."""
    if getattr(case, "arms_key", None) is None:
        return [(label, value) for label, value in INSTRUMENT_CHOICES if "arms" not in value]
    return list(INSTRUMENT_CHOICES)


class WorkshopSetup(w.VBox):
    """The "Start a workshop" form, and "Open a workshop you ran before"."""

    def __init__(self, cases: Iterable[TrainingCase], **kwargs: Any):
        self.cases = {c.id: c for c in cases}
        self.summary = ErrorSummary()
        self.failure = Notice(layout=w.Layout(display="none"))
        self.name = w.Text(value="", continuous_update=True)
        self.name_field = Field(self.name, "Workshop name",
                                "Shown to trainees when they join, for example "
                                "“RM2000 calibration, March”.", size="wide")
        self.case_select = Checkboxes(
            options=[(case_label(c), c.id) for c in sorted(self.cases.values(),
                                                           key=lambda c: c.id)])
        self.cases_field = Field(self.case_select, "Cases to score",
                                 "Select all the fictional training cases to score. Every "
                                 "trainee scores the same cases, independently.", size="wide")
        self.case_select.observe(self._on_cases, names="value")
        self.instrument_choices: dict[str, w.Dropdown] = {}
        self.instruments_box = w.VBox([])
        self.instruments_field = w.VBox([
            w.HTML('<p class="rso-tight"><strong>What trainees score in each case'
                   '</strong></p><p class="rso-hint">RM2000, ARMS or both. ARMS is offered for '
                   'cases with an ARMS key.</p>'),
            self.instruments_box], layout=w.Layout(display="none"))
        self.instruments_field.add_class("rso-workshop-instruments")
        self.code = w.Text(value=new_join_code(), continuous_update=True)
        self.code_field = Field(self.code, "Join code",
                                "Trainees type this to join: 6 characters, capital letters and "
                                "the digits 2 to 9 (no 0, O, 1, I or L). Keep the suggestion or "
                                "type your own.", size="narrow")
        self.new_code = text_button("Suggest another code")
        self.new_code.on_click(lambda _b: self.suggest_code())
        self.expiry = w.Dropdown(options=EXPIRY_CHOICES, value=0)
        self.expiry_field = Field(self.expiry, "The join code stops working",
                                  "After this, nobody new can join; trainees who joined carry "
                                  "on.", size="medium")
        self.page = w.RadioButtons(options=TRAINEE_PAGE_CHOICES, value=ROOM_PAGE)
        self.page_field = Field(self.page, "Where will trainees join?",
                                "The workshop page works in any browser, on any device, and "
                                "the server starts nothing for each trainee. The notebook page "
                                "needs one Jupyter process per trainee, started before they "
                                "arrive. You can change this later on the workshop's page.",
                                size="wide")
        self.room = w.Text(value="", continuous_update=True)
        self.room_field = Field(self.room, "Trainees expected (optional)",
                                "How many people will join, for example 30. On the notebook "
                                "page, the server gets that many pages ready before they "
                                "arrive; it applies to a workshop you create or open here.",
                                size="narrow")
        self.create_button = text_button("Create the workshop", primary=True)
        self.existing = w.Dropdown(options=[], index=None)
        stacked(self.existing, "Workshops you have run", size="wide")
        self.open_button = text_button("Open this workshop")
        self.open_box = w.VBox([
            w.HTML('<h2 class="rso-kit-heading">Or open a workshop you ran before</h2>'),
            self.existing, self.open_button], layout=w.Layout(display="none"))
        super().__init__([
            form_style(),
            w.HTML('<h2 class="rso-kit-heading">Start a workshop</h2>'
                   '<p class="rso-hint">Choose the '
                   "cases, then give trainees the join code. You can close the workshop and "
                   "release the key when the room is ready.</p>"),
            self.summary, self.failure, self.name_field, self.cases_field,
            self.instruments_field, self.code_field,
            self.new_code, self.expiry_field, self.page_field, self.room_field,
            self.create_button,
            self.open_box],
            layout=w.Layout(max_width="60em"), **kwargs)
        self.add_class("rso-form")
        self.add_class("rso-workshop-setup")

    def _on_cases(self, _change: Any = None) -> None:
        try:
            self.show_instruments()
        except Exception:  # never raise into Voilà; the defaults (RM2000) stay

            logging.getLogger(__name__).exception("could not list the instruments")

    def show_instruments(self) -> None:
        """One labelled choice per chosen case (kept for cases still chosen)."""
        chosen = [cid for cid in self.case_select.value if cid in self.cases]
        for cid in list(self.instrument_choices):
            if cid not in chosen:
                del self.instrument_choices[cid]
        for cid in chosen:
            if cid not in self.instrument_choices:
                dd = w.Dropdown(options=instrument_options(self.cases[cid]), value=("rm2000",),
                                layout=w.Layout(width="auto"))
                stacked(dd, f"Instruments for {cid}", size="medium")
                self.instrument_choices[cid] = dd
        self.instruments_box.children = [self.instrument_choices[c] for c in chosen]
        self.instruments_field.layout.display = "" if chosen else "none"

    def set_instruments(self, case_id: str, instruments: tuple[str, ...]) -> None:
        """Choose the instruments for a chosen case (as the trainer would)."""
        self.show_instruments()
        self.instrument_choices[case_id].value = tuple(instruments)

    def suggest_code(self) -> None:
        self.code.value = new_join_code()
        self.code_field.error = ""

    def on_create(self, callback: Callable[[Any], Any]) -> None:
        self.create_button.on_click(callback)

    def on_open(self, callback: Callable[[Any], Any]) -> None:
        self.open_button.on_click(callback)

    def set_existing(self, cohorts: list[Any]) -> None:
        """Workshops to offer for reopening (`CohortRecord`s, newest first)."""
        self.existing.options = [
            (f"{c.name} — code {c.join_code}, {day_text(c.created_at)} "
             f"({'open' if c.is_open else 'closed'}; "
             f"{_PAGE_WORDS.get(c.trainee_page, 'workshop page')})",
             c.id) for c in cohorts]
        self.existing.value = cohorts[0].id if cohorts else None
        self.open_box.layout.display = "" if cohorts else "none"

    def request(self) -> WorkshopRequest | None:
        """What the trainer asked for, or None after showing what to fix."""
        problems: list[tuple[str, str, Any]] = []
        name = self.name.value.strip()
        self.name_field.error = self.cases_field.error = self.code_field.error = ""
        if not name:
            problems.append(("Workshop name", "Enter a name for the workshop", self.name_field))
        elif len(name) > 200:
            problems.append(("Workshop name", "The workshop name must be 200 characters or "
                                              "fewer", self.name_field))
        if not self.case_select.value:
            problems.append(("Cases to score", "Choose at least one case to score",
                             self.cases_field))
        instruments = {cid: tuple(self.instrument_choices[cid].value)
                       if cid in self.instrument_choices else ("rm2000",)
                       for cid in self.case_select.value}
        for cid, chosen in instruments.items():
            problem = instruments_problem(self.cases[cid], chosen) if cid in self.cases else None
            if problem:
                problems.append((f"Instruments for {cid}", problem, self.cases_field))
        code_problem = trainer_code_problem(self.code.value)
        if code_problem:
            problems.append(("Join code", code_problem, self.code_field))
        room_problem = room_size_problem(self.room.value)
        if room_problem:
            problems.append(("Trainees expected", room_problem, self.room_field))
        for _label, text, field in problems:
            field.error = text
        self.summary.show([(label, text, field.control) for label, text, field in problems])
        if problems:
            return None
        code = normalise_code(self.code.value) or new_join_code()
        return WorkshopRequest(name=name, case_ids=list(self.case_select.value), join_code=code,
                               expiry_minutes=self.expiry.value, instruments=instruments,
                               expected_size=self.expected_size(),
                               trainee_page=str(self.page.value or ROOM_PAGE))

    def expected_size(self) -> int | None:
        """The "Trainees expected" number, or None (empty or not a valid number: the error
        shows next to the field)."""
        problem = room_size_problem(self.room.value)
        self.room_field.error = problem or ""
        text = self.room.value.strip()
        return int(text) if text and problem is None else None

    def code_taken(self, code: str) -> None:
        self.code_field.error = (f"The code {code} is already used by another workshop: keep "
                                 "the new suggestion or type another")
        self.summary.show([("Join code", self.code_field.error, self.code)])
        self.suggest_code()
        self.code_field.error = f"The code {code} is already in use; a new one is suggested"


__all__ = ["WorkshopRequest", "WorkshopSetup"]
