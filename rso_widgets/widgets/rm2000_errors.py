"""Where the RM2000 engine's errors are shown: each next to the control it concerns (the ages
or the dates, the counts or the sentencing history row, whichever is on screen), in the
person's words rather than the engine's field ids, and all of them in the summary at the top.
A mixin of `RM2000Form`."""

from __future__ import annotations

import re
from typing import Any

import ipywidgets as w

from ..instruments.rm2000 import COUNT_FIELDS, FieldError
from .fields import ErrorSummary, Field
from .history import SentencingHistory
from .rm2000_controls import AGE_FIELDS, DATE_FIELDS


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
        if self.age_mode == "dates" and top in AGE_FIELDS:
            return "assessment_date" if top == "age_at_assessment" else "commencement_date"
        if self.age_mode == "ages" and top in DATE_FIELDS:
            return {"assessment_date": "age_at_assessment",
                    "commencement_date": "age_at_commencement"}.get(top, "age_at_assessment")
        if self.count_mode == "history" and top in (*COUNT_FIELDS, "burglary"):
            return "occasions"
        if self.count_mode == "counts" and top == "occasions":
            return "sexual_appearances"
        if top == "sex" and self.sex.value == "other":
            return "sex_other"
        return top if top in self.fields or top == "occasions" else None

    def humanise(self, message: str) -> str:
        """Engine messages name fields by id; on screen use the labels the person sees."""
        names = sorted((k for k in self.labels if k != "sex_other"), key=len, reverse=True)
        pattern = r"\b(" + "|".join(re.escape(n) for n in names) + r")\b"
        message = message.replace("is required: true or false", "is required: choose Yes or No")
        message = message.replace("or give occasions", "or enter the sentencing history")
        message = message.replace("is false but the occasions include",
                                  "is answered No but the sentencing history includes")
        message = message.replace('is required: "male", "female" or another description',
                                  "is required: choose Male, Female or Another description")
        return re.sub(pattern, lambda m: self.labels[m.group(1)].lower(), message)

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
                    text = f"{self.labels.get(top, top)} {message}"
                table_msgs.append(text)
                summary.append((self.labels["occasions"].lower(), text, self.history))
                continue
            label = self.labels.get(top, top)
            text = self._required(top, key) if e.message.startswith("is required") else None
            text = text or f"{label} {message}"
            if key is None:
                summary.append((label, text, None))
                continue
            inline.setdefault(key, []).append(text)
            summary.append((self.labels[key], text, self.fields[key]))
        for name, f in self.fields.items():
            f.error = " ".join(inline.get(name, []))
        self.history.show_errors(table_msgs, row_msgs)
        self.summary.show(summary)

    def _required(self, top: str, key: str | None) -> str | None:
        """GOV.UK-style sentence for an unanswered field ("Enter the person's age at
        assessment"), for the control the error sits next to; None: keep the engine's text."""
        if key in ("assessment_date", "commencement_date"):
            return f"Enter the {self.labels[key].lower()} and the date of birth"
        if top in ("age_at_assessment", "age_at_commencement"):
            return f"Enter the person's {self.labels[top].lower()}"
        if top in COUNT_FIELDS and key != "occasions":
            least = 1 if top == "sexual_appearances" else 0
            return (f"Enter the number of {self.labels[top].lower()} ({least} or more), "
                    "or enter the sentencing history")
        if top == "sex":
            return "Select the person's sex: Male, Female or Another description"
        if key in self.fields and isinstance(self.fields[key].control, w.Dropdown):
            return f"Select Yes or No for \u201c{self.labels[top]}\u201d"
        return None

    @staticmethod
    def _history_part(parts: list[str]) -> str:
        last = parts[-1]
        return {"date": "date", "name": "offence", "offences": "offences",
                "disposal": "disposal"}.get(last, last.replace("_", "-"))
