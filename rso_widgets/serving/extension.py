"""Jupyter Server extension for the JupyterHub single-user path (deploy/jupyter_server_config.py
enables it beside `voila.server_extension`):
- the page-lifecycle routes that the `rso` template's script calls, under the server's base URL
  (the kernel manager that answers them is `serving.kernels.WorkbookKernelManager`, which the
  same config file names);
- the start page (`start_page.py`) at `<base URL>start`, linking each app under
  `voila/render/workbooks/`: the hub's default URL (`START_URL`; deploy/config.yaml's
  `singleuser.defaultUrl` and deploy/local-hub's `Spawner.default_url`), in place of Voilà's
  file list;
- the room page (`room/`) at `<base URL>room/`: the trainee's workshop page with no kernel."""

from __future__ import annotations

from typing import Any

from jupyter_server.utils import url_path_join

from .lifecycle import lifecycle_handlers
from .room import room_handlers
from .start_page import StartPageHandler

WORKBOOKS = "workbooks"  # the apps' folder below the server's root (the image copies them there)
START_URL = "/start"  # the start page, relative to the single-user server's base URL


def start_page_route(base_url: str) -> tuple[str, type, dict[str, str]]:
    """The start page under `base_url`, its links rendering the apps in `WORKBOOKS`."""
    return (url_path_join(base_url, START_URL.strip("/")), StartPageHandler,
            {"render_prefix": f"voila/render/{WORKBOOKS}"})


def _jupyter_server_extension_points() -> list[dict[str, str]]:
    return [{"module": "rso_widgets.serving.extension"}]


def _load_jupyter_server_extension(server_app: Any) -> None:
    web_app = server_app.web_app
    base_url = web_app.settings["base_url"]
    routes: list[Any] = [r for r in lifecycle_handlers(base_url)
                         if "voila/api/shutdown" not in r[0]]  # Voilà's extension serves it
    routes.append(start_page_route(base_url))
    routes += room_handlers(base_url)
    web_app.add_handlers(".*$", routes)
    server_app.log.info("RSO Workbook start page (%s), room page (%s) and page-lifecycle "
                        "routes added", url_path_join(base_url, START_URL.strip("/")),
                        url_path_join(base_url, "room/"))
