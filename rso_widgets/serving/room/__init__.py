"""The room page (issue 12): the trainee's workshop page with no kernel and no JupyterLab
bundle, served by the server process itself at `<base URL>room/`.

Server-rendered HTML (Jinja2, autoescaped; GOV.UK patterns: one question group per fieldset,
every error at once in a summary and beside its field, check your answers before submitting)
over the domain layer the widget page uses, so a room of trainees costs one shared process
instead of one kernel and one widget bundle each.

- `session.py`: the signed membership cookie; the process's one store, cases and ruleset; the
  thread pool store calls run in;
- `flow.py`: join, task list, open a case, draft, check, submit, feedback (each one pool call);
- `forms.py` (RM2000; its sentencing history one offence a row in `history_forms.py`) and
  `arms_forms.py` (ARMS, its evidence notes "add another"): posted forms ↔ the stored answers;
  `date_input.py`: the GOV.UK date input (three fields, its errors);
- `views.py`: the task list rows, the state line, the feedback;
- `handlers.py`: the Tornado handlers and `room_handlers(base_url)`, the routes that
  `serving/app.py` (standalone) and `serving/extension.py` (JupyterHub) add; the case pages'
  handlers are `case_handlers.py`, their base `page_base.py`;
- `templates/`: the pages, extending the `rso` template's `layout.html`; the optional script is
  the template's `static/rso_room.js`.
"""

from __future__ import annotations

from .handlers import room_handlers

ROOM_PATH = "room/"  # below the server's base URL

__all__ = ["ROOM_PATH", "room_handlers"]
