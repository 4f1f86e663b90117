"""Training cases: schema, safe loading with file/field-precise problems, key consistency."""

from .errors import CaseError, CaseProblem
from .loader import CaseReport, load_case, load_cases, parse_case, validate_path
from .schema import OBJECTIVES, SCHEMA_VERSION, TrainingCase

__all__ = ["OBJECTIVES", "SCHEMA_VERSION", "CaseError", "CaseProblem", "CaseReport",
           "TrainingCase", "load_case", "load_cases", "parse_case", "validate_path"]
