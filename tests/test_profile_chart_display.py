"""The ARMS profile chart is sent as plotly's mimetype, without `fig.show()`'s slow imports."""

from __future__ import annotations

import subprocess
import sys
import textwrap

from rso_widgets.instruments.arms import StaticContext
from rso_widgets.widgets import figures, profile_chart
from rso_widgets.widgets.figures import PLOTLY_MIME

ROWS = [{"factor": "R1", "name": "<i>Sexual interests</i>", "kind": "risk", "rating": "evident",
         "label": "Evident", "level": 2},
        {"factor": "P1", "name": "Work", "kind": "protective", "rating": None,
         "label": "Not rated", "level": None}]
SCALES = {"risk": ["Not evident", "Partly evident", "Evident"],
          "protective": ["Not present", "Partly present", "Present"]}


def test_in_a_kernel_the_chart_is_sent_as_plotlys_mimetype(monkeypatch):
    shown = []
    monkeypatch.setattr(figures, "in_kernel", lambda: True)
    monkeypatch.setattr(figures, "display",
                        lambda obj, raw=False: shown.append((obj, raw)))
    chart = profile_chart.ProfileChart(SCALES)
    chart.update(ROWS, StaticContext(applicable=True, s="High", v="Low", c="Medium"))
    chart.show_chart()
    assert len(shown) == 1
    bundle, raw = shown[0]
    assert raw is True and set(bundle) == {PLOTLY_MIME, "text/plain"}
    spec = bundle[PLOTLY_MIME]
    assert "not a score" in spec["layout"]["title"]["text"]
    assert spec["data"][0]["y"] == ["R1 &lt;i&gt;Sexual interests&lt;/i&gt;"]  # escaped
    assert spec["data"][2]["x"] == ["High", "Low", "Medium"]
    assert spec["config"] == {"displaylogo": False, "responsive": True}
    assert "ARMS profile" in bundle["text/plain"]


def test_drawing_does_not_import_nbformat_or_plotlys_renderers():
    """`fig.show()` imports plotly.io._renderers → nbformat → jsonschema: 4–8 s on a fresh
    kernel. Drawing the profile must not."""
    code = textwrap.dedent(f"""
        import sys
        from rso_widgets.widgets import profile_chart
        from rso_widgets.instruments.arms import StaticContext
        from rso_widgets.widgets import figures
        figures.display = lambda obj, raw=False: None
        figures.in_kernel = lambda: True
        chart = profile_chart.ProfileChart({SCALES!r})
        chart.update({ROWS!r}, StaticContext(applicable=True, s="High", v="Low", c="Medium"))
        chart.show_chart()
        assert chart.draws == 1
        bad = [m for m in ("nbformat", "jsonschema", "plotly.io._renderers") if m in sys.modules]
        print(bad)
    """)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip().splitlines()[-1].strip() == "[]", out.stdout


def test_version_history_chart_is_sent_as_plotlys_mimetype(monkeypatch):
    """The ARMS ratings-over-time chart (live assessment) uses the same fast path."""
    from rso_widgets.widgets import version_history

    shown = []
    monkeypatch.setattr(figures, "in_kernel", lambda: True)
    monkeypatch.setattr(figures, "display",
                        lambda obj, raw=False: shown.append((obj, raw)))
    view = version_history.VersionHistory()  # no versions: the chart draws empty panels
    view.draw()
    assert view.draws == 1 and len(shown) == 1
    bundle, raw = shown[0]
    assert raw is True and set(bundle) == {PLOTLY_MIME, "text/plain"}
    assert "ratings over the versions" in bundle["text/plain"]
