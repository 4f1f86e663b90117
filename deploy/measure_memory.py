"""Measure what one JupyterHub user costs in memory, to size `singleuser.memory` in config.yaml.

Starts the user pod's server locally (local_singleuser.py: the same Jupyter Server, Voilà
extension and settings), opens every app in workbooks/ in headless Chromium one after another,
keeping each page open as a person with several tabs would, and records the resident memory
(RSS) of the server and of each app's kernel once the page is interactive. For comparison it
does the same for one app under `rso-workbook serve` (standalone Voilà, ServedWorkbooks).

    .venv/bin/python deploy/measure_memory.py        # prints a table and the sizing arithmetic
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from pathlib import Path

import psutil

DEPLOY = Path(__file__).resolve().parent
ROOT = DEPLOY.parent
sys.path.insert(0, str(DEPLOY))

from local_singleuser import SingleUserServer, make_root  # noqa: E402

from rso_widgets.commands.serve import ServedWorkbooks  # noqa: E402

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
MIB = 2**20


def rss_mib(pid: int) -> float:
    return psutil.Process(pid).memory_info().rss / MIB


def open_app(context, server: ServedWorkbooks, path: str, token: str | None = None) -> int:
    """Open `path` in a new page of `context`, wait until it is interactive, return its
    kernel's process id (the page stays open)."""
    before = set(server.kernel_pids())
    page = context.new_page()
    query = f"?token={token}" if token else ""
    page.goto(f"{server.url}voila/render/{path}{query}", wait_until="commit",
              timeout=180_000)
    page.locator(".jupyter-widgets").first.wait_for(state="visible", timeout=180_000)
    page.wait_for_load_state("networkidle", timeout=60_000)
    time.sleep(1.5)  # let the kernel answer the page's widget messages
    new = [pid for pid in server.kernel_pids() if pid not in before]
    if len(new) != 1:
        raise RuntimeError(f"expected one new kernel for {path}, found {new}")
    return new[0]


def measure_singleuser(browser) -> dict:
    with tempfile.TemporaryDirectory(prefix="rso-mem-") as tmp:
        root = make_root(Path(tmp) / "srv")
        env = {"RSO_DATA_DIR": str(Path(tmp) / "data"), "JUPYTERHUB_USER": "memory-check"}
        server = SingleUserServer(root, env=env, log_path=Path(tmp) / "server.log")
        with server:
            idle = rss_mib(server.proc.pid)
            context = browser.new_context(viewport={"width": 1200, "height": 900})
            kernels: dict[str, float] = {}
            try:
                for nb in sorted((root / "workbooks").glob("*.ipynb")):
                    pid = open_app(context, server, f"workbooks/{nb.name}", server.token)
                    kernels[nb.name] = rss_mib(pid)
                busy = rss_mib(server.proc.pid)
            finally:
                context.close()
    return {"server_idle": idle, "server_all_open": busy, "kernels": kernels}


def measure_serve(browser, notebook: str = "rm2000_calculator.ipynb") -> dict:
    with tempfile.TemporaryDirectory(prefix="rso-mem-serve-") as tmp:
        server = ServedWorkbooks(directory=ROOT / "workbooks", log_path=Path(tmp) / "voila.log",
                                 env={"RSO_DATA_DIR": str(Path(tmp) / "data")})
        with server:
            idle = rss_mib(server.proc.pid)
            context = browser.new_context(viewport={"width": 1200, "height": 900})
            try:
                pid = open_app(context, server, notebook)
                return {"server_idle": idle, "server_one_open": rss_mib(server.proc.pid),
                        "kernel": rss_mib(pid), "notebook": notebook}
            finally:
                context.close()


def main() -> None:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            su = measure_singleuser(browser)
            sv = measure_serve(browser)
        finally:
            browser.close()
    ks = su["kernels"]
    print("JupyterHub single-user server (jupyter-server + Voilà extension), RSS in MiB")
    print(f"  server idle                      {su['server_idle']:7.1f}")
    print(f"  server with all {len(ks)} apps open     {su['server_all_open']:7.1f}")
    for name, value in ks.items():
        print(f"  kernel {name:<26}{value:7.1f}")
    med, top = statistics.median(ks.values()), max(ks.values())
    print(f"  kernels: median {med:.1f}, max {top:.1f}")
    print("rso-workbook serve (standalone Voilà), RSS in MiB")
    print(f"  server idle {sv['server_idle']:.1f}; with one app open "
          f"{sv['server_one_open']:.1f}; kernel ({sv['notebook']}) {sv['kernel']:.1f}")
    one = su["server_all_open"] + top
    three = su["server_all_open"] + 3 * top
    print("Sizing (config.yaml singleuser.memory):")
    print(f"  one app open:    server {su['server_all_open']:.0f} + kernel {top:.0f} = {one:.0f}")
    print(f"  three apps open: server {su['server_all_open']:.0f} + 3 x {top:.0f} = {three:.0f}")


if __name__ == "__main__":
    main()
