"""Two people on one machine: deploy/local-hub/jupyterhub_config.py, started on loopback.

Alice and Bob sign in to the hub (its login form), each gets their own Voilà-only server (the
same deploy/jupyter_server_config.py), and every page they open runs as them: alice signs an
assessment, bob (a supervisor by his hub group) countersigns it, and each sees their own name.
Needs `jupyterhub` (the test extra) and `configurable-http-proxy` (`scripts/setup.sh test`
installs it in .cache); RSO_TEST_SKIP_HUB=1 skips the test explicitly.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
CONFIG = REPO / "deploy" / "local-hub" / "jupyterhub_config.py"
PROXY = REPO / ".cache/configurable-http-proxy/node_modules/.bin/configurable-http-proxy"
PASSWORD = "a-long-trial-password"

pytestmark = pytest.mark.timeout(600)

CELLS = {
    "whoami": [
        "from rso_widgets.store import open_store",
        "s = open_store()",
        "print(f'IDENTITY {s.user} | {s.display_name} | {\",\".join(sorted(s.roles))}')",
    ],
    "sign": [
        "import datetime as dt",
        "from rso_widgets.store import open_store",
        "s = open_store()",
        "p = s.create_person('Fictional Person', fictional=True)",
        "v = s.create_assessment(p.id, 'rm2000', {'facts': {}})",
        "s.sign(v.assessment_id, 1)",
        "s.supervision.create_session({'supervisor': 'bob', 'assessor': s.user,",
        "                               'held_on': dt.date.today() - dt.timedelta(days=2)})",
        "print(f'SIGNED {v.assessment_id} by {s.latest_version(v.assessment_id).signed_by}')",
    ],
    "countersign": [
        "from rso_widgets.store import AccessDenied, open_store",
        "s = open_store()",
        "a = s.supervision.assessments_of('alice')[-1]",
        "try:",
        "    v = s.countersign(a.id, 1)",
        "    print(f'COUNTERSIGNED {a.id} signed by {v.signed_by}, countersigned by "
        "{v.countersigned_by}')",
        "except AccessDenied as exc:",
        "    print(f'REFUSED {exc}')",
    ],
}


def _notebook(lines: list[str]) -> str:
    return json.dumps({
        "cells": [{"cell_type": "code", "execution_count": None, "id": "c1", "metadata": {},
                   "outputs": [], "source": "\n".join(lines)}],
        "metadata": {"kernelspec": {"name": "python3", "display_name": "Python 3",
                                    "language": "python"}},
        "nbformat": 4, "nbformat_minor": 5})


def _port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _proxy() -> str | None:
    found = shutil.which("configurable-http-proxy")
    return found or (str(PROXY) if PROXY.exists() else None)


@pytest.fixture(scope="module")
def hub(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    if os.environ.get("RSO_TEST_SKIP_HUB") == "1":
        pytest.skip("JupyterHub test skipped because RSO_TEST_SKIP_HUB=1")
    proxy = _proxy()
    if proxy is None or shutil.which("jupyterhub", path=str(Path(sys.executable).parent)) is None:
        pytest.fail("the local hub test needs jupyterhub and configurable-http-proxy: run "
                    "scripts/setup.sh test (or set RSO_TEST_SKIP_HUB=1 to skip it)",
                    pytrace=False)
    tmp = tmp_path_factory.mktemp("hub")
    root, data = tmp / "root", tmp / "data"
    (root / "workbooks").mkdir(parents=True)
    data.mkdir()
    for name, lines in CELLS.items():
        (root / "workbooks" / f"{name}.ipynb").write_text(_notebook(lines), encoding="utf-8")
    (data / "roles.toml").write_text('[names]\nalice = "Alice Example"\nbob = "Bob Example"\n',
                                     encoding="utf-8")
    port = _port()
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("RSO_", "JUPYTERHUB_", "JPY_"))}
    env.update({
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}",
        "PYTHONPATH": str(REPO), "RSO_DATA_DIR": str(data), "RSO_SERVER_ROOT": str(root),
        "RSO_USER": "must-not-leak",  # the hub alone says who someone is
        "RSO_HUB_BIND_URL": f"http://127.0.0.1:{port}", "RSO_HUB_STATE_DIR": str(tmp / "state"),
        "RSO_HUB_PORT_API": str(_port()), "RSO_HUB_PORT_PROXY_API": str(_port()),
        "RSO_HUB_AUTH": "shared-password", "RSO_HUB_PASSWORD": PASSWORD,
        "RSO_HUB_SPAWNER": "simple", "RSO_HUB_PROXY": proxy,
        "RSO_HUB_GROUPS": "supervisor=bob",
    })
    log = (tmp / "hub.log").open("w")
    proc = subprocess.Popen([sys.executable, "-m", "jupyterhub", "-f", str(CONFIG)],
                            cwd=tmp, env=env, stdout=log, stderr=subprocess.STDOUT,
                            start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    try:
        import requests

        deadline = time.monotonic() + 120
        while True:
            try:
                if requests.get(f"{url}/hub/login", timeout=5).status_code == 200:
                    break
            except requests.ConnectionError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                pytest.fail("the hub did not start:\n" + (tmp / "hub.log").read_text()[-3000:])
            time.sleep(0.5)
        yield url
    finally:
        proc.send_signal(signal.SIGTERM)  # the hub stops the servers and the proxy it started
        try:
            proc.wait(60)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(10)
        log.close()


def _sign_in(url: str, user: str):
    import requests

    s = requests.Session()
    s.get(f"{url}/hub/login", timeout=10)
    r = s.post(f"{url}/hub/login", data={"username": user, "password": PASSWORD,
                                         "_xsrf": s.cookies.get("_xsrf", "")}, timeout=30)
    assert r.status_code == 200 and "/hub/login" not in r.url, r.text[-500:]
    return s


def _page(session, url: str, user: str, notebook: str) -> str:
    """The text of a Voilà page on `user`'s own server (spawning it when needed)."""
    session.get(f"{url}/hub/spawn/{user}", timeout=60)
    deadline = time.monotonic() + 180
    while True:
        r = session.get(f"{url}/user/{user}/voila/render/workbooks/{notebook}.ipynb",
                        timeout=150)
        if r.status_code == 200 and f"/user/{user}/voila/" in r.url:  # not the pending page
            return re.sub(r"<[^>]+>", "", r.text)
        assert time.monotonic() < deadline, f"{user}'s page never came: {r.status_code} {r.url}"
        time.sleep(1)


