"""The JupyterHub deployment (deploy/) holds together, and its user server works.

What can be tested without Kubernetes or Docker:
- config.yaml (Zero to JupyterHub values), jupyter_server_config.py and the Dockerfile parse and
  say what the deployment needs (image, Voilà as default URL, database URL from a Secret, idle
  culling, resource limits), and agree with each other and with `rso-workbook serve`;
- the Dockerfile's COPY and pip lines name files that exist and that the build context sends;
- the single-user command config.yaml names, run locally as the pod runs it (deploy/
  local_singleuser.py), serves the apps: 200, no traceback, Voilà only, login required;
- the user name JupyterHub gives the pod (JUPYTERHUB_USER) reaches current_user() in an app's
  kernel and is recorded in the audit log; the memory the apps use fits the configured limits.
"""

from __future__ import annotations

import fnmatch
import html
import json
import os
import re
import shlex
import sys
from pathlib import Path

import nbformat
import psutil
import pytest
import yaml
from audited import audit_log, verify_log
from identities import open_as
from traitlets.config import PyFileConfigLoader

from rso_widgets.commands.serve import build_command
from rso_widgets.serving.extension import START_URL, WORKBOOKS
from rso_widgets.serving.start_page import APPS
from rso_widgets.settings import get_settings

ROOT = Path(__file__).resolve().parent.parent
DEPLOY = ROOT / "deploy"
sys.path.insert(0, str(DEPLOY))

from local_singleuser import (  # noqa: E402
    IMAGE_ROOT,
    SingleUserServer,
    dockerfile_instructions,
    image_env,
    make_root,
)

TRACEBACK_TEXT = ("Traceback", 'File "', "Error in callback")
APPS_PER_USER = 4  # apps one person may have open at once (the limit in config.yaml allows it)


@pytest.fixture(scope="module")
def values() -> dict:
    return yaml.safe_load((DEPLOY / "config.yaml").read_text("utf-8"))


def load_server_config(monkeypatch, **env: str):
    for key in ("RSO_VOILA_ONLY", "RSO_SERVER_ROOT"):
        monkeypatch.delenv(key, raising=False)
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    return PyFileConfigLoader("jupyter_server_config.py", path=str(DEPLOY)).load_config()


def byte_size(text: str) -> int:
    """KubeSpawner's memory sizes: K, M, G, T suffixes are powers of 1024."""
    m = re.fullmatch(r"(\d+(?:\.\d+)?)([KMGT])", str(text))
    assert m, f"memory size {text!r} should look like 384M or 1G"
    return int(float(m[1]) * 1024 ** ("KMGT".index(m[2]) + 1))


# -- config.yaml -------------------------------------------------------------------------------

def test_values_name_the_image_and_voila_as_the_default_app(values):
    su = values["singleuser"]
    assert su["image"]["name"] and isinstance(su["image"]["tag"], str) and su["image"]["tag"]
    assert su["cmd"] == "jupyterhub-singleuser"
    assert su["defaultUrl"] == START_URL  # the start page, not Voilà's file list
    # the start page links the apps' folder, where the image puts them below the served root
    served = image_env()["RSO_SERVER_ROOT"]
    copies = {dest.rstrip("/") for _, dest in copy_lines()}
    assert served + "/" + WORKBOOKS in copies


def test_database_url_comes_from_a_secret_never_from_the_file(values):
    env = values["singleuser"]["extraEnv"]
    ref = env["RSO_DATABASE_URL"]["valueFrom"]["secretKeyRef"]
    assert ref["name"] and ref["key"]
    text = (DEPLOY / "config.yaml").read_text("utf-8")
    assert not re.search(r"postgres(ql)?(\+\w+)?://", text), "a database URL in config.yaml"
    assert env["RSO_VOILA_ONLY"] == "1"


def test_idle_culling_is_on(values):
    cull = values["cull"]
    assert cull["enabled"] is True and cull["users"] is False
    assert isinstance(cull["timeout"], int) and cull["timeout"] >= 600
    assert isinstance(cull["every"], int) and 0 < cull["every"] <= cull["timeout"]
    # the hub stops a server only after its kernels have had the chance to be culled
    assert cull["timeout"] >= get_settings().kernel_cull_idle_seconds


def test_resource_limits_are_set_and_ordered(values):
    mem, cpu = values["singleuser"]["memory"], values["singleuser"]["cpu"]
    assert 0 < byte_size(mem["guarantee"]) <= byte_size(mem["limit"])
    assert 0 < cpu["guarantee"] <= cpu["limit"]


