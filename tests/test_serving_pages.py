"""The start page's list of apps and the page-lifecycle rules of the kernel manager (no server,
no browser; tests/browser/test_page_lifecycle.py and test_start_page.py run them for real)."""

from __future__ import annotations

import asyncio
import datetime as dt
import uuid
from pathlib import Path
from types import SimpleNamespace

import pytest

from rso_widgets.serving import kernels, lifecycle, setting, start_page
from rso_widgets.serving.app import use_shipped_templates
from rso_widgets.serving.kernels import WorkbookKernelManager

ROOT = Path(__file__).resolve().parents[1]


# --- the start page ---------------------------------------------------------------------------

def test_every_workbook_is_on_the_start_page_and_every_listed_app_exists():
    on_disk = {p.name for p in (ROOT / "workbooks").glob("*.ipynb")}
    listed = [app.notebook for app in start_page.APPS if not app.page]
    assert len(listed) == len(set(listed)), "an app is listed twice"
    assert set(listed) == on_disk
    assert [app.page for app in start_page.APPS if app.page] == ["room/"]  # the room page


def test_every_app_has_a_known_audience_a_title_and_one_line_of_purpose():
    for app in start_page.APPS:
        assert app.audience in start_page.AUDIENCES
        assert app.title and app.purpose.endswith(".") and "\n" not in app.purpose
        assert len(app.purpose) < 120, f"{app.title}: the purpose is more than one line"


def test_the_start_page_groups_the_apps_and_links_each_one():
    html = start_page.render_start_page("/base/", "voila/render")
    assert "<title>RSO Workbook</title>" in html and "<h1>RSO Workbook</h1>" in html
    positions = [html.index(f"<h2>{a}</h2>") for a in start_page.AUDIENCES]
    assert positions == sorted(positions)
    for app in start_page.APPS:
        href = f"/base/{app.page}" if app.page else f"/base/voila/render/{app.notebook}"
        assert f'<a href="{href}">{app.title}</a>' in html
    # the room page is the workshop's entry; the notebook page stays, said plainly
    assert html.index('href="/base/room/">Join a workshop</a>') < html.index(
        ">Join a workshop (notebook page)</a>")
    assert "Use it only if your trainer asks you to." in html
    assert "informs your professional judgement" in html and "fictional" in html
    assert '<main id="main-content"' in html and 'href="#main-content"' in html
    assert "http://" not in html and "https://" not in html  # nothing from another host


def test_the_start_page_escapes_what_it_shows(monkeypatch):
    hostile = start_page.App("<script>x</script>", "A & B.", start_page.PRACTISE, "a\".ipynb")
    monkeypatch.setattr(start_page, "APPS", (hostile,))
    html = start_page.render_start_page("/", "voila/render")
    assert "<script>x" not in html and "&lt;script&gt;x" in html and "A &amp; B." in html
    assert 'a".ipynb' not in html


def test_which_apps_keep_drafts():
    assert start_page.saves_drafts("workshop.ipynb")
    assert start_page.saves_drafts("workbooks/arms_assessment.ipynb")
    assert not start_page.saves_drafts("rm2000_calculator.ipynb")
    assert not start_page.saves_drafts("")


def test_the_shipped_template_is_selected_and_found(monkeypatch):
    assert setting("VoilaConfiguration", "template") == "rso"
    monkeypatch.setenv("JUPYTER_PATH", "")  # restored after the test
    use_shipped_templates()
    use_shipped_templates()  # once only
    import os

    from voila.paths import collect_template_paths
    from voila.utils import get_data_dir

    assert os.environ["JUPYTER_PATH"] == str(start_page.TEMPLATE_ROOT)

    paths = collect_template_paths(["voila", "nbconvert"], "rso", prune=True)
    assert str(start_page.TEMPLATE_DIR) == paths[0]
    assert not get_data_dir().startswith(str(start_page.TEMPLATE_ROOT))  # Voilà's themes kept
    index = (start_page.TEMPLATE_DIR / "index.html.j2").read_text(encoding="utf-8")
    assert "cdn." not in index and "https://" not in index
    for piece in ('<main id="rendered_cells"', 'href="#rendered_cells"', "rso.js", "rso.css"):
        assert piece in index


# --- the kernel manager's page lifecycle --------------------------------------------------------

