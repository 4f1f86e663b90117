"""Single-user Jupyter Server settings for RSO Workbook: JupyterHub user pods and Binder.

`jupyterhub-singleuser` (what Zero to JupyterHub starts in each user's pod) is `jupyter server`
plus JupyterHub's login extension, and both read this file. The user image installs it as
/usr/local/etc/jupyter/jupyter_server_config.py (not /etc/jupyter, where the docker-stacks base
image keeps its own file); binder/postBuild installs it as ~/.jupyter/jupyter_server_config.py.

- Voilà only (RSO_VOILA_ONLY, default on): JupyterLab, Notebook and terminals are turned off, so
  practitioners see the apps, not an IDE or a shell. RSO_VOILA_ONLY=0 for a developer image.
- The production settings of `rso-workbook serve`, read from the same file
  (rso_widgets/serving/voila.json): tracebacks hidden, sources stripped, template/theme
  overrides refused, a cell timeout, idle kernels culled (open pages included);
  RSO_KERNEL_CULL_IDLE_SECONDS / RSO_EXECUTE_TIMEOUT_SECONDS override them as for `serve`.
  Preheated kernels belong to standalone Voilà's own kernel manager, which a Jupyter Server
  extension does not use: a user's server starts a page's kernel when the page is opened.
- The `rso` page template (service header, skip link, `<main>`, no CDN) and the page lifecycle:
  the template's folder is put on JUPYTER_PATH, `rso_widgets.serving.extension` adds the
  heartbeat and page-closed routes, and `WorkbookKernelManager` answers them (a closed page's
  kernel freed at once or after a short grace, an open page never culled).
- RSO_SERVER_ROOT, when set, is the folder served (the image sets /srv/rso-workbook, outside the
  home directory over which Zero to JupyterHub mounts each user's volume).
"""

import os

from rso_widgets.commands.serve import cull_interval
from rso_widgets.serving import voila_config
from rso_widgets.serving.app import use_shipped_templates
from rso_widgets.serving.extension import START_URL
from rso_widgets.settings import get_settings

# Sections of voila.json that apply inside Jupyter Server, less the standalone-only traits.
SECTIONS = ("VoilaConfiguration", "VoilaExecutor", "MappingKernelManager")
STANDALONE_ONLY = {"preheat_kernel", "default_pool_size", "multi_kernel_manager_class"}

c = get_config()  # noqa: F821 - provided by traitlets when it loads this file

root = os.environ.get("RSO_SERVER_ROOT")
if root:
    c.ServerApp.root_dir = root
c.ServerApp.default_url = START_URL  # the start page; JupyterHub's singleuser.defaultUrl wins

use_shipped_templates()  # the `rso` template of voila.json, found by Voilà's extension
c.ServerApp.kernel_manager_class = "rso_widgets.serving.kernels.WorkbookKernelManager"
c.ServerApp.jpserver_extensions.update({"rso_widgets.serving.extension": True})
# No MathJax from cdnjs (Voilà's page config default here): no page asks any host but its own,
# as with standalone Voilà, where the URL is unset too. No app shows mathematics.
# A plain dict, not `.update()`: jupyterhub-singleuser (the pods' and deploy/local-hub's server)
# reads `tornado_settings` from this config as a dict, and a lazy update value breaks it.
c.ServerApp.tornado_settings = {"mathjax_url": None, "mathjax_config": None}

if os.environ.get("RSO_VOILA_ONLY", "1") != "0":
    c.ServerApp.jpserver_extensions.update({
        "jupyterlab": False,
        "notebook": False,
        "nbclassic": False,
        "jupyter_server_terminals": False,
        "jupyter_lsp": False,
        "voila.server_extension": True,
    })
    c.ServerApp.terminals_enabled = False

shipped = voila_config()
for section in SECTIONS:
    for trait, value in shipped.get(section, {}).items():
        if trait not in STANDALONE_ONLY:
            setattr(c[section], trait, value)

settings = get_settings()
if "kernel_cull_idle_seconds" in settings.model_fields_set:
    c.MappingKernelManager.cull_idle_timeout = settings.kernel_cull_idle_seconds
    c.MappingKernelManager.cull_interval = cull_interval(settings.kernel_cull_idle_seconds)
if "execute_timeout_seconds" in settings.model_fields_set:
    c.VoilaExecutor.timeout = settings.execute_timeout_seconds
