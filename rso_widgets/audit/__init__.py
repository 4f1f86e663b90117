"""Audit recorded RM2000 categories in a CSV export against a recomputation.

Input: a comma-separated UTF-8 file with a header row. Column names are matched ignoring case
and surrounding spaces; other columns are ignored.

- Required items: age_at_commencement, sexual_appearances, criminal_appearances,
  violent_appearances (whole numbers); burglary, male_victim, stranger_victim, non_contact,
  single (true/false, yes/no, y/n or 1/0, any case).
- Required recorded categories: s_category, v_category, c_category — Low, Medium, High or
  Very High (any case); blank, "Not applicable", "N/A" or "NA" mean not applicable.
- Optional eligibility: sex, age_at_assessment, sexual_offence_aged_17_plus. An absent column
  means every row is eligible on that point (the summary names each check so skipped); a blank
  cell in a present column is an error.
- Optional recorded working: s_step1_points, s_step1_category, v_points, c_points (blank = not
  recorded).
- Optional identifiers: assessment_id and any other column named `id` or ending in `_id`,
  copied to the output.

Rows: `row` is the 1-based data row (the header is not counted; every record after it is,
malformed ones included); `line` is the CSV line, row + 1. The line is exact when the file has no
blank lines and no line breaks inside quoted values; the summary says when that does not hold.

A row is malformed when a cell cannot be read (not UTF-8, not a whole number, not a boolean, not
a category: the `error` column names the field and what is valid), when its facts fail the
engine's validation (e.g. criminal < sexual appearances), or when it has the wrong number of
fields. Malformed rows are reported and the rest are still audited.

Output (default FILE.audit.csv next to the input; written to a temporary file in the same folder,
owner-only, then renamed over the target, so a failed audit leaves no partial file): row, line,
the id columns, status (scored | not applicable | malformed), the recorded and the recomputed
categories and points, mismatch (true/false; blank for malformed rows), mismatch_cause,
mismatch_scales (e.g. "S;C"), mismatch_detail (one sentence per finding),
not_applicable_reason, error.

Mismatch causes (a row can have both; `mismatch_cause` is calculation, rule, both or ""):
- calculation — the recorded figures do not follow arithmetically from the recorded items:
  recorded s_step1_points / s_step1_category differ from the recomputed step 1; recorded /V
  points or category differ; or, when step 1 was not recorded, the recorded /S category cannot
  be reached from the recomputed step-1 category by any raise the ruleset allows (0–2).
- rule — a rule was applied wrongly: step 2 (the recorded /S category is not the recorded step-1
  category — or, if step 1 was not recorded, the recomputed one — raised by the number of
  aggravating factors, though it is reachable); the /C conversion (recorded c_category or
  c_points is not the conversion of the *recorded* /S and /V); or eligibility (a category recorded
  for a person RM2000 does not apply to, or "not applicable"/blank for a person it applies to).
A /C difference that follows from a /S or /V difference adds no cause of its own. Recorded
points for a person RM2000 does not apply to are ignored; only their categories are checked.
"""

from __future__ import annotations

from .batch import audit_batch
from .columns import (
    OPTIONAL_COLUMNS,
    RECORDED_COLUMNS,
    WORKING_COLUMNS,
    AuditInputError,
    AuditSummary,
    read_header,
)
from .csvfile import audit_csv, default_output, inert

__all__ = ["OPTIONAL_COLUMNS", "RECORDED_COLUMNS", "WORKING_COLUMNS", "AuditInputError",
           "AuditSummary", "audit_batch", "audit_csv", "default_output", "inert", "read_header"]