def _manager(monkeypatch, *ids: str):
    km = WorkbookKernelManager(cull_idle_timeout=20, cull_connected=True)
    old = dt.datetime.now(dt.UTC) - dt.timedelta(hours=1)
    for kid in ids:
        km._kernels[kid] = SimpleNamespace(execution_state="idle", last_activity=old,
                                           kernel_name="python3",
                                           kernel_spec=SimpleNamespace(metadata={}))
        km._kernel_connections[kid] = 0
    shut: list[str] = []

    async def fake_shutdown(_self, kernel_id, *a, **k):
        shut.append(kernel_id)
        km._kernels.pop(kernel_id, None)

    monkeypatch.setattr(kernels.AsyncMappingKernelManager, "shutdown_kernel", fake_shutdown)
    return km, shut


def test_a_page_speaks_only_for_a_running_kernel_given_to_a_page(monkeypatch):
    page, pooled = str(uuid.uuid4()), str(uuid.uuid4())
    km, shut = _manager(monkeypatch, page, pooled, "not-a-uuid")
    done = asyncio.Future(loop=asyncio.new_event_loop())
    done.set_result({"kernel_id": pooled})
    km._pools = {"workshop.ipynb": [done]}
    assert km.page_kernel(page)
    assert not km.page_kernel(pooled)  # still in the preheated pool: given to no page
    assert not km.page_kernel("not-a-uuid") and not km.page_kernel(str(uuid.uuid4()))
    assert asyncio.run(km.page_closed(pooled)) is False
    assert asyncio.run(km.page_closed(str(uuid.uuid4()))) is False
    assert asyncio.run(km.page_closed(page)) is True
    assert shut == [page]


def test_a_heartbeat_counts_as_activity_for_the_culler(monkeypatch):
    kid = str(uuid.uuid4())
    km, shut = _manager(monkeypatch, kid)
    km.notify_connect(kid)
    assert km.page_heartbeat(kid)
    asyncio.run(km.cull_kernel_if_idle(kid))
    assert shut == []  # not idle: the page said it is open
    km._kernels[kid].last_activity -= dt.timedelta(seconds=21)
    asyncio.run(km.cull_kernel_if_idle(kid))
    assert shut == [kid]  # no heartbeat for an idle period: culled, connected or not
    assert not km.page_heartbeat(kid)


def test_a_dead_or_restarted_kernel_fails_its_heartbeat(monkeypatch):
    dead, restarted = str(uuid.uuid4()), str(uuid.uuid4())
    km, _ = _manager(monkeypatch, dead, restarted)
    km._kernels[dead].execution_state = "dead"
    km._kernel_restarted(restarted)  # no running loop: marked, shut down later
    assert not km.page_heartbeat(dead) and not km.page_heartbeat(restarted)


def test_the_kernel_is_shut_down_after_the_grace_unless_a_page_reconnects(monkeypatch):
    gone, back = str(uuid.uuid4()), str(uuid.uuid4())
    km, shut = _manager(monkeypatch, gone, back)
    km.page_close_grace_seconds = 0.6

    async def scenario():
        for kid in (gone, back):
            km.notify_connect(kid)
            km.notify_disconnect(kid)
        await asyncio.sleep(0.2)
        km.notify_connect(back)  # the websocket reconnected within the grace
        await asyncio.sleep(0.2)
        assert shut == []  # nothing before the grace is over
        await asyncio.sleep(0.6)

    asyncio.run(scenario())
    assert shut == [gone]


def test_heartbeat_interval_follows_the_idle_timeout():
    assert lifecycle.heartbeat_seconds(600) == 30
    assert lifecycle.heartbeat_seconds(20) == 5
    assert lifecycle.heartbeat_seconds(60) == 15
    assert lifecycle.heartbeat_seconds(0) == 30  # culling off
    grace = lifecycle.PAGE_CLOSE_GRACE_SECONDS
    assert 8 <= grace <= 20  # above the websocket's reconnect backoff, well under 30 s


@pytest.mark.parametrize("path", ["/voila/tree", "/voila/tree/", "/voila/tree/workbooks",
                                  "/voila/api/contents", "/voila/api/contents/workbooks"])
def test_the_file_list_routes_are_taken_by_the_not_found_handler(path):
    import re

    routes = start_page.start_page_handlers("/")
    matching = [r for r in routes[1:] if re.fullmatch(r[0], path)]
    assert matching and matching[0][1] is start_page.NoFileListHandler
