"""`ReportInput`: what one assessment-version report shows, built by hand or from the store."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from pydantic import BaseModel, ConfigDict, Field

from ..instruments.arms import ARMSAssessment
from ..instruments.plan import RiskManagementPlan
from ..instruments.plan_quality import QualityProfile, evaluate
from ..instruments.rm2000 import RM2000Result
from .payload import read_payload

if TYPE_CHECKING:
    from ..store import Store, VersionRecord

KIND_LABELS = {"rm2000": "RM2000", "arms": "ARMS", "plan": "Risk management plan"}


class ReportInput(BaseModel):
    """One assessment version: who it is about, its version metadata, and its content."""

    model_config = ConfigDict(extra="forbid")

    person_reference: str = Field(min_length=1)
    fictional: bool = False
    assessment_id: int | None = None
    kind: str
    version: int = Field(ge=1)
    latest_version: int | None = None
    author: str
    created_at: dt.datetime
    reason: str = ""
    ruleset: str | None = None
    signed_by: str | None = None
    signed_at: dt.datetime | None = None
    countersigned_by: str | None = None
    countersigned_at: dt.datetime | None = None
    review_due: dt.date | None = None
    rm2000: RM2000Result | None = None
    arms: ARMSAssessment | None = None
    plan: RiskManagementPlan | None = None
    quality: QualityProfile | None = None
    notes: list[str] = []
    generated_by: str | None = None
    generated_at: dt.datetime = Field(default_factory=lambda: dt.datetime.now(dt.UTC))

    @property
    def kind_label(self) -> str:
        return KIND_LABELS.get(self.kind, self.kind)

    @property
    def sign_state(self) -> str:
        """"countersigned", "signed" or "not signed"."""
        if self.countersigned_by:
            return "countersigned"
        return "signed" if self.signed_by else "not signed"

    @classmethod
    def from_record(cls, record: VersionRecord, person_reference: str, *,
                    fictional: bool = False, latest_version: int | None = None,
                    review_due: dt.date | None = None,
                    generated_by: str | None = None) -> ReportInput:
        """Build from a stored version: its payload is read by the payload convention
        (`rso_widgets.reports.payload`), and the plan-quality profile computed when the version
        holds both a plan and an ARMS assessment."""
        parts = read_payload(record.data, record.kind)
        notes = list(parts.notes)
        quality = None
        if parts.plan is not None and parts.arms is not None:
            try:
                quality = evaluate(parts.plan, parts.arms, parts.judgements)
            except ValueError as exc:
                notes.append(f"The plan-quality profile could not be computed: {exc}.")
        elif parts.plan is not None:
            notes.append("The plan-quality profile is not shown: this version holds a plan but "
                         "not the ARMS assessment it is built on.")
        return cls(
            person_reference=person_reference, fictional=fictional,
            assessment_id=record.assessment_id, kind=record.kind, version=record.version,
            latest_version=latest_version, author=record.author, created_at=record.created_at,
            reason=record.reason, ruleset=record.ruleset, signed_by=record.signed_by,
            signed_at=record.signed_at, countersigned_by=record.countersigned_by,
            countersigned_at=record.countersigned_at, review_due=review_due,
            rm2000=parts.rm2000, arms=parts.arms, plan=parts.plan, quality=quality,
            notes=notes, generated_by=generated_by)

    @classmethod
    def from_version(cls, store: Store, assessment_id: int,
                     version: int | None = None) -> ReportInput:
        """Build from the store: one version (default the latest) of an assessment."""
        a = store.get_assessment(assessment_id)
        record = store.get_version(assessment_id, version if version is not None
                                   else a.latest_version)
        person = store.get_person(a.person_id)
        return cls.from_record(record, person.reference, fictional=person.fictional,
                               latest_version=a.latest_version, review_due=a.review_due,
                               generated_by=store.user)
