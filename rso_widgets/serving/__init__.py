"""How the workbook is served: the shipped Voilà configuration (`voila.json`, the single source
of the production settings), the kernel manager it names (`kernels.py`, with the page lifecycle
of `lifecycle.py`), the Voilà application with the start page (`app.py`, `start_page.py`), the
`rso` page template (`jupyter/nbconvert/templates/rso/`) and the JupyterHub server extension
(`extension.py`).

`rso-workbook serve` points Voilà at this folder only (`--Voila.config_file_paths`), so a stray
`voila.json` in the working directory or in ~/.jupyter cannot weaken the production settings.
Deployments that start Voilà themselves pass the same option: `CONFIG_DIR` is this folder.
"""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path
from typing import Any

CONFIG_DIR = Path(__file__).resolve().parent
VOILA_JSON = CONFIG_DIR / "voila.json"


@lru_cache(maxsize=1)
def voila_config() -> dict[str, Any]:
    """The shipped Voilà configuration, as Voilà reads it (class name → trait → value)."""
    return json.loads(VOILA_JSON.read_text(encoding="utf-8"))


def setting(section: str, name: str) -> Any:
    """One value from voila.json, e.g. `setting("MappingKernelManager", "cull_idle_timeout")`."""
    return voila_config()[section][name]


def preheated_notebooks() -> dict[str, int]:
    """Entry notebooks kept preheated, with their pool sizes (the default pool is 0)."""
    pools = setting("VoilaKernelManager", "kernel_pools_config")
    return {name: int(cfg["pool_size"]) for name, cfg in pools.items()
            if name != "default" and int(cfg.get("pool_size", 0)) > 0}
