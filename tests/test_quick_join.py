"""The trainee page's quick join form (rso template quick_join.html + static/rso_quick.js) and
the widget join form it hands over to stay in step: same fields, same wording, the hooks the
script looks for, and only the trainee notebook asks for it. Browser behaviour:
tests/browser/test_quick_join_browser.py."""

from __future__ import annotations

import json
import re
from pathlib import Path

from rso_widgets.serving.start_page import TEMPLATE_DIR
from rso_widgets.widgets.workshop_join import WorkshopJoin

ROOT = Path(__file__).resolve().parent.parent
QUICK = (TEMPLATE_DIR / "quick_join.html").read_text(encoding="utf-8")
SCRIPT = (TEMPLATE_DIR / "static" / "rso_quick.js").read_text(encoding="utf-8")


def _text(html: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


def test_same_labels_hints_and_button_as_the_widget_form():
    join = WorkshopJoin()
    quick = _text(QUICK)
    for field in (join.code_field, join.name_field):
        assert field.label in quick
        assert field.hint and _text(field.hint) in quick, f"hint of {field.label!r} differs"
    assert join.join_button.description == "Join the workshop"
    assert ">Join the workshop</button>" in QUICK


def test_the_widget_form_carries_the_hooks_the_script_uses():
    join = WorkshopJoin()
    assert "rso-join-code-input" in join.code._dom_classes
    assert "rso-join-name-input" in join.name._dom_classes
    assert "rso-join-button" in join.join_button._dom_classes
    for hook in (".rso-join-code-input input", ".rso-join-name-input input",
                 "button.rso-join-button"):
        assert hook in SCRIPT


def test_every_quick_input_has_a_label_and_its_hint():
    inputs = re.findall(r"<input[^>]*>", QUICK)
    assert len(inputs) == 2
    for tag in inputs:
        ident = re.search(r'id="([^"]+)"', tag)[1]
        assert f'<label class="rso-quick__label" for="{ident}">' in QUICK
        hint = re.search(r'aria-describedby="([^"]+)"', tag)[1]
        assert f'id="{hint}"' in QUICK


def test_only_the_trainee_notebook_asks_for_the_quick_form():
    asking = {p.name for p in (ROOT / "workbooks").glob("*.ipynb")
              if json.loads(p.read_text("utf-8"))["metadata"].get("rso", {}).get("quick_form")}
    assert asking == {"workshop.ipynb"}
    index = (TEMPLATE_DIR / "index.html.j2").read_text(encoding="utf-8")
    assert "quick_form') == 'workshop-join'" in index and "rso_quick.js" in index


def test_the_script_is_inlined_so_an_early_press_is_never_lost():
    """Fetched `async`, the script once ran after a trainee under load had pressed Join: the
    press did nothing (CI, stop 20). Inlined in the head, its listeners exist before the form."""
    index = (TEMPLATE_DIR / "index.html.j2").read_text(encoding="utf-8")
    assert "<script>{% include 'static/rso_quick.js' %}</script>" in index
    assert 'include_js("static/rso_quick.js")' not in index
    assert "</script" not in SCRIPT.lower()  # it would end the inline element early
    assert not re.search(r"\{[{%#]", SCRIPT)  # nothing Jinja would read as its own
