"""`rso-workbook serve`: run Voilà on the workbooks folder with the shipped production settings.

Voilà runs as `python -m rso_widgets.serving.app`: Voilà plus the start page at the root (no
file list), the `rso` page template and the page-lifecycle routes (see `serving/app.py`).

The settings live in one file, `rso_widgets/serving/voila.json`, and Voilà is pointed at that
folder only (`--Voila.config_file_paths`), so a `voila.json` lying in the working directory or in
~/.jupyter cannot weaken them:
- never `--debug`; tracebacks hidden from the page; notebook sources stripped;
- `?template=` / `?theme=` in the URL ignored (`allow_template_override`/`allow_theme_override`);
- a timeout for executing each cell and for starting a kernel;
- a page's kernel lives as long as its page (`serving/lifecycle.py`): freed when the page is
  closed, never culled while the page is shown (its heartbeat counts as activity). Idle culling
  with `cull_connected` frees the kernel of a page hidden for longer than the idle timeout; the
  page then says it stopped and offers to reload;
- preheated kernels for the entry notebooks only (the calculator and the workshop trainee page,
  which read nothing from the store while they start), one kernel each by voila.json; the
  trainee page's pool grows to the open workshops' expected sizes before people arrive, one
  kernel at a time, within RSO_PRELOAD_MEMORY_MIB, and shrinks when they close
  (`serving/pool.py`). `VoilaExecutor.iopub_timeout` is 60 s: nbclient's 4 s default dropped
  the form's output when several kernels executed at once (the old pool-of-two failure);
- kernels talk to the server over TCP, Jupyter's default. Unix sockets
  (`KernelManager.transport = "ipc"`, which removes the race for a kernel's ports) were tried
  and taken out: under load more pages came without their widgets ("Timeout waiting for IOPub
  output"; 3 of 88 store-opening pages against 0 of 68 over TCP, stop 21).

The command line adds only what varies per run: the folder, address and port, and any of
RSO_KERNEL_CULL_IDLE_SECONDS, RSO_EXECUTE_TIMEOUT_SECONDS, RSO_PREHEAT_KERNELS that is set. It
binds to 127.0.0.1 unless told otherwise (put a TLS, authenticating proxy in front).
"""

from __future__ import annotations

import argparse
import contextlib
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

from ..serving import CONFIG_DIR, preheated_notebooks, setting
from ..settings import get_settings

LOOPBACK = {"127.0.0.1", "localhost", "::1"}


