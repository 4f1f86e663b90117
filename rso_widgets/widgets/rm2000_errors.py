"""Where the RM2000 engine's errors are shown: each next to the control it concerns (the ages
or the dates, the counts or the sentencing history row, whichever is on screen), in the
person's words (`instruments.rm2000_words.sentence`: the question and the fix) rather than the
engine's field ids, and all of them in the summary at the top.
A mixin of `RM2000Form`."""

from __future__ import annotations

from typing import Any

import ipywidgets as w

from ..instruments import rm2000_words as words
from ..instruments.rm2000 import FieldError
from .fields import ErrorSummary, Field
from .history import SentencingHistory


class RM2000Errors:
    """Routes, words and shows the engine's `FieldError`s on the form."""

    age_mode: str
    count_mode: str
    labels: dict[str, str]
    fields: dict[str, Field]
    history: SentencingHistory
    summary: ErrorSummary
    sex: w.Dropdown

    def _route(self, top: str) -> str | None:
        """Which field on screen an engine error about `top` belongs next to."""
        key = words.route(top, age_mode=self.age_mode, count_mode=self.count_mode,
                          sex_other=self.sex.value == "other")
        return key if key in self.fields or key == "occasions" else None

    def humanise(self, message: str) -> str:
        """Engine messages name fields by id; on screen use the labels the person sees."""
        return words.humanise(message, self.labels)

    def _show_errors(self, errors: list[FieldError]) -> None:
        inline: dict[str, list[str]] = {}
        table_msgs: list[str] = []
        row_msgs: dict[int, list[str]] = {}
        summary: list[tuple[str, str, Any]] = []
        for e in errors:
            parts = e.field.split(".")
            top = parts[0]
            message = self.humanise(e.message)
            key = self._route(top)
            if key == "occasions":
                if top == "occasions" and len(parts) > 1:
                    row = self.history.row_for(parts[1:])
                    what = self._history_part(parts)
                    if row is not None:
                        text = f"Row {row + 1} {what} {message}"
                        row_msgs.setdefault(row, []).append(text)
                        summary.append((f"row {row + 1}", text, self.history.rows[row]))
                        continue
                    text = f"Sentencing history ({'.'.join(parts[1:])}) {message}"
                else:
                    text = words.sentence(top, e.message, self.labels)
                table_msgs.append(text)
                summary.append((self.labels["occasions"].lower(), text, self.history))
                continue
            label = self.labels.get(top, top)
            text = self._required(top, key) if e.message.startswith("is required") else None
            text = text or words.sentence(top, e.message, self.labels)
            if key is None:
                summary.append((label, text, None))
                continue
            inline.setdefault(key, []).append(text)
            summary.append((self.labels[key], text, self.fields[key]))
        for name, f in self.fields.items():
            f.error = " ".join(inline.get(name, []))
        self.history.show_errors(table_msgs, row_msgs)
        place = self._page_order()
        summary.sort(key=lambda item: place.get(id(item[2]), len(place)))
        self.summary.show(summary)

    def _page_order(self) -> dict[int, int]:
        """Each widget's place on the form, top to bottom: the summary lists the problems in
        the order of the questions (GOV.UK), not the order the engine found them in."""
        place: dict[int, int] = {}
        todo: list[Any] = [self]
        while todo:
            widget = todo.pop()
            place.setdefault(id(widget), len(place))
            todo += reversed(list(getattr(widget, "children", ())))
        return place

    def _required(self, top: str, key: str | None) -> str | None:
        """GOV.UK-style sentence for an unanswered field (`instruments.rm2000_words`)."""
        yes_no = key in self.fields and isinstance(self.fields[key].control, w.Dropdown)
        return words.required_sentence(top, key, self.labels, yes_no=yes_no)

    @staticmethod
    def _history_part(parts: list[str]) -> str:
        last = parts[-1]
        return {"date": "date", "name": "offence", "offences": "offences",
                "disposal": "disposal"}.get(last, last.replace("_", "-"))