def test_user_pods_reach_the_database_and_not_the_internet(values):
    policy = values["singleuser"]["networkPolicy"]
    assert policy["enabled"] is True
    assert policy["egressAllowRules"]["nonPrivateIPs"] is False
    ports = [p["port"] for rule in policy["egress"] for p in rule["ports"]]
    assert 5432 in ports


def test_login_is_never_left_open(values):
    auth = values["hub"]["config"]["JupyterHub"]["authenticator_class"]
    assert auth not in ("dummy", "null", "jupyterhub.auth.DummyAuthenticator")


# -- jupyter_server_config.py ------------------------------------------------------------------

def test_server_config_applies_the_shipped_voila_settings(monkeypatch):
    """The same production settings as `rso-workbook serve` (serving/voila.json), less the
    preheating traits only standalone Voilà has."""
    from rso_widgets.serving import voila_config

    monkeypatch.delenv("RSO_KERNEL_CULL_IDLE_SECONDS", raising=False)
    monkeypatch.delenv("RSO_EXECUTE_TIMEOUT_SECONDS", raising=False)
    get_settings.cache_clear()
    cfg = load_server_config(monkeypatch)
    shipped = voila_config()
    compared = 0
    for section in ("VoilaConfiguration", "VoilaExecutor", "MappingKernelManager"):
        for trait, value in shipped[section].items():
            if trait in ("preheat_kernel", "default_pool_size", "multi_kernel_manager_class"):
                assert trait not in cfg[section]
            else:
                assert cfg[section][trait] == value, f"{section}.{trait}"
                compared += 1
    assert compared >= 8
    assert cfg.VoilaConfiguration.show_tracebacks is False
    assert cfg.VoilaConfiguration.strip_sources is True
    assert cfg.MappingKernelManager.cull_idle_timeout > 0


def test_server_config_takes_the_same_overrides_as_serve(monkeypatch):
    monkeypatch.setenv("RSO_KERNEL_CULL_IDLE_SECONDS", "900")
    monkeypatch.setenv("RSO_EXECUTE_TIMEOUT_SECONDS", "45")
    get_settings.cache_clear()
    try:
        cfg = load_server_config(monkeypatch)
    finally:
        get_settings.cache_clear()
    serve = build_command(Path("."), "127.0.0.1", 8866, cull_idle_seconds=900,
                          execute_timeout_seconds=45)
    for cls, trait in (("MappingKernelManager", "cull_idle_timeout"),
                       ("MappingKernelManager", "cull_interval"), ("VoilaExecutor", "timeout")):
        assert f"--{cls}.{trait}={cfg[cls][trait]}" in serve


def test_server_config_is_voila_only_unless_turned_off(monkeypatch):
    cfg = load_server_config(monkeypatch, RSO_SERVER_ROOT="/srv/x")
    extensions = cfg.ServerApp.jpserver_extensions.get_value({})
    assert extensions["voila.server_extension"] is True
    for name in ("jupyterlab", "notebook", "jupyter_server_terminals"):
        assert extensions[name] is False
    assert cfg.ServerApp.terminals_enabled is False
    assert cfg.ServerApp.root_dir == "/srv/x"
    assert cfg.ServerApp.default_url == START_URL
    dev = load_server_config(monkeypatch, RSO_VOILA_ONLY="0")
    assert "root_dir" not in dev.ServerApp
    assert dev.ServerApp.jpserver_extensions.get_value({}) == {
        "rso_widgets.serving.extension": True}  # only ours: JupyterLab and the rest as installed


def test_server_config_serves_the_page_template_and_lifecycle(monkeypatch):
    import os

    from rso_widgets.serving.start_page import TEMPLATE_ROOT

    monkeypatch.setenv("JUPYTER_PATH", "")
    cfg = load_server_config(monkeypatch)
    assert cfg.VoilaConfiguration.template == "rso"
    assert os.environ["JUPYTER_PATH"].split(os.pathsep)[0] == str(TEMPLATE_ROOT)
    assert cfg.ServerApp.kernel_manager_class == (
        "rso_widgets.serving.kernels.WorkbookKernelManager")
    assert cfg.ServerApp.jpserver_extensions.get_value({})["rso_widgets.serving.extension"]
    tornado = cfg.ServerApp.tornado_settings  # a plain dict: jupyterhub-singleuser reads it
    assert tornado["mathjax_url"] is None and tornado["mathjax_config"] is None  # no CDN


# -- Dockerfile --------------------------------------------------------------------------------