def test_two_people_on_one_machine_countersign_through_their_own_servers(hub) -> None:
    alice, bob = _sign_in(hub, "alice"), _sign_in(hub, "bob")
    me = _page(alice, hub, "alice", "whoami")
    assert "IDENTITY alice | Alice Example | assessor" in me
    him = _page(bob, hub, "bob", "whoami")
    assert "IDENTITY bob | Bob Example | assessor,supervisor" in him
    assert "must-not-leak" not in me + him and "local:" not in me + him
    signed = _page(alice, hub, "alice", "sign")
    assert re.search(r"SIGNED \d+ by alice", signed)
    early = _page(alice, hub, "alice", "countersign")  # her own: refused
    assert "REFUSED You may not countersign" in early
    done = _page(bob, hub, "bob", "countersign")
    assert re.search(r"COUNTERSIGNED \d+ signed by alice, countersigned by bob", done)
    # one cannot reach the other's server: bob asking for alice's page is sent away
    import requests

    r = bob.get(f"{hub}/user/alice/voila/render/workbooks/whoami.ipynb", timeout=60,
                allow_redirects=True)
    assert "IDENTITY alice" not in r.text
    assert isinstance(r, requests.Response)


def test_sign_in_lands_on_the_start_page_not_the_file_list(hub) -> None:
    from rso_widgets.serving.extension import START_URL
    from rso_widgets.serving.start_page import APPS

    carol = _sign_in(hub, "carol")
    carol.get(f"{hub}/hub/spawn/carol", timeout=60)
    deadline = time.monotonic() + 180
    while True:  # the server's root sends the person to the hub's default URL
        r = carol.get(f"{hub}/user/carol/", timeout=150)
        if r.status_code == 200 and "/user/carol/" in r.url and "spawn-pending" not in r.url:
            break
        assert time.monotonic() < deadline, f"carol's server never came: {r.status_code} {r.url}"
        time.sleep(1)
    assert r.url == f"{hub}/user/carol{START_URL}"
    assert "<h1>RSO Workbook</h1>" in r.text
    for app in APPS:  # each app linked where the single-user server renders it
        assert (f'href="/user/carol/{app.page}"' if app.page else
                f'href="/user/carol/voila/render/workbooks/{app.notebook}"') in r.text
    assert carol.get(f"{hub}/user/carol/voila/render/workbooks/whoami.ipynb",
                     timeout=150).status_code == 200
