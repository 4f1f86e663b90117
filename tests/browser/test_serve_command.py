"""`rso-workbook serve`: production-safe Voilà options, clear refusals, and idle kernels freed."""

from __future__ import annotations

import argparse
import subprocess
import sys
import urllib.request
from pathlib import Path

import psutil

from rso_widgets.commands import serve
from rso_widgets.serving import CONFIG_DIR, preheated_notebooks, setting, voila_config
from rso_widgets.settings import Settings, get_settings

ROOT = Path(__file__).resolve().parents[2]


def test_command_line_points_voila_at_the_shipped_settings_only():
    cmd = serve.build_command(Path("/srv/wb"), "127.0.0.1", 8866)
    assert "--debug" not in cmd
    assert cmd[3:] == ["/srv/wb", "--no-browser", "--Voila.ip=127.0.0.1", "--Voila.port=8866",
                       f"--Voila.config_file_paths={CONFIG_DIR}"]
    assert (CONFIG_DIR / "voila.json").is_file()


def test_overrides_from_the_environment_reach_the_command_line():
    cmd = serve.build_command(Path("/srv/wb"), "127.0.0.1", 8866, cull_idle_seconds=120,
                              execute_timeout_seconds=30, preheat=False)
    for option in ("--MappingKernelManager.cull_idle_timeout=120",
                   "--MappingKernelManager.cull_interval=30", "--VoilaExecutor.timeout=30",
                   "--VoilaConfiguration.preheat_kernel=False"):
        assert option in cmd


class _Exec(Exception):
    """Stands in for os.execv (which never returns) so the command can be inspected."""


def _exec_command(args) -> list[str]:
    try:
        serve.run(args)
    except _Exec as exc:
        return exc.args[1]
    raise AssertionError("serve.run did not exec Voilà")


def test_run_passes_only_what_the_environment_set(monkeypatch, tmp_path):
    def fake_execv(exe, cmd):
        raise _Exec(exe, cmd)

    monkeypatch.setattr(serve.os, "execv", fake_execv)
    get_settings.cache_clear()
    try:
        cmd = _exec_command(_args(dir=str(tmp_path)))
        assert f"--Voila.config_file_paths={CONFIG_DIR}" in cmd
        assert not [o for o in cmd if "KernelManager" in o or "Executor" in o or "preheat" in o]
        monkeypatch.setenv("RSO_KERNEL_CULL_IDLE_SECONDS", "300")
        monkeypatch.setenv("RSO_PREHEAT_KERNELS", "false")
        get_settings.cache_clear()
        cmd = _exec_command(_args(dir=str(tmp_path)))
        assert "--MappingKernelManager.cull_idle_timeout=300" in cmd
        assert "--VoilaConfiguration.preheat_kernel=False" in cmd
        assert not [o for o in cmd if "Executor" in o]
    finally:
        get_settings.cache_clear()


def test_shipped_voila_json_is_production_safe():
    cfg = voila_config()
    vc, ex, mkm = cfg["VoilaConfiguration"], cfg["VoilaExecutor"], cfg["MappingKernelManager"]
    assert vc["show_tracebacks"] is False and ex["show_tracebacks"] is False
    assert vc["strip_sources"] is True
    assert vc["allow_template_override"] == "NO" and vc["allow_theme_override"] == "NO"
    assert cfg["Voila"].get("log_level", "INFO") not in ("DEBUG", 10)
    assert "%(asctime)s" in cfg["Voila"]["log_format"]  # when, for whoever reads the log
    assert "KernelManager" not in cfg  # TCP kernels: Unix sockets lost pages' widgets (serve.py)
    assert ex["timeout"] > 0 and ex["startup_timeout"] > 0 and ex["interrupt_on_timeout"] is True
    assert mkm["cull_idle_timeout"] > 0 and mkm["cull_connected"] is True
    assert mkm["cull_busy"] is False
    assert mkm["cull_interval"] == serve.cull_interval(mkm["cull_idle_timeout"])
    # preheat the entry notebooks only: every other notebook gets no pool (Voilà's default is 1)
    assert vc["preheat_kernel"] is True and vc["default_pool_size"] == 0
    pools = cfg["VoilaKernelManager"]["kernel_pools_config"]
    assert pools["default"]["pool_size"] == 0
    assert set(preheated_notebooks()) == {"rm2000_calculator.ipynb", "workshop.ipynb"}
    for notebook in preheated_notebooks():
        assert (ROOT / "workbooks" / notebook).is_file(), notebook


