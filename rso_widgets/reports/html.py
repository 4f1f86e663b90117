"""The assessment report as one self-contained, printable HTML page (Jinja2, autoescaped)."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from markupsafe import Markup

from ..instruments.arms import ArmsCatalogue
from .model import ReportInput
from .text import visible
from .view import Alert, Block, Heading, Lines, Table, build_view

TEMPLATES = Path(__file__).resolve().parent / "templates"


def _finalize(value: Any) -> Any:
    """Every `{{ }}` value: None shows as nothing; plain text has hidden characters made visible
    (escaping itself is done by autoescape afterwards)."""
    if value is None:
        return ""
    if isinstance(value, str) and not isinstance(value, Markup):
        return visible(value)
    return value


@lru_cache(maxsize=1)
def environment() -> Environment:
    """The report templates' environment: autoescape on for every template and string."""
    env = Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=select_autoescape(enabled_extensions=("html", "htm", "xml", "j2"),
                                     default_for_string=True, default=True),
        undefined=StrictUndefined, finalize=_finalize, trim_blocks=True, lstrip_blocks=True,
        keep_trailing_newline=True)
    for name, cls in (("table", Table), ("block", Block), ("heading", Heading),
                      ("lines", Lines), ("alert", Alert)):
        env.tests[name] = lambda value, cls=cls: isinstance(value, cls)
    return env


def assessment_report_html(report: ReportInput, *, catalogue: ArmsCatalogue | None = None
                           ) -> str:
    """One assessment version as an HTML document marked OFFICIAL-SENSITIVE."""
    view = build_view(report, catalogue)
    return environment().get_template("assessment_report.html.j2").render(view=view)
