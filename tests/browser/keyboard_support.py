"""Driving a page with the keyboard alone, for the keyboard-only first-time-user tests
(test_keyboard_only.py): Tab to a control by its accessible name (every control of the app
passed on the way must show its focus), choose with the arrow keys, type, press; wait for focus
to move where it should; numbered screenshots of each step in
`test-artifacts/keyboard-only/<app>/` (git-ignored; `RSO_TEST_ARTIFACTS` moves it)."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from browser_support import ROOT, assert_no_traceback
from playwright.sync_api import expect

from rso_widgets.commands.serve import ServedWorkbooks

ARTIFACTS = Path(os.environ.get("RSO_TEST_ARTIFACTS", ROOT / "test-artifacts")) / "keyboard-only"
READY = 90_000
WAIT = 30_000
MAX_KEYS = 120

# the focused element: its accessible name, where it is, and whether its focus can be seen
FOCUSED = """() => {
  const e = document.activeElement;
  if (!e || e === document.body || e === document.documentElement) return null;
  const cs = getComputedStyle(e);
  const label = e.labels && e.labels.length ? e.labels[0].innerText : '';
  const name = (e.getAttribute('aria-label') || label || e.innerText || e.value || e.title
                || '').trim().replace(/\\s+/g, ' ');
  const outline = cs.outlineStyle !== 'none' && cs.outlineStyle !== 'hidden'
    && parseFloat(cs.outlineWidth) >= 2 && !/rgba\\(.*, 0\\)$/.test(cs.outlineColor);
  const option = e.tagName === 'SELECT'
    ? (e.options[e.selectedIndex] || {}).text || '' : null;
  return {tag: e.tagName, name, option: option && option.replace(/\\s+/g, ' ').trim(),
          checked: e.type === 'checkbox' ? e.checked : null,
          inApp: !!e.closest('main .jupyter-widgets'),
          visible: outline || cs.boxShadow !== 'none',
          style: `${cs.outlineStyle} ${cs.outlineWidth} ${cs.outlineColor}; ${cs.boxShadow}`};
}"""


class Keys:
    """One page driven by the keyboard alone, with numbered screenshots of its steps."""

    def __init__(self, chromium, app: str):
        self.context = chromium.new_context(viewport={"width": 1200, "height": 900},
                                            locale="en-GB")
        self.page = self.context.new_page()
        self.page.set_default_timeout(WAIT)
        self.folder = ARTIFACTS / app
        shutil.rmtree(self.folder, ignore_errors=True)
        self.folder.mkdir(parents=True)
        self.n = 0
        self.passed: list[str] = []

    def shot(self, step: str) -> None:
        self.n += 1
        self.page.screenshot(path=str(self.folder / f"{self.n:02d}-{step}.png"))

    def focused(self) -> dict | None:
        return self.page.evaluate(FOCUSED)

    def tab_to(self, name: str, *, key: str = "Tab", prefix: bool = False) -> dict:
        """Press `key` until the control named `name` (or starting with it) has focus. Every
        control of the app passed on the way must show its focus."""
        for _ in range(MAX_KEYS):
            self.page.keyboard.press(key)
            info = self.focused()
            if info is None:
                continue  # past the end of the page: the next Tab comes back to its top
            if info["inApp"]:
                assert info["visible"], (f"focus cannot be seen on {info['tag']} "
                                         f"{info['name']!r} ({info['style']})")
                self.passed.append(info["name"])
            if info["name"] == name or (prefix and info["name"].startswith(name)):
                return info
        raise AssertionError(f"{name!r} cannot be reached with {key}")

    def choose(self, option: str, *, prefix: bool = False) -> None:
        """Choose `option` in the focused select with the arrow keys."""
        for _ in range(40):
            now = (self.focused() or {}).get("option") or ""
            if now == option or (prefix and now.startswith(option)):
                return
            self.page.keyboard.press("ArrowDown")
        raise AssertionError(f"{option!r} cannot be chosen with the arrow keys")

    def focus_moves_to(self, text: str) -> None:
        """Wait until focus is on the block whose text starts with `text`, its focus seen."""
        self.page.wait_for_function(
            """(want) => { const e = document.activeElement;
                 return !!e && e !== document.body
                   && e.innerText.trim().replace(/\\s+/g, ' ').startsWith(want); }""",
            arg=text, timeout=WAIT)
        info = self.focused()
        assert info["visible"], f"focus cannot be seen on {text!r} ({info['style']})"

    def kept_focus(self, after: str) -> None:
        """Focus is still on something (not dropped to the page) once `after` has shown."""
        self.page.wait_for_timeout(300)  # the view's last updates land
        info = self.focused()
        assert info is not None, f"keyboard focus was lost after {after}"
        assert info["visible"], f"focus cannot be seen after {after}: {info}"

    def on_task_list_title(self) -> None:
        """Wait until focus is on the task list's title (where Back, Start or Continue that
        led there were hidden), its focus seen: a Tab pressed sooner would race it."""
        self.page.wait_for_function(
            "!!document.activeElement && !!document.activeElement.closest('.rso-focus-target')"
            " && !!document.activeElement.querySelector('.rso-journey-title')", timeout=WAIT)
        assert self.focused()["visible"]

    def type(self, text: str) -> None:
        self.page.keyboard.press("Control+A")
        self.page.keyboard.type(text, delay=20)

    def press(self, key: str = "Enter") -> None:
        self.page.keyboard.press(key)

    def arrive(self, server: ServedWorkbooks, link: str, ready: str) -> None:
        """The start page; Tab to the app's link; Enter; wait for the `ready` button."""
        page = self.page
        page.goto(server.url, wait_until="domcontentloaded")
        expect(page.get_by_role("heading", level=1)).to_have_text("RSO Workbook")
        self.shot("start-page")
        for _ in range(60):
            page.keyboard.press("Tab")
            info = self.focused()
            if info and info["name"] == link:
                assert info["visible"], f"focus cannot be seen on the link {link!r}"
                break
        else:
            raise AssertionError(f"the link {link!r} cannot be reached with Tab")
        page.keyboard.press("Enter")
        page.get_by_role("button", name=ready, exact=True).wait_for(timeout=READY)
        page.wait_for_timeout(300)
        assert_no_traceback(page)
        self.shot("first-view")

    def close(self) -> None:
        self.context.close()
