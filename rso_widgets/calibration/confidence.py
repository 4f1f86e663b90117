"""How sure an assessor was of each answer, and how well that matched being right (pure).

In practice the assessor marks each RM2000 category (/S, /V, /C) *sure*, *fairly sure* or
*unsure* before submitting (certainty-based marking, as Moodle offers it, without the penalty
scoring). Feedback lists confident errors first: a wrong answer given with certainty is the one
most worth talking about. Progress says in plain words how often each level of confidence was
right, over time; the statistic behind it (Goodman–Kruskal gamma between confidence and being
right, the "resolution" measure of metacognition research) is for a details reveal only.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from typing import Literal

from pydantic import BaseModel, ConfigDict

Level = Literal["sure", "fairly_sure", "unsure"]
LEVELS: tuple[Level, ...] = ("sure", "fairly_sure", "unsure")
LEVEL_LABELS: dict[str, str] = {"sure": "Sure", "fairly_sure": "Fairly sure", "unsure": "Unsure"}
RANK = {"sure": 2, "fairly_sure": 1, "unsure": 0}
#: What the assessor marks in RM2000 practice: each category the instrument reports.
RM2000_TOPICS: dict[str, str] = {"S": "/S category (sexual offending)",
                                 "V": "/V category (violence)",
                                 "C": "/C category (combined)"}


class Judged(BaseModel):
    """One answer with the confidence given to it and whether it matched the key."""

    model_config = ConfigDict(frozen=True)

    topic: str  # e.g. "S"
    level: Level
    right: bool
    trainee: str | None = None
    key: str | None = None
    at: dt.datetime | None = None
    case_id: str = ""


def confidence_problem(confidence: Mapping[str, str], topics: Iterable[str]) -> dict[str, str]:
    """topic → message for every topic without a valid level (empty: all marked)."""
    out = {}
    for t in topics:
        value = confidence.get(t)
        if value is None:
            out[t] = f"{t}: say how sure you are — choose sure, fairly sure or unsure"
        elif value not in LEVELS:
            out[t] = f"{t}: {value!r} is not a level — choose sure, fairly sure or unsure"
    return out


def judged(confidence: Mapping[str, str] | None, answers: Mapping[str, tuple[str | None, str]],
           at: dt.datetime | None = None, case_id: str = "") -> list[Judged]:
    """The topics that have both a confidence and an answer: `answers` is topic →
    (trainee's answer, key's answer)."""
    out = []
    for topic, level in (confidence or {}).items():
        if level in LEVELS and topic in answers:
            trainee, key = answers[topic]
            out.append(Judged(topic=topic, level=level, right=trainee == key, trainee=trainee,
                              key=key, at=at, case_id=case_id))
    return out


def confident_errors_first(items: Sequence[Judged]) -> list[Judged]:
    """Errors before right answers; among each, the surest first (ties keep their order)."""
    return sorted(items, key=lambda j: (j.right, -RANK[j.level]))


class LevelRecord(BaseModel):
    level: Level
    answers: int
    right: int

    @property
    def rate(self) -> float | None:
        return self.right / self.answers if self.answers else None

    def sentence(self) -> str:
        """"When you were sure, you were right 9 times out of 10." """
        if not self.answers:
            return f"You have not yet marked an answer {LEVEL_LABELS[self.level].lower()}."
        times = "time" if self.right == 1 else "times"
        return (f"When you were {LEVEL_LABELS[self.level].lower()}, you were right "
                f"{self.right} {times} out of {self.answers}.")


class PeriodRecord(BaseModel):
    period: str  # "2026-11"
    levels: list[LevelRecord]


class ConfidenceSummary(BaseModel):
    answers: int
    levels: list[LevelRecord]
    over_time: list[PeriodRecord]
    gamma: float | None  # Goodman–Kruskal gamma: confidence against being right (-1..1)
    overconfident: int  # wrong answers marked sure

    def headline(self) -> str:
        """One plain sentence about the match of confidence and accuracy."""
        if not self.answers:
            return "No answer has been marked with how sure you were yet."
        sure = self.levels[0]
        unsure = self.levels[-1]
        parts = [s.sentence() for s in (sure, unsure) if s.answers]
        if sure.rate is not None and unsure.rate is not None:
            if sure.rate > unsure.rate:
                parts.append("Your confidence tells you something: you are right more often "
                             "when you are sure.")
            else:
                parts.append("Being sure has not yet meant being right more often: it is worth "
                             "checking the answers you feel sure of.")
        return " ".join(parts)


def gamma(items: Iterable[Judged]) -> float | None:
    """Goodman–Kruskal gamma between confidence rank and being right; None when every pair is
    tied (e.g. one level only, or all right)."""
    pairs = [(RANK[j.level], int(j.right)) for j in items]
    concordant = discordant = 0
    for i, (c1, r1) in enumerate(pairs):
        for c2, r2 in pairs[i + 1:]:
            product = (c1 - c2) * (r1 - r2)
            concordant += product > 0
            discordant += product < 0
    total = concordant + discordant
    return None if total == 0 else (concordant - discordant) / total


def _levels(items: Sequence[Judged]) -> list[LevelRecord]:
    return [LevelRecord(level=lv, answers=sum(j.level == lv for j in items),
                        right=sum(j.level == lv and j.right for j in items)) for lv in LEVELS]


def summarise_confidence(items: Iterable[Judged]) -> ConfidenceSummary:
    """Per level how often right, per month the same, gamma, and confident errors."""
    all_items = list(items)
    months: dict[str, list[Judged]] = {}
    for j in sorted((j for j in all_items if j.at is not None), key=lambda j: j.at):  # type: ignore[arg-type,return-value]
        months.setdefault(f"{j.at:%Y-%m}", []).append(j)
    return ConfidenceSummary(
        answers=len(all_items), levels=_levels(all_items),
        over_time=[PeriodRecord(period=p, levels=_levels(js)) for p, js in months.items()],
        gamma=gamma(all_items),
        overconfident=sum(j.level == "sure" and not j.right for j in all_items))
