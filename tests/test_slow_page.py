"""The slow page message of the `rso` template (slow_page.html, static/rso_slow.js): its words,
its live region and button, where its thresholds come from, and that every app page gets it
with the script inlined. Browser behaviour: tests/browser/test_slow_page_browser.py."""

from __future__ import annotations

import re

import jinja2

from rso_widgets.serving.start_page import TEMPLATE_DIR

MARKUP = (TEMPLATE_DIR / "slow_page.html").read_text(encoding="utf-8")
SCRIPT = (TEMPLATE_DIR / "static" / "rso_slow.js").read_text(encoding="utf-8")
CSS = (TEMPLATE_DIR / "static" / "rso.css").read_text(encoding="utf-8")
INDEX = (TEMPLATE_DIR / "index.html.j2").read_text(encoding="utf-8")


def _rendered() -> str:
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(str(TEMPLATE_DIR)), autoescape=True)
    return env.get_template("slow_page.html").render()


def _words(html: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


def _template(html: str, ident: str) -> str:
    return re.search(rf'<template id="{ident}">(.*?)</template>', html, re.S)[1]


def test_the_two_messages_say_what_is_happening_then_what_to_do():
    html = _rendered()
    wait = _words(_template(html, "rso-slow-wait"))
    advice = _words(_template(html, "rso-slow-reload-advice"))
    assert wait == ("This page is taking longer than usual to open. This can happen when many "
                    "people open it at the same time. Please wait.")
    assert advice.startswith("This page is taking longer than usual to open. If nothing has "
                             "changed, reload the page. Anything you saved is kept.")
    assert "ask your trainer or your IT service desk for help" in advice
    assert re.search(r'<button type="button"[^>]*id="rso-slow-reload" hidden>Reload the page'
                     r"</button>", html)
    for jargon in ("kernel", "widget", "voil", "javascript", "server", "error"):
        assert jargon not in _words(html).lower(), jargon


def test_the_live_region_is_empty_until_a_threshold_and_static():
    html = _rendered()
    region = re.search(r'<div id="rso-slow-message"[^>]*>(.*?)</div>', html, re.S)
    assert region and 'role="status"' in region[0] and region[1].strip() == ""
    assert "aria-live" not in html  # role=status is polite already: heard once, not repeated
    assert "style=" not in html and "style=" not in SCRIPT  # the one stylesheet
    assert "innerHTML" not in SCRIPT  # the words are cloned from the static templates
    assert ".focus(" not in SCRIPT  # the person's focus is never moved


def test_the_thresholds_come_from_the_template_and_tests_can_shorten_them():
    html = _rendered()
    first = int(re.search(r'data-first-seconds="(\d+)"', html)[1])
    second = int(re.search(r'data-second-seconds="(\d+)"', html)[1])
    assert (first, second) == (15, 90) and first < second
    for hook in ("data-first-seconds", "data-second-seconds", "window.rsoSlowPageSeconds"):
        assert hook in SCRIPT
    assert not re.search(r"\b(15|90)\b", SCRIPT)  # no second copy of the thresholds
    for ident in ("rso-slow", "rso-slow-message", "rso-slow-reload", "rso-slow-wait",
                  "rso-slow-reload-advice"):
        assert f'id="{ident}"' in html and f"'{ident}'" in SCRIPT
    assert "rso-slow--shown" in SCRIPT and ".rso-slow--shown" in CSS


def test_the_page_ends_the_message_on_what_a_drawn_page_shows():
    for drawn in (".jupyter-widgets", ".rso-could-not-start", ".rso-notification-banner",
                  'data-mime-type="application/vnd.jupyter.stderr"'):
        assert drawn in SCRIPT


def test_every_app_page_gets_it_once_with_the_script_inlined():
    inlined = ("{% include 'slow_page.html' %}\n"
               "  <script>{% include 'static/rso_slow.js' %}</script>")
    quick = (TEMPLATE_DIR / "quick_join.html").read_text(encoding="utf-8")
    # the trainee page: after the join form, in its scrolling section (none of the form's room)
    assert quick.index("</form>") < quick.index(inlined) < quick.index("</section>")
    body = INDEX[INDEX.index("{%- block body_header -%}"):INDEX.index("{%- endblock body_header")]
    other = re.search(r"\{% include 'quick_join.html' %\}\s*\{%- else %\}(.*?)\{%- endif %\}",
                      body, re.S)[1]  # every other page: under the header, above the spinner
    assert "{% include 'slow_page.html' %}\n<script>{% include 'static/rso_slow.js' %}</script>" \
        in other
    assert body.index("{% include 'quick_join.html' %}") < body.index("{{ spinner.html() }}")
    assert INDEX.count("slow_page.html'") == 1 and quick.count("slow_page.html'") == 1
    assert not re.search(r"\{[{%#]", SCRIPT)  # safe to include as a Jinja template
