"""The kit's one error wrapper: whatever a widget callback or a store call raises becomes a
message on the page, never a traceback (which Voilà would not show at all).

One classification for every page — text that cannot be stored (`FreeTextError`), a refusal
(`AccessDenied`), another store error, the domain's problems with a record (`InvalidRecord`,
shown next to their fields), or anything else (logged with a short reference the person can
quote) — used two ways:

- `safe_callback(report, what)`: a decorator for a widget's callbacks; `report(self, text)`
  shows the message.
- `attempt(form, what, fn, fallback)`: runs one store call for a form; problems go next to the
  form's fields and into its error summary, other messages to the form's notice (or to
  `fallback` when there is no form).

The store and the domain are not imported here: an exception type that was never imported
cannot have been raised.
"""

from __future__ import annotations

import functools
import logging
import re
import sys
import uuid
from collections.abc import Callable
from typing import Any

from ..freetext import FreeTextError

log = logging.getLogger("rso_widgets.widgets")

_API_HINT = re.compile(r"\s*\([^)]*(update_session|set_consent|share_diary)[^)]*\)")


def _is(exc: BaseException, module: str, name: str) -> bool:
    mod = sys.modules.get(module)
    kind = getattr(mod, name, None) if mod is not None else None
    return kind is not None and isinstance(exc, kind)


def is_refusal(exc: BaseException) -> bool:
    """The store refused this user (`store.errors.AccessDenied`): a plain sentence, not an
    error."""
    return _is(exc, "rso_widgets.store.errors", "AccessDenied")


def kind_of(exc: BaseException) -> str:
    """"free_text", "refusal", "store" (another StoreError: not found, a duplicate name…),
    "invalid" (the domain's `InvalidRecord`, with `.problems`) or "unexpected"."""
    if isinstance(exc, FreeTextError):
        return "free_text"
    if is_refusal(exc):
        return "refusal"
    if _is(exc, "rso_widgets.store.errors", "StoreError"):
        return "store"
    if _is(exc, "rso_widgets.supervision.validation", "InvalidRecord"):
        return "invalid"
    return "unexpected"


def sentence(text: str) -> str:
    """`text` with its first letter a capital."""
    text = text.strip()
    return text[:1].upper() + text[1:] if text else text


def plain_refusal(exc: BaseException) -> str:
    """A refusal's message as a sentence for the page (no API names)."""
    text = _API_HINT.sub("", str(exc)).strip() or "You do not have access to this record."
    return sentence(text)


def unexpected(what: str, *, wording: str = "while") -> str:
    """Log the exception being handled under a new reference and return the message that
    quotes it ("Something went wrong while saving…" / "…with the session…")."""
    ref = uuid.uuid4().hex[:8]
    log.exception("error %s %s (reference %s)", wording, what, ref)
    return (f"Something went wrong {wording} {what}. Your answers are kept. Try again; if it "
            f"happens again, tell the workbook team and quote reference {ref}.")


def safe_callback(report: Callable[[Any, str], None], what: str) -> Callable:
    """Decorator for widget callbacks: an exception never reaches Voilà (where it would be
    invisible); it is logged and `report(self, message)` shows a friendly message instead."""

    def deco(fn: Callable) -> Callable:
        @functools.wraps(fn)
        def wrapper(self: Any, *args: Any, **kwargs: Any) -> Any:
            try:
                return fn(self, *args, **kwargs)
            except Exception as exc:
                kind = kind_of(exc)
                if kind == "free_text":  # text that cannot be stored: say which and why
                    log.info("refused typed text while %s: %s", what, getattr(exc, "field", ""))
                    text = f"Not saved: {exc}. Your answers are kept on this page."
                elif kind == "refusal":  # the store refused this user, and audited it
                    log.info("refused while %s: %s", what, exc)
                    text = f"Not allowed: {exc}"
                else:
                    text = unexpected(what)
                try:
                    report(self, text)
                except Exception:  # the report itself must not raise either
                    log.exception("could not show the message: %s", text)
                return None
        return wrapper
    return deco


def attempt(form: Any, what: str, fn: Callable[[], Any], fallback: Any) -> Any:
    """Run `fn` (a store call) for `form` (a form with `clear_problems`, `show_problems` and a
    `notice`, or None): the domain's problems are shown next to their fields and in the
    summary, a refusal or another store error (not found, a duplicate name) as a plain message,
    anything else as a friendly message with a reference, logged. Messages go to `form.notice`,
    or to `fallback` (a `Notice`) when there is no form. Returns `fn()`'s result, or None when
    it failed."""

    def say(text: str, heading: str) -> None:
        (form.notice if form is not None else fallback).say(text, kind="error", heading=heading)

    if form is not None:
        form.clear_problems()
    try:
        return fn()
    except Exception as exc:
        kind = kind_of(exc)
        if kind == "invalid":
            if form is None:
                say(str(exc), f"{sentence(what)} was not saved")
            else:
                form.show_problems(exc.problems, what)  # type: ignore[attr-defined]
        elif kind in ("refusal", "store"):
            log.info("refused while saving %s: %s", what, exc)
            say(plain_refusal(exc), "You cannot do this" if kind == "refusal"
                else "This could not be done")
        else:
            say(unexpected(what, wording="with"), "Sorry, there is a problem")
    return None
