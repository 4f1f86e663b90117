"""`rso-workbook serve`: production-safe Voilà options, clear refusals, and idle kernels freed."""

from __future__ import annotations

import argparse
import subprocess
import urllib.request
from pathlib import Path

import psutil

from rso_widgets.commands import serve

ROOT = Path(__file__).resolve().parents[2]


def test_command_line_is_production_safe():
    cmd = serve.build_command(Path("/srv/wb"), "127.0.0.1", 8866, cull_idle_seconds=600,
                              execute_timeout_seconds=120)
    assert "--debug" not in cmd
    for option in ("--no-browser", "--Voila.ip=127.0.0.1", "--Voila.port=8866",
                   "--VoilaConfiguration.show_tracebacks=False",
                   "--VoilaConfiguration.strip_sources=True", "--VoilaExecutor.timeout=120",
                   "--MappingKernelManager.cull_idle_timeout=600",
                   "--MappingKernelManager.cull_interval=60",
                   "--MappingKernelManager.cull_connected=True"):
        assert option in cmd


def test_every_option_is_one_voila_knows():
    """A misspelt option would be ignored with only a warning: check against --help-all."""
    help_all = subprocess.run([*serve.build_command(Path("."), "127.0.0.1", 1,
                                                    cull_idle_seconds=60,
                                                    execute_timeout_seconds=10)[:3],
                               "--help-all"], capture_output=True, text=True, timeout=60).stdout
    cmd = serve.build_command(Path("."), "127.0.0.1", 1, cull_idle_seconds=60,
                              execute_timeout_seconds=10)
    for option in cmd[4:]:
        name = option.split("=")[0]
        if name.startswith("--MappingKernelManager."):
            continue  # configures the kernel manager Voilà creates; checked live below
        assert f"{name}=" in help_all or f"{name}\n" in help_all, name


def _args(**kw):
    return argparse.Namespace(**{"host": None, "port": None, "dir": None, **kw})


def test_refuses_a_missing_folder(tmp_path, capsys):
    assert serve.run(_args(dir=str(tmp_path / "nope"))) == 2
    assert "workbooks folder not found" in capsys.readouterr().err


def test_refuses_a_bad_port(capsys):
    assert serve.run(_args(port=70000)) == 2
    assert "--port must be between 1 and 65535" in capsys.readouterr().err


def test_idle_kernels_are_culled(tmp_path):
    """Closing a page does not free its kernel: culling must (design.md)."""
    port = serve.free_port()
    cmd = serve.build_command(ROOT / "benchmarks", "127.0.0.1", port, cull_idle_seconds=2,
                              execute_timeout_seconds=60, interval=1)
    with open(tmp_path / "voila.log", "w") as log:
        proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT)
    server = serve.ServedWorkbooks(port=port)
    server.proc = proc
    server.log_path = tmp_path / "voila.log"
    try:
        server.wait_ready(60)
        url = f"http://127.0.0.1:{port}/voila/render/bare_widget.ipynb"
        with urllib.request.urlopen(url, timeout=60) as r:
            assert r.status == 200
        kernels = server.kernel_pids()
        assert len(kernels) == 1, server.log_tail()
        gone, _alive = psutil.wait_procs([psutil.Process(k) for k in kernels], timeout=30)
        assert gone, f"kernel still running after 30 s:\n{server.log_tail()}"
        assert "Culling kernels" in (tmp_path / "voila.log").read_text()
    finally:
        server.stop()


def test_tracebacks_and_sources_are_not_served(voila):
    """show_tracebacks=False and strip_sources=True reach the rendered page."""
    with urllib.request.urlopen(f"{voila.url}voila/render/rm2000_calculator.ipynb",
                                timeout=60) as r:
        page = r.read().decode()
    assert "rm2000_calculator()" not in page  # sources stripped
    assert "Traceback" not in page
    assert "application/vnd.jupyter.widget-view+json" in page
