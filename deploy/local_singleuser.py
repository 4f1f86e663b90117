"""Run a JupyterHub user pod's server locally, for tests/test_deploy.py and measure_memory.py.

In the pod, Zero to JupyterHub runs `singleuser.cmd` from config.yaml (`jupyterhub-singleuser`),
which is `jupyter-server` plus JupyterHub's login extension, reading
/usr/local/etc/jupyter/jupyter_server_config.py. Without a hub, the same server runs as
`jupyter-server` with this folder on JUPYTER_CONFIG_PATH (so it reads the same file) and a token
instead of the hub login. Everything else — the Voilà extension, the served folder, the safety
settings, the environment the pod sets — is what the pod runs.
"""

from __future__ import annotations

import os
import secrets
import shlex
import shutil
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

from rso_widgets.commands.serve import ServedWorkbooks

DEPLOY = Path(__file__).resolve().parent
DOCKERFILE = DEPLOY / "Dockerfile"
IMAGE_ROOT = "/srv/rso-workbook"
HUB_COMMAND = "jupyterhub-singleuser"
LOCAL_COMMAND = "jupyter-server"


def dockerfile_instructions(path: Path = DOCKERFILE) -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) for each instruction, continuation lines joined."""
    out: list[tuple[str, str]] = []
    pending = ""
    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not pending and (not line or line.startswith("#")):
            continue
        if line.endswith("\\"):
            pending += line[:-1] + " "
            continue
        line = pending + line
        pending = ""
        word, _, rest = line.partition(" ")
        out.append((word.upper(), rest.strip()))
    return out


def image_env(path: Path = DOCKERFILE) -> dict[str, str]:
    """The variables the Dockerfile sets with ENV KEY=VALUE."""
    env: dict[str, str] = {}
    for word, rest in dockerfile_instructions(path):
        if word == "ENV":
            for item in shlex.split(rest):
                key, sep, value = item.partition("=")
                if not sep:
                    raise ValueError(f"{path}: write ENV as KEY=VALUE, not {item!r}")
                env[key] = value
    return env


def make_root(root: Path, repo: Path | None = None) -> Path:
    """Lay out the served folder as the Dockerfile does: workbooks/ and training_cases/."""
    repo = repo or DEPLOY.parent
    for name in ("workbooks", "training_cases"):
        shutil.copytree(repo / name, root / name,
                        ignore=shutil.ignore_patterns(".ipynb_checkpoints"))
    return root


class SingleUserServer(ServedWorkbooks):
    """The pod's single-user server on 127.0.0.1, serving `root` (as /srv/rso-workbook)."""

    def __init__(self, root: Path, *, cmd: list[str] | None = None,
                 env: dict[str, str] | None = None, log_path: Path | None = None):
        super().__init__(directory=root, log_path=log_path, env=env)
        self.token = secrets.token_hex(16)
        self.hub_cmd = list(cmd or [HUB_COMMAND])
        self._runtime = tempfile.mkdtemp(prefix="rso-jupyter-runtime-")
        # the image's ENV, with its /srv/rso-workbook moved to `root`
        pod_env = {k: v.replace(IMAGE_ROOT, str(root)) for k, v in image_env().items()}
        self.env = {"JUPYTER_CONFIG_PATH": str(DEPLOY), "JUPYTER_RUNTIME_DIR": self._runtime,
                    **pod_env, **(env or {})}

    def command(self) -> list[str]:
        if not self.hub_cmd or Path(self.hub_cmd[0]).name != HUB_COMMAND:
            raise ValueError(f"singleuser.cmd should start with {HUB_COMMAND}, "
                             f"not {self.hub_cmd!r}")
        script = Path(sys.executable).with_name(LOCAL_COMMAND)
        cmd = [str(script), *self.hub_cmd[1:], "--no-browser",
               "--ServerApp.ip=127.0.0.1", f"--ServerApp.port={self.port}",
               "--ServerApp.port_retries=0", f"--IdentityProvider.token={self.token}"]
        if hasattr(os, "geteuid") and os.geteuid() == 0:
            cmd.append("--allow-root")  # the image runs as jovyan; a CI container may be root
        return cmd

    def headers(self) -> dict[str, str]:
        return {"Authorization": f"token {self.token}"}

    def get(self, path: str, timeout: float = 120) -> tuple[int, str]:
        """GET `path` (relative to the server) with the token: (status, body)."""
        req = urllib.request.Request(self.url + path.lstrip("/"), headers=self.headers())
        try:
            with urllib.request.urlopen(req, timeout=timeout) as r:
                return r.status, r.read().decode("utf-8", errors="replace")
        except urllib.error.HTTPError as err:
            return err.code, err.read().decode("utf-8", errors="replace")

    def wait_ready(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc is not None and self.proc.poll() is not None:
                raise RuntimeError(f"{LOCAL_COMMAND} exited with {self.proc.returncode}:\n"
                                   f"{self.log_tail()}")
            try:
                if self.get("api/status", timeout=5)[0] == 200:
                    return
            except OSError:
                pass
            time.sleep(0.25)
        raise RuntimeError(f"{LOCAL_COMMAND} did not answer on {self.url} within "
                           f"{timeout:.0f} s:\n{self.log_tail()}")

    def stop(self, timeout: float = 20) -> None:
        super().stop(timeout)
        shutil.rmtree(self._runtime, ignore_errors=True)