def cull_interval(idle_seconds: int) -> int:
    """How often to look for idle kernels: often enough that one is freed close to its time."""
    return max(1, min(60, idle_seconds // 4))


def build_command(root: Path, host: str, port: int, *, cull_idle_seconds: int | None = None,
                  execute_timeout_seconds: int | None = None, preheat: bool | None = None,
                  python: str | None = None, interval: int | None = None,
                  config_dir: Path = CONFIG_DIR) -> list[str]:
    """The Voilà command line (kept separate so tests and benchmarks run exactly this).

    Settings come from `config_dir/voila.json`; a keyword given here overrides that file."""
    cmd = [
        python or sys.executable, "-m", "rso_widgets.serving.app", str(root),
        "--no-browser",
        f"--Voila.ip={host}",
        f"--Voila.port={port}",
        f"--Voila.config_file_paths={config_dir}",
    ]
    if cull_idle_seconds is not None:
        cmd += [f"--MappingKernelManager.cull_idle_timeout={cull_idle_seconds}",
                "--MappingKernelManager.cull_interval="
                f"{interval or cull_interval(cull_idle_seconds)}"]
    elif interval is not None:
        cmd.append(f"--MappingKernelManager.cull_interval={interval}")
    if execute_timeout_seconds is not None:
        cmd.append(f"--VoilaExecutor.timeout={execute_timeout_seconds}")
    if preheat is not None:
        cmd.append(f"--VoilaConfiguration.preheat_kernel={preheat}")
    return cmd


def run(args: argparse.Namespace) -> int:
    settings = get_settings()
    host = args.host or settings.host
    port = args.port if args.port is not None else settings.port
    root = Path(args.dir).expanduser() if args.dir else settings.workbooks_dir
    if not 1 <= port <= 65535:
        print(f"rso-workbook serve: --port must be between 1 and 65535 (got {port})",
              file=sys.stderr)
        return 2
    if not root.is_dir():
        print(f"rso-workbook serve: workbooks folder not found: {root} "
              "(give one with --dir, or set RSO_WORKBOOKS_DIR)", file=sys.stderr)
        return 2
    if host not in LOOPBACK:
        print(f"rso-workbook serve: warning: binding to {host}, not loopback. Voilà has no user "
              "accounts: serve only behind an authenticating TLS proxy or JupyterHub.",
              file=sys.stderr)
    given = settings.model_fields_set  # only what the environment set overrides voila.json
    cull = settings.kernel_cull_idle_seconds if "kernel_cull_idle_seconds" in given else None
    timeout = settings.execute_timeout_seconds if "execute_timeout_seconds" in given else None
    cmd = build_command(root.resolve(), host, port, cull_idle_seconds=cull,
                        execute_timeout_seconds=timeout, preheat=settings.preheat_kernels)
    idle = cull or setting("MappingKernelManager", "cull_idle_timeout")
    shown = f"[{host}]" if ":" in host else host
    print(f"RSO Workbook: serving {root.resolve()} at http://{shown}:{port}/ "
          f"(settings {CONFIG_DIR / 'voila.json'}; idle kernels freed after {idle} s; "
          "Ctrl+C to stop)", flush=True)
    sys.stderr.flush()
    if os.name == "posix":
        os.execv(cmd[0], cmd)  # replaces this process: signals reach Voilà directly
    return subprocess.call(cmd)  # pragma: no cover


class ServedWorkbooks:
    """`rso-workbook serve` as a child process, for the browser tests and the page benchmark.

    Starts the real command (so what is tested is what is deployed), waits until Voilà answers,
    finds the kernels it started, and stops the server and every kernel it started.
    """

    def __init__(self, directory: Path | None = None, port: int | None = None,
                 host: str = "127.0.0.1", log_path: Path | None = None,
                 env: dict[str, str] | None = None, preheat: bool | None = None):
        self.directory = directory
        self.port = port or free_port(host)
        self.host = host
        self.url = f"http://{host}:{self.port}/"
        self.log_path = log_path
        self.env = dict(env or {})
        if preheat is not None:  # None: as voila.json says
            self.env["RSO_PREHEAT_KERNELS"] = "true" if preheat else "false"
        self.proc = None  # subprocess.Popen
        self._log = None

    def command(self) -> list[str]:
        script = Path(sys.executable).with_name("rso-workbook")
        base = [str(script)] if script.exists() else [sys.executable, "-m", "rso_widgets.cli"]
        cmd = [*base, "serve", "--host", self.host, "--port", str(self.port)]
        return cmd + (["--dir", str(self.directory)] if self.directory else [])

    def start(self, timeout: float = 90) -> ServedWorkbooks:
        if self.log_path is None:
            self.log_path = Path(tempfile.mkstemp(prefix="rso-voila-", suffix=".log")[1])
        self._log = open(self.log_path, "w", encoding="utf-8")  # noqa: SIM115 - closed in stop()
        env = {**os.environ, **(self.env or {})}
        self.proc = subprocess.Popen(self.command(), stdout=self._log, stderr=subprocess.STDOUT,
                                     stdin=subprocess.DEVNULL, env=env)
        self.wait_ready(timeout)
        return self

    def wait_ready(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc is not None and self.proc.poll() is not None:
                raise RuntimeError(f"rso-workbook serve exited with {self.proc.returncode}:\n"
                                   f"{self.log_tail()}")
            try:
                with urllib.request.urlopen(self.url, timeout=5) as r:
                    if r.status == 200:
                        return
            except (urllib.error.URLError, OSError):
                pass
            time.sleep(0.25)
        raise RuntimeError(f"Voilà did not answer on {self.url} within {timeout:.0f} s:\n"
                           f"{self.log_tail()}")

    def wait_for_log(self, text: str, count: int = 1, timeout: float = 120) -> None:
        """Wait until `text` has appeared `count` times in the server log (e.g. the
        "Kernel pool of … is filled" lines Voilà writes once preheated kernels are ready)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc is not None and self.proc.poll() is not None:
                raise RuntimeError(f"rso-workbook serve exited:\n{self.log_tail()}")
            if self.log_path is not None and Path(self.log_path).exists():
                log = Path(self.log_path).read_text(encoding="utf-8", errors="replace")
                if log.count(text) >= count:
                    return
            time.sleep(0.25)
        raise RuntimeError(f"{text!r} not logged {count}× within {timeout:.0f} s:\n"
                           f"{self.log_tail()}")

    def wait_for_pools(self, timeout: float = 180) -> None:
        """Wait until every preheated-kernel pool of voila.json is full."""
        flag = {**os.environ, **self.env}.get("RSO_PREHEAT_KERNELS", "").strip().lower()
        if flag in {"0", "false", "no", "off"} or (
                not flag and not setting("VoilaConfiguration", "preheat_kernel")):
            return
        root = self.directory or get_settings().workbooks_dir
        names = [nb for nb in preheated_notebooks() if (Path(root) / nb).exists()]
        if names:
            self.wait_for_log("Kernel pool of", count=len(names), timeout=timeout)

    def log_tail(self, lines: int = 40) -> str:
        if self.log_path is None or not Path(self.log_path).exists():
            return ""
        text = Path(self.log_path).read_text(encoding="utf-8", errors="replace")
        return "\n".join(text.splitlines()[-lines:])

    def kernel_pids(self) -> list[int]:
        """The process ids of the kernels this server has running now."""
        import psutil  # 13 ms: only the test and benchmark harness needs it

        if self.proc is None:
            return []
        try:
            children = psutil.Process(self.proc.pid).children(recursive=True)
        except psutil.NoSuchProcess:
            return []
        out = []
        for child in children:
            try:
                if any("ipykernel" in part for part in child.cmdline()):
                    out.append(child.pid)
            except (psutil.NoSuchProcess, psutil.AccessDenied):
                continue
        return out

    def stop(self, timeout: float = 20) -> None:
        import psutil  # 13 ms: only the test and benchmark harness's stop() needs it

        if self.proc is None:
            return
        try:
            children = psutil.Process(self.proc.pid).children(recursive=True)
        except psutil.NoSuchProcess:
            children = []
        if self.proc.poll() is None:
            self.proc.terminate()  # Voilà shuts its kernels down on SIGTERM
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout)
        _gone, alive = psutil.wait_procs(children, timeout=5)
        for child in alive:  # only processes this server started
            with contextlib.suppress(psutil.NoSuchProcess):
                child.kill()
        if self._log is not None:
            self._log.close()
        self.proc = None

    def __enter__(self) -> ServedWorkbooks:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def free_port(host: str = "127.0.0.1") -> int:
    """A port nobody is listening on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((host, 0))
        return int(s.getsockname()[1])