def copy_lines() -> list[tuple[list[str], str]]:
    """(sources, destination) of each COPY, flags dropped."""
    out = []
    for word, rest in dockerfile_instructions():
        if word == "COPY":
            parts = [p for p in shlex.split(rest) if not p.startswith("--")]
            out.append((parts[:-1], parts[-1]))
    return out


def dockerignore_allows(path: str) -> bool:
    """Whether deploy/Dockerfile.dockerignore sends `path` to the builder (last match wins)."""
    allowed = True
    for line in (DEPLOY / "Dockerfile.dockerignore").read_text("utf-8").splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        negate, pattern = line.startswith("!"), line.lstrip("!").rstrip("/")
        if fnmatch.fnmatch(path, pattern) or path.startswith(pattern + "/"):
            allowed = negate
    return allowed


def test_base_image_is_a_jupyter_image_with_binders_python():
    instructions = dockerfile_instructions()
    args = dict(rest.split("=", 1) for word, rest in instructions if word == "ARG")
    base = args["BASE_IMAGE"]
    assert base.startswith(("quay.io/jupyter/", "jupyter/")), base
    runtime = (ROOT / "binder" / "runtime.txt").read_text("utf-8").strip()
    assert base.endswith(":" + runtime), f"{base}: Binder runs {runtime}"
    assert ("FROM", "${BASE_IMAGE}") in instructions


def test_copy_sources_exist_and_reach_the_build():
    lines = copy_lines()
    assert lines
    for sources, _dest in lines:
        for src in sources:
            assert (ROOT / src).exists(), f"COPY {src}: no such file in the repository"
            assert dockerignore_allows(src), f"COPY {src}: Dockerfile.dockerignore leaves it out"
    assert not dockerignore_allows(".venv") and not dockerignore_allows("tests")


def test_pip_installs_a_complete_package_tree():
    import tomllib

    runs = [rest for word, rest in dockerfile_instructions() if word == "RUN" and "pip " in rest]
    assert len(runs) == 1
    target = re.search(r"pip install (?:--\S+ )*(\S+)", runs[0])[1]
    copied = set()
    for sources, dest in copy_lines():
        for src in sources:
            copied.add(dest.rstrip("/") if len(sources) == 1 and not dest.endswith("/")
                       else f"{dest.rstrip('/')}/{Path(src).name}")
    project = tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))
    needed = ["pyproject.toml", project["project"]["readme"]]
    needed += [p.rstrip("*") for p in project["tool"]["setuptools"]["packages"]["find"]["include"]]
    for name in needed:
        assert f"{target}/{name}" in copied, f"pip install {target} needs {name} copied there"


def test_image_env_points_at_the_copied_folders_and_config():
    env = image_env()
    dests = {dest.rstrip("/") for _, dest in copy_lines()}
    assert env["RSO_SERVER_ROOT"] == IMAGE_ROOT
    assert env["RSO_WORKBOOKS_DIR"] in dests and env["RSO_TRAINING_CASES_DIR"] in dests
    assert env["RSO_VOILA_ONLY"] == "1"
    assert "/usr/local/etc/jupyter/jupyter_server_config.py" in dests


# -- the single-user server, run as the pod runs it ---------------------------------------------

PROBE = """\
import json
from rso_widgets.cases.loader import load_cases
from rso_widgets.store import current_user, open_store

store = open_store()
store.log_view("deployment_check", "probe")
store.close()
print("PROBE=" + json.dumps({"user": current_user(), "cases": len(load_cases())}))
"""


@pytest.fixture(scope="module")
def pod(tmp_path_factory, values):
    """The pod's server on a copy of the image's /srv/rso-workbook, with the variables
    JupyterHub sets for a user and a SQLite stand-in for the PostgreSQL URL."""
    base = tmp_path_factory.mktemp("pod")
    root = make_root(base / "srv")
    probe = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(PROBE)])
    nbformat.write(probe, root / "deployment_check.ipynb")
    db = base / "shared.sqlite"
    env = {"JUPYTERHUB_USER": "officer.a.smith@force.example",
           "JUPYTERHUB_SERVER_NAME": "", "RSO_DATABASE_URL": f"sqlite:///{db}",
           "RSO_DATA_DIR": str(base / "home")}
    saved = os.environ.pop("RSO_USER", None)  # a pod has no RSO_USER
    server = SingleUserServer(root, cmd=[values["singleuser"]["cmd"]], env=env,
                              log_path=base / "server.log")
    try:
        server.start(timeout=120)
    except RuntimeError as exc:
        server.stop()
        pytest.fail(f"the single-user server did not start: {exc}")
    finally:
        if saved is not None:
            os.environ["RSO_USER"] = saved
    try:
        yield {"server": server, "db": db, "root": root, "env": env}
    finally:
        server.stop()


