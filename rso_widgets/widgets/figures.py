"""Show a plotly figure in a widget's output area, fast.

`fig.show()` goes through `plotly.io._renderers`, which imports nbformat and so jsonschema: 4–8 s
before a fresh kernel's first chart. `show_figure` sends the same plotly mimetype directly; the
jupyterlab-plotly extension that Voilà serves renders it. Call it from a callback, inside
`with output:` (never while the notebook is executing; see design.md).
"""

from __future__ import annotations

import json
from typing import Any

# IPython is loaded with ipywidgets by every module that imports this one
from IPython import get_ipython
from IPython.display import display

PLOTLY_MIME = "application/vnd.plotly.v1+json"


def show_figure(fig: Any, alt: str = "Chart") -> None:
    """Show `fig` in the current output as plotly's own mimetype — what
    `fig.show(renderer="plotly_mimetype")` does, rendered by the jupyterlab-plotly extension
    that Voilà serves — without importing `plotly.io._renderers`: that module imports nbformat,
    whose jsonschema import compiles rfc3987 grammars, 4–8 s before a kernel's first chart."""
    # deferred: plotly only when a chart is shown (see above)
    import plotly.io as pio

    spec = json.loads(pio.to_json(fig, validate=False))
    spec["config"] = {"displaylogo": False, "responsive": True}
    display({PLOTLY_MIME: spec, "text/plain": alt}, raw=True)


def in_kernel() -> bool:
    """True inside a running IPython kernel (a notebook or Voilà page), False in plain tests."""
    ip = get_ipython()
    return ip is not None and getattr(ip, "kernel", None) is not None


def draw_figure(output: Any, fig: Any, alt: str) -> bool:
    """Replace what `output` (an ipywidgets `Output`) shows with `fig`; outside a kernel only
    clear it (the figure object stays with the caller for tests). True if the figure was sent."""
    output.clear_output(wait=True)
    if not in_kernel():
        return False
    with output:
        show_figure(fig, alt)
    return True