def test_settings_defaults_agree_with_voila_json():
    """`rso-workbook serve` with nothing set runs voila.json; Settings must say the same."""
    defaults = Settings.model_fields
    assert defaults["kernel_cull_idle_seconds"].default == setting(
        "MappingKernelManager", "cull_idle_timeout")
    assert defaults["execute_timeout_seconds"].default == setting("VoilaExecutor", "timeout")


def _help_all() -> str:
    return subprocess.run([sys.executable, "-m", "rso_widgets.serving.app", "--help-all"],
                          capture_output=True, text=True, timeout=60).stdout


def test_every_option_is_one_voila_knows():
    """A misspelt option would be ignored with only a warning: check against --help-all."""
    help_all = _help_all()
    cmd = serve.build_command(Path("."), "127.0.0.1", 1, cull_idle_seconds=60,
                              execute_timeout_seconds=10, preheat=True)
    for option in cmd[4:]:
        name = option.split("=")[0]
        if name.startswith("--MappingKernelManager."):
            continue  # configures the kernel manager Voilà creates; checked below
        assert f"{name}=" in help_all or f"{name}\n" in help_all, name


def test_every_setting_in_voila_json_is_one_voila_knows():
    """Same check for the file, with each value valid for its trait."""
    from jupyter_server.services.kernels.kernelmanager import AsyncMappingKernelManager
    from traitlets import Enum
    from traitlets.utils.importstring import import_item
    from voila.app import Voila
    from voila.configuration import VoilaConfiguration
    from voila.execute import VoilaExecutor
    from voila.voila_kernel_manager import voila_kernel_manager_factory

    help_all = _help_all()
    pooled = voila_kernel_manager_factory(AsyncMappingKernelManager, True, 0)
    assert pooled.__name__ == "VoilaKernelManager"  # the section name voila.json uses
    classes = {"Voila": Voila, "VoilaConfiguration": VoilaConfiguration,
               "VoilaExecutor": VoilaExecutor, "VoilaKernelManager": pooled,
               "MappingKernelManager": AsyncMappingKernelManager}
    for section, values in voila_config().items():
        traits = classes[section].class_traits(config=True)
        for name, value in values.items():
            assert name in traits, f"{section}.{name}"
            if section in ("Voila", "VoilaConfiguration", "VoilaExecutor"):
                assert f"--{section}.{name}=" in help_all, f"{section}.{name}"
            if isinstance(traits[name], Enum):
                assert value in traits[name].values, f"{section}.{name}={value}"
    manager = import_item(voila_config()["VoilaConfiguration"]["multi_kernel_manager_class"])
    assert issubclass(manager, AsyncMappingKernelManager)


def _args(**kw):
    return argparse.Namespace(**{"host": None, "port": None, "dir": None, **kw})


def test_refuses_a_missing_folder(tmp_path, capsys):
    assert serve.run(_args(dir=str(tmp_path / "nope"))) == 2
    assert "workbooks folder not found" in capsys.readouterr().err


def test_refuses_a_bad_port(capsys):
    assert serve.run(_args(port=70000)) == 2
    assert "--port must be between 1 and 65535" in capsys.readouterr().err


def test_idle_kernels_are_culled(tmp_path):
    """A page that never runs its script (no pagehide beacon, no websocket) is freed by
    culling (lifecycle.py frees the others)."""
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