def assert_no_traceback(body: str) -> None:
    found = [t for t in TRACEBACK_TEXT if t in body]
    assert not found, f"the page shows traceback text {found}"


def test_default_url_is_the_start_page_linking_every_app(pod, values):
    server = pod["server"]
    status, body = server.get(values["singleuser"]["defaultUrl"].lstrip("/"))
    assert status == 200
    assert "<h1>RSO Workbook</h1>" in body
    for app in APPS:
        assert (f'/{app.page}"' if app.page else
                f'/voila/render/{WORKBOOKS}/{app.notebook}"') in body, app.title
    status, body = server.get("voila/api/contents/workbooks")
    assert status == 200
    names = {item["name"] for item in json.loads(body)["content"]}
    assert {p.name for p in (ROOT / "workbooks").glob("*.ipynb")} <= names


def test_app_pages_render_without_traceback_or_source(pod):
    server = pod["server"]
    for nb in ("rm2000_calculator.ipynb", "rm2000_practice.ipynb"):
        status, body = server.get(f"voila/render/workbooks/{nb}")
        assert status == 200, nb
        assert "application/vnd.jupyter.widget-view+json" in body, f"{nb}: no widget"
        assert_no_traceback(body)
        assert "rso_widgets.apps" not in body, f"{nb}: the page shows the notebook's source"


def test_only_voila_is_served_and_login_is_required(pod, values):
    server = pod["server"]
    for path in ("lab", "tree", "api/terminals"):
        assert server.get(path)[0] == 404, f"/{path} should not be served"
    import urllib.error
    import urllib.request

    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args, **kwargs):
            return None

    opener = urllib.request.build_opener(NoRedirect)
    with pytest.raises(urllib.error.HTTPError) as err:
        opener.open(server.url + values["singleuser"]["defaultUrl"].lstrip("/"), timeout=30)
    assert err.value.code in (302, 403) and "login" in err.value.headers.get("Location", "login")


def test_the_room_page_is_served_on_the_hub_and_needs_login(pod):
    server = pod["server"]
    status, body = server.get("room/")
    assert status == 200 and "<h1>Join a workshop</h1>" in body
    assert 'name="_xsrf"' in body and "rso_room.js" in body
    assert_no_traceback(body)
    for asset in ("rso_room.js", "rso.css"):  # the page's script and style sheet are served
        assert server.get(f"voila/templates/rso/static/{asset}")[0] == 200, asset
    import urllib.error
    import urllib.request

    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args, **kwargs):
            return None

    with pytest.raises(urllib.error.HTTPError) as err:  # no token: sent to log in
        urllib.request.build_opener(NoRedirect).open(server.url + "room/", timeout=30)
    assert err.value.code in (302, 403)


def test_hub_user_reaches_the_kernel_and_the_audit_log(pod):
    server, hub_user = pod["server"], pod["env"]["JUPYTERHUB_USER"]
    status, body = server.get("voila/render/deployment_check.ipynb")
    assert status == 200
    assert_no_traceback(body)
    m = re.search(r"PROBE=(\{[^}<]*\})", body)
    assert m, "the probe printed nothing"
    probe = json.loads(html.unescape(m[1]))
    assert probe["user"] == hub_user
    assert probe["cases"] == len(list((ROOT / "training_cases").glob("*.yaml"))) > 0

    with open_as(f"sqlite:///{pod['db']}", user="test-reader") as store:
        entries = [e for e in audit_log(store, limit=50) if e.entity == "deployment_check"]
        assert verify_log(store).ok
    assert [(e.user, e.action, e.entity_id) for e in entries] == [(hub_user, "view", "probe")]


def test_memory_fits_the_configured_guarantee_and_limit(pod, values):
    """Server plus the largest kernel running now (the pages above) within the guarantee, and
    server plus APPS_PER_USER such kernels within the limit."""
    server = pod["server"]
    pids = server.kernel_pids()
    assert pids, "no app kernels are running"
    kernel = max(psutil.Process(pid).memory_info().rss for pid in pids)
    main = psutil.Process(server.proc.pid).memory_info().rss
    mem = values["singleuser"]["memory"]
    assert main + kernel <= byte_size(mem["guarantee"]), (main, kernel)
    assert main + APPS_PER_USER * kernel <= byte_size(mem["limit"]), (main, kernel)
