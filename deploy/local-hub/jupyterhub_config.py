"""JupyterHub for a small team on one server, as The Littlest JupyterHub does it.

Each person signs in with their own account on this machine (PAM) and gets their own Voilà-only
server, started as their own operating-system user (LocalProcessSpawner), reading the same
`deploy/jupyter_server_config.py` as the Kubernetes image. The workbook then knows who each
person is (`JUPYTERHUB_USER`), so one can sign an assessment and another countersign it.

    sudo jupyterhub -f deploy/local-hub/jupyterhub_config.py      # see deploy/README.md

Settings (environment variables of the hub; all have working defaults):
- RSO_HUB_BIND_URL: where people connect (default http://127.0.0.1:8000; put an HTTPS reverse
  proxy in front of it for anything but this machine).
- RSO_HUB_STATE_DIR: the hub's own database, cookie secret and pid file
  (default /srv/rso-workbook-hub).
- RSO_HUB_ADMINS: comma-separated accounts that administer the hub (its admin page: groups).
- RSO_HUB_GROUPS: hub groups to create at start, e.g. "supervisor=sam kim; trainer=tina".
- RSO_HUB_AUTH: `pam` (default: the machine's accounts) or `shared-password` (one password,
  RSO_HUB_PASSWORD, for a trial; the tests use it).
- RSO_HUB_SPAWNER: `localprocess` (default: each server runs as its person's account) or
  `simple` (every server as the hub's account, homes under RSO_HUB_STATE_DIR; tests).
- RSO_HUB_PORT_API, RSO_HUB_PORT_PROXY_API: the hub's and the proxy's internal ports on
  127.0.0.1 (defaults 8081 and 8001).
- RSO_HUB_PROXY: the `configurable-http-proxy` program (default: on PATH, else the copy
  `scripts/setup.sh test` installs in .cache/configurable-http-proxy).
- Every other RSO_* setting (RSO_DATABASE_URL, RSO_DATA_DIR, RSO_ROLES_FILE, …) is passed to
  each person's server, so all of them use one database. RSO_USER is never passed: who someone
  is comes from the hub alone.

Per person, the hub sets `JUPYTERHUB_USER` (identity), `RSO_DISPLAY_NAME` (the full name of the
account, from the machine's user database; pages show it) and `RSO_GROUPS` (their hub groups: a
group named `supervisor`, `trainer`, `team_lead` or `administrator` gives that role; see
rso_widgets/store/policy.py).
"""

import os
import shutil
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
DEPLOY = HERE.parent
REPO = DEPLOY.parent
PER_USER = {"RSO_USER", "RSO_DISPLAY_NAME", "RSO_GROUPS"}

c = get_config()  # noqa: F821 - provided by traitlets when it loads this file

state = Path(os.environ.get("RSO_HUB_STATE_DIR", "/srv/rso-workbook-hub"))
state.mkdir(parents=True, exist_ok=True, mode=0o700)

c.JupyterHub.bind_url = os.environ.get("RSO_HUB_BIND_URL", "http://127.0.0.1:8000")
c.JupyterHub.hub_bind_url = f"http://127.0.0.1:{os.environ.get('RSO_HUB_PORT_API', '8081')}"
c.ConfigurableHTTPProxy.api_url = (
    f"http://127.0.0.1:{os.environ.get('RSO_HUB_PORT_PROXY_API', '8001')}")
c.JupyterHub.db_url = f"sqlite:///{state / 'jupyterhub.sqlite'}"
c.JupyterHub.cookie_secret_file = str(state / "jupyterhub_cookie_secret")
c.JupyterHub.pid_file = str(state / "jupyterhub.pid")
c.ConfigurableHTTPProxy.pid_file = str(state / "proxy.pid")

proxy = os.environ.get("RSO_HUB_PROXY") or shutil.which("configurable-http-proxy") or str(
    REPO / ".cache/configurable-http-proxy/node_modules/.bin/configurable-http-proxy")
c.ConfigurableHTTPProxy.command = [proxy]

# -- who may sign in ----------------------------------------------------------------------------
auth = os.environ.get("RSO_HUB_AUTH", "pam")
if auth == "shared-password":
    c.JupyterHub.authenticator_class = "shared-password"
    c.SharedPasswordAuthenticator.user_password = os.environ["RSO_HUB_PASSWORD"]
else:
    c.JupyterHub.authenticator_class = "pam"
c.Authenticator.allow_all = True  # every account that can sign in (PAM: of this machine)
admins = {a.strip() for a in os.environ.get("RSO_HUB_ADMINS", "").split(",") if a.strip()}
c.Authenticator.admin_users = admins
# RSO_HUB_GROUPS="supervisor=sam kim; trainer=tina": hub groups (roles) set from here, not only
# from the hub's admin page. Loading only adds people to groups.
c.JupyterHub.load_groups = {
    name.strip(): {"users": users.split()}
    for name, _, users in (part.partition("=") for part in
                           os.environ.get("RSO_HUB_GROUPS", "").split(";") if "=" in part)}

# -- each person's server: the Voilà-only single-user server of deploy/jupyter_server_config.py
if os.environ.get("RSO_HUB_SPAWNER", "localprocess") == "simple":
    c.JupyterHub.spawner_class = "simple"
    c.SimpleLocalProcessSpawner.home_dir_template = str(state / "home" / "{username}")
    if os.geteuid() == 0:  # every server runs as the hub's own account: here, root
        c.Spawner.args = ["--allow-root"]
else:
    c.JupyterHub.spawner_class = "localprocess"
c.Spawner.cmd = [str(Path(sys.executable).with_name("jupyterhub-singleuser"))]
c.Spawner.default_url = "/start"  # the start page (rso_widgets.serving.extension.START_URL)
c.Spawner.http_timeout = 120


def display_name(spawner) -> str:
    """The full name of the person's account (GECOS), or "" to let the workbook decide."""
    try:
        import pwd

        return pwd.getpwnam(spawner.user.name).pw_gecos.split(",")[0].strip()
    except (ImportError, KeyError):
        return ""


def groups(spawner) -> str:
    return ",".join(sorted(g.name for g in spawner.user.groups))


env = {k: v for k, v in os.environ.items()
       if k.startswith("RSO_") and not k.startswith("RSO_HUB_") and k not in PER_USER}
env.update({
    "JUPYTER_CONFIG_PATH": str(DEPLOY),  # reads deploy/jupyter_server_config.py
    "RSO_SERVER_ROOT": os.environ.get("RSO_SERVER_ROOT", str(REPO)),
    "RSO_DISPLAY_NAME": display_name,
    "RSO_GROUPS": groups,
})
c.Spawner.environment = env
