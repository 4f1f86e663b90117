"""The widget trainee page's two clients for `bench_room` (one kernel per trainee): a light
client (the page over HTTP, then the kernel websocket asking for every widget's state, as the
page's widget manager does) and real headless chromium pages (join, open the case)."""

from __future__ import annotations

import asyncio
import json
import re
import time
import uuid

from common import CHROMIUM, CHROMIUM_ARGS

NOTEBOOK = "workshop.ipynb"
PAGE = f"voila/render/{NOTEBOOK}"
JOIN_TIMEOUT = 240.0
KERNEL_ID = re.compile(r'"kernelId":\s*"([0-9a-f-]{36})"')
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
ASSET = re.compile(r'(?:src|href)="([^"]*/voila/(?:static|templates)/[^"?]+\.(?:js|css))')


async def light_join(base: str) -> dict:
    """GET the page, then ask the kernel for every widget's state over its websocket."""
    from tornado.httpclient import AsyncHTTPClient, HTTPRequest
    from tornado.websocket import websocket_connect

    t0 = time.perf_counter()
    try:
        resp = await AsyncHTTPClient().fetch(HTTPRequest(
            base + PAGE, request_timeout=JOIN_TIMEOUT, connect_timeout=JOIN_TIMEOUT))
        body = resp.body.decode("utf-8", errors="replace")
        found = KERNEL_ID.search(body)
        if found is None or WIDGET_VIEW not in body:
            return {"ok": False, "why": "page without the form's widget output", "tti": None}
        kid = found.group(1)
        origin = base.split("/", 3)
        assets = {a if a.startswith("http") else f"{origin[0]}//{origin[2]}{a}"
                  for a in ASSET.findall(body)}
        await asyncio.gather(*(AsyncHTTPClient().fetch(a, request_timeout=JOIN_TIMEOUT)
                               for a in assets))
        ws = await websocket_connect(
            f"ws{base.removeprefix('http')}api/kernels/{kid}/channels?session_id="
            f"{uuid.uuid4()}", connect_timeout=JOIN_TIMEOUT)
        session, comm = uuid.uuid4().hex, uuid.uuid4().hex

        def msg(msg_type: str, content: dict, metadata: dict | None = None) -> str:
            return json.dumps({"header": {"msg_id": uuid.uuid4().hex, "msg_type": msg_type,
                                          "session": session, "username": "bench",
                                          "version": "5.3"}, "parent_header": {},
                               "metadata": metadata or {}, "content": content,
                               "channel": "shell", "buffers": []})

        await ws.write_message(msg("comm_open", {"comm_id": comm, "data": {},
                                                 "target_name": "jupyter.widget.control"},
                                   {"version": "1.0.0"}))
        await ws.write_message(msg("comm_msg", {"comm_id": comm,
                                                "data": {"method": "request_states"}}))
        deadline = t0 + JOIN_TIMEOUT
        while True:
            left = deadline - time.perf_counter()
            if left <= 0:
                raise TimeoutError("no widget state within the time allowed")
            raw = await asyncio.wait_for(ws.read_message(), left)
            if raw is None:
                raise ConnectionError("the kernel websocket closed")
            if isinstance(raw, bytes):  # binary frames carry buffers: state may ride on them
                raw = raw.decode("utf-8", errors="replace")
            if '"update_states"' in raw:
                states = json.loads(raw)["content"]["data"].get("states", {}) \
                    if raw.lstrip().startswith("{") else {"?": 1}
                break
        tti = time.perf_counter() - t0
        ws.close()
        return {"ok": bool(states), "why": "" if states else "no widget states", "tti": tti,
                "kernel": kid}
    except Exception as exc:
        return {"ok": False, "why": f"{type(exc).__name__}: {str(exc)[:120]}", "tti": None}


async def browser_joins(base: str, n: int, code: str) -> list[dict]:
    """Each trainee: open the page; the join form usable (`tti`); type the code and a name and
    press Join at once (no reading or typing time: the worst case); the case chosen is opened
    and its RM2000 form shown (`scoring`). `widgets`: when the page's widgets were ready."""
    from playwright.async_api import async_playwright

    async def one(browser, i: int) -> dict:
        ctx = await browser.new_context(viewport={"width": 1200, "height": 900})
        page = await ctx.new_page()
        page.set_default_timeout(JOIN_TIMEOUT * 1000)
        t0 = time.perf_counter()
        out: dict = {"ok": False, "why": "", "tti": None}
        try:
            await page.goto(base + PAGE, wait_until="commit")
            join = page.get_by_role("button", name="Join the workshop", exact=True)
            await join.wait_for(state="visible")
            out.update(ok=True, tti=time.perf_counter() - t0)
            await page.get_by_label("Join code").fill(code)
            await page.get_by_label("Your display name").fill(f"Trainee {i + 1}")
            await join.click()
            await page.get_by_role("button", name="Open this case", exact=True).click()
            await page.locator(".rso-workshop-case", has_text="Scoring TC-01").wait_for()
            await page.get_by_label("Age at assessment").wait_for(state="visible")
            out["scoring"] = time.perf_counter() - t0
        except Exception as exc:
            where = "scoring form: " if out["ok"] else "join form: "
            out["why"] = where + str(exc).splitlines()[0][:120]
        try:
            ready = await page.evaluate(
                "window.rsoQuick ? window.rsoQuick.widgetsReadyAt : null")
            out["widgets"] = ready / 1000 if ready is not None else None
        except Exception:
            pass
        await ctx.close()
        return out

    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            results = list(await asyncio.gather(*(one(browser, i) for i in range(n))))
            spent = browser_cpu()  # the browsers' own work, launch included
            for r in results:
                r["browser_cpu"] = spent
            return results
        finally:
            await browser.close()


def browser_cpu() -> float:
    """CPU seconds used so far by the chromium processes this benchmark started."""
    import psutil

    total = 0.0
    for proc in psutil.Process().children(recursive=True):
        try:
            if "chrom" in proc.name().lower():
                t = proc.cpu_times()
                total += t.user + t.system
        except psutil.Error:
            continue
    return total
