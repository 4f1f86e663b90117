"""Jupyter Server extension for the JupyterHub single-user path (deploy/jupyter_server_config.py
enables it beside `voila.server_extension`): the page-lifecycle routes that the `rso` template's
script calls, under the server's base URL. The kernel manager that answers them is
`serving.kernels.WorkbookKernelManager`, which the same config file names."""

from __future__ import annotations

from typing import Any

from .lifecycle import lifecycle_handlers


def _jupyter_server_extension_points() -> list[dict[str, str]]:
    return [{"module": "rso_widgets.serving.extension"}]


def _load_jupyter_server_extension(server_app: Any) -> None:
    web_app = server_app.web_app
    routes = [r for r in lifecycle_handlers(web_app.settings["base_url"])
              if "voila/api/shutdown" not in r[0]]  # Voilà's own extension serves that one
    web_app.add_handlers(".*$", routes)
    server_app.log.info("RSO Workbook page-lifecycle routes added")
