"""Standalone Voilà as `rso-workbook serve` runs it: Voilà 0.5 plus the workbook's own routes.

`python -m rso_widgets.serving.app FOLDER [Voilà options]` is `python -m voila` with:
- the shipped `rso` template found: its Jupyter data folder (`serving/jupyter`) is put on
  `JUPYTER_PATH`, where Voilà looks for templates and their static files. The template sits under
  `nbconvert/templates/rso` (Voilà searches both `voila/` and `nbconvert/`), because a `voila/`
  folder there would become Voilà's data folder (`get_data_dir`) and hide its themes;
- the start page at the root, Voilà's file list and contents API answered with 404
  (`start_page.py`);
- the page-lifecycle routes and a safe `…/voila/api/shutdown/<id>` (`lifecycle.py`);
- the room page at `<base URL>room/` (`room/`): the trainee's workshop page with no kernel.
Our routes are put before Voilà's, so they win where both match.
"""

from __future__ import annotations

import os

from voila.app import Voila

from .lifecycle import lifecycle_handlers
from .room import room_handlers
from .start_page import TEMPLATE_ROOT, start_page_handlers


def use_shipped_templates() -> None:
    """Put the package's Jupyter data folder (holding the `rso` template) on JUPYTER_PATH."""
    root = str(TEMPLATE_ROOT)
    paths = [p for p in os.environ.get("JUPYTER_PATH", "").split(os.pathsep) if p]
    if root not in paths:
        os.environ["JUPYTER_PATH"] = os.pathsep.join([root, *paths])


class WorkbookVoila(Voila):
    """Voilà with the start page, the page-lifecycle routes and the room page."""

    def init_handlers(self) -> list:
        ours: list = [*lifecycle_handlers(self.server_url), *room_handlers(self.server_url)]
        if not self.notebook_path:  # serving a folder: our start page, no file list
            ours += start_page_handlers(self.server_url)
        return [*ours, *super().init_handlers()]


def main() -> None:
    use_shipped_templates()
    WorkbookVoila.launch_instance()


if __name__ == "__main__":
    main()
