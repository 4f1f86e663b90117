"""Server CPU per room-page request, by kind of request, for this tree and optionally another
(a checkout of an earlier commit), measured in the same run with the rounds interleaved so a
loaded machine weighs on both alike.

    python scripts/room_requests.py [--rounds 8] [--batch 10] [--other /path/to/old/tree]

Each tree's room handlers are served in a process of their own (`tests/room_inprocess.py`,
SQLite in a temporary data folder, a workshop of three cases); a round is `batch` new trainees,
each request kind sent by all of them in turn while the server process's CPU time (psutil:
user + system, all its threads) is read before and after. Reports milliseconds of server CPU
per request and the ratio other/this. Not a benchmark with targets (those are
`benchmarks/`): a before/after check for changes to the room page's request path.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TESTS = ROOT / "tests"
STEPS = ["GET room/", "POST join", "GET cases", "GET case", "POST draft (first)", "POST draft",
         "GET status"]


def serve() -> None:
    """Child: serve the room of the tree on PYTHONPATH; print its address; stop on a line."""
    os.environ["RSO_DATA_DIR"] = tempfile.mkdtemp(prefix="rso-room-requests-")
    os.environ["RSO_USER"] = "room.user"
    sys.path.insert(0, str(TESTS))
    from room_inprocess import RoomServer

    from rso_widgets.store import open_store

    store = open_store()
    cohort = store.create_cohort("Timed", ["TC-01", "TC-02", "TC-03"])
    with RoomServer(store) as srv:
        srv.room.warm()
        print(json.dumps({"url": srv.url, "code": cohort.join_code}), flush=True)
        sys.stdin.readline()


def _round(info: dict, proc, batch: int, tag: str) -> dict[str, float]:
    sys.path.insert(0, str(TESTS))
    from room_inprocess import RoomBrowser

    browsers = [RoomBrowser(info["url"] + "room/") for _ in range(batch)]

    def cpu() -> float:
        t = proc.cpu_times()
        return t.user + t.system

    def join(i: int, b: RoomBrowser) -> None:
        r = b.post("join", {"code": info["code"], "name": f"{tag}-{i}"}, allow_redirects=False)
        if r.status_code != 302:
            raise SystemExit(f"join failed: {r.status_code} {r.text[:200]}")

    requests = [
        lambda i, b: b.get(""), join, lambda i, b: b.get("cases?welcome=new"),
        lambda i, b: b.get("case/TC-01"),
        lambda i, b: b.post("case/TC-01/draft", {"mode": "form", "sex": "male"}),
        lambda i, b: b.post("case/TC-01/draft", {"mode": "form", "sex": "female"}),
        lambda i, b: b.get("status")]
    out = {}
    for step, request in zip(STEPS, requests, strict=True):
        t0 = cpu()
        for i, b in enumerate(browsers):
            request(i, b)
        out[step] = cpu() - t0
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--rounds", type=int, default=8)
    ap.add_argument("--batch", type=int, default=10)
    ap.add_argument("--other", type=Path, help="another tree (holding rso_widgets/ and "
                    "training_cases/) to measure beside this one")
    args = ap.parse_args()
    import psutil

    trees = {"this": ROOT, **({"other": args.other.resolve()} if args.other else {})}
    procs = {}
    for name, tree in trees.items():
        env = {**os.environ, "PYTHONPATH": str(tree)}
        p = subprocess.Popen([sys.executable, __file__, "--serve"], env=env, text=True,
                             stdin=subprocess.PIPE, stdout=subprocess.PIPE)
        procs[name] = (p, psutil.Process(p.pid), json.loads(p.stdout.readline()))
    totals = {name: dict.fromkeys(STEPS, 0.0) for name in trees}
    try:
        for r in range(args.rounds):
            for name, (_p, proc, info) in procs.items():
                for step, seconds in _round(info, proc, args.batch, f"r{r}").items():
                    totals[name][step] += seconds
    finally:
        for p, _proc, _info in procs.values():
            p.stdin.write("\n")
            p.stdin.flush()
            p.wait(30)
    n = args.rounds * args.batch
    print(f"server CPU ms per request ({n} of each, {args.rounds} interleaved rounds)")
    head = f"{'request':20}" + "".join(f"{name:>10}" for name in trees)
    print(head + (f"{'other/this':>12}" if "other" in trees else ""))
    for step in [*STEPS, "all of the above"]:
        row = {name: 1000 * (sum(totals[name].values()) if step == "all of the above"
                             else totals[name][step]) / n for name in trees}
        line = f"{step:20}" + "".join(f"{row[name]:10.2f}" for name in trees)
        if "other" in trees:
            line += f"{row['other'] / row['this']:12.2f}" if row["this"] else ""
        print(line)


if __name__ == "__main__":
    if sys.argv[1:] == ["--serve"]:
        serve()
    else:
        main()
