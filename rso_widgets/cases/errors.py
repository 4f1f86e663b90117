"""Problems found in a case file: each names the file, the field path and a fix."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class CaseProblem:
    file: str
    field: str
    message: str
    fix: str

    def __str__(self) -> str:
        return f"{self.file}: {self.field}: {self.message} — fix: {self.fix}"


class CaseError(ValueError):
    """One or more case files could not be loaded; nothing was loaded half-way."""

    def __init__(self, problems: list[CaseProblem]):
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))
