"""The course hub under a cohort's load: ``python -m bench hub [--trainees=30]`` (root; loopback only).

A hub (``python -m hub up``) with N trainees of a unique prefix. How the class is modelled:

* **Logins over a minute.** Trainee i opens the login page at ``i * login_window / N`` seconds (default 60 s:
  one every 2 s for 30), as a class does when the trainer says "log in now" and people open laptops and type
  their passwords; each logs in through the login form and starts a server through the REST API. The spawn time
  is from that REST request until the server answers ``/api/status`` through the proxy. ``--login-window=0``
  sends everyone at once (a stress case, printed as such).
* **Submissions within one minute** (issue 15: "30 trainees submit within one minute"). Everyone fetches ex1
  through nbgrader's server extension and saves answers (even-numbered trainees everything, odd-numbered Q1 and
  Q2 only) first; then trainee i presses Submit at ``i * submit_window / N`` seconds (default 60 s).
  ``--submit-window=0``: everyone at once.
* **Feedback.** A trainee clicks "Fetch Feedback" (nbgrader's ``fetch_feedback``) once the feedback is
  released (the grading service's ledger entry, written right after nbgrader's ``release_feedback``), and again
  every second until it is in their home: submit-to-feedback runs from the end of the submit request to the
  feedback page being in the trainee's home. Blind polling by 30 trainees twice a second would itself load the
  two cores the grading needs; the ledger only tells the bench when to click.

The grading service is killed with SIGKILL once a third of the feedback is out; JupyterHub restarts it (a
managed service that exits is started again). Checks: every trainee's gradebook score is exactly the expected
one (all autograded points / the points of Q1 and Q2), one submission per trainee (nothing counted twice),
feedback for everyone (nothing lost). Prints spawn and submit-to-feedback p50/p95, the peak resident memory of
a user server (server and its kernels) and of all of them together, and the load average before and after.
Bounded: ``--timeout`` seconds (default 900) for the whole run; accounts removed at the end.
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import statistics
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from tests.hub_servers import EXERCISE, Hub, answer, new_prefix, solution_cells

PARTIAL = ("q1_lq_corum", "q2_stars_kahramanmaras")


def pct(xs: list[float], q: float) -> float:
    xs = sorted(xs)
    return xs[min(len(xs) - 1, max(0, round(q * (len(xs) - 1))))]


def expected_points() -> tuple[float, float]:
    import nbformat

    from tests.hub_servers import ROOT

    nb = nbformat.read(ROOT / "exercises" / "source" / EXERCISE / f"{EXERCISE}.ipynb", as_version=4)
    tests = {
        c.metadata["nbgrader"]["grade_id"]: float(c.metadata["nbgrader"].get("points", 0))
        for c in nb.cells
        if c.metadata.get("nbgrader", {}).get("grade") and c.cell_type == "code"
    }
    return sum(tests.values()), sum(v for k, v in tests.items() if any(k.endswith(p) for p in PARTIAL))


class MemorySampler(threading.Thread):
    """Resident memory (RSS) of every process of the given uids, sampled every half second."""

    def __init__(self, uids: dict[int, str]):
        super().__init__(daemon=True)
        self.uids, self.stop_flag = uids, threading.Event()
        self.peak_user: dict[str, float] = {}
        self.peak_total = 0.0

    def run(self) -> None:
        page = os.sysconf("SC_PAGE_SIZE")
        while not self.stop_flag.is_set():
            per: dict[str, float] = {}
            for d in Path("/proc").iterdir():
                if not d.name.isdigit():
                    continue
                try:
                    uid = d.stat().st_uid
                    if uid not in self.uids:
                        continue
                    rss = int((d / "statm").read_text().split()[1]) * page / 2**20
                except (OSError, ValueError, IndexError):
                    continue
                per[self.uids[uid]] = per.get(self.uids[uid], 0.0) + rss
            for u, mb in per.items():
                self.peak_user[u] = max(self.peak_user.get(u, 0.0), mb)
            self.peak_total = max(self.peak_total, sum(per.values()))
            time.sleep(1.0)


def grading_pids(hub: Hub) -> list[int]:
    out = []
    for d in Path("/proc").iterdir():
        if d.name.isdigit():
            try:
                cmd = (d / "cmdline").read_bytes().split(b"\0")
            except OSError:
                continue
            if b"grader" in cmd and b"hub" in cmd and str(hub.state).encode() in cmd:
                out.append(int(d.name))
    return out


def main(argv: list[str]) -> int:
    p = argparse.ArgumentParser(prog="python -m bench hub")
    p.add_argument("--trainees", type=int, default=30)
    p.add_argument("--timeout", type=float, default=900)
    p.add_argument("--login-window", type=float, default=60, help="logins spread over this many seconds")
    p.add_argument(
        "--submit-window", type=float, default=60, help="submissions spread over this many seconds"
    )
    p.add_argument(
        "--kills",
        type=int,
        default=1,
        help="kill -9 the grading service this many times, evenly over the feedbacks (default 1: after a third)",
    )
    args = p.parse_args(argv)
    if os.geteuid() != 0:
        print("bench hub: needs root (it creates local accounts)", file=sys.stderr)
        return 2
    from hub.install import stale
    from tests.hub_servers import HUB_PREFIX, ROOT

    if stale(HUB_PREFIX, ROOT):
        print(
            f"bench hub: the hub in {HUB_PREFIX} is not this checkout's: run `make hub-env`", file=sys.stderr
        )
        return 2
    full, partial = expected_points()
    sol = solution_cells()
    tmp = Path(tempfile.mkdtemp(prefix="cluster-hub-bench-"))
    tmp.chmod(0o755)
    prefix = new_prefix()
    names = [f"{prefix}{i:02d}" for i in range(args.trainees)]
    hub = Hub(tmp, prefix, [(n, "trainee", f"Trainee {i}") for i, n in enumerate(names)])
    deadline = time.monotonic() + args.timeout
    n = len(names)
    load_before = os.getloadavg()
    print(
        f"load average before (1, 5, 15 min): {load_before[0]:.2f} {load_before[1]:.2f} {load_before[2]:.2f}"
    )
    print(
        f"arrivals: logins {'all at once' if args.login_window <= 0 else f'evenly over {args.login_window:g} s'}"
        f", submissions {'all at once' if args.submit_window <= 0 else f'evenly over {args.submit_window:g} s'}",
        flush=True,
    )
    rc = 0
    try:
        t0 = time.monotonic()
        hub.start()
        print(f"hub up with {n} trainees in {time.monotonic() - t0:.0f} s", flush=True)
        import pwd

        sampler = MemorySampler({pwd.getpwnam(x).pw_uid: x for x in names})
        sampler.start()
        users = [hub.user(x) for x in names]

        def at(start: float, i: int, window: float) -> None:
            time.sleep(max(0.0, start + i * window / n - time.monotonic()))

        t_login = time.monotonic()

        def login_spawn(iu):
            i, u = iu
            at(t_login, i, args.login_window)
            u.login()
            return u.spawn(timeout=180)

        with ThreadPoolExecutor(n) as pool:
            spawn = list(pool.map(login_spawn, enumerate(users)))
        print(f"spawned {n} servers in {time.monotonic() - t_login:.0f} s", flush=True)

        def fetch_answer(iu):
            i, u = iu
            r = u.nbgrader("fetch", EXERCISE)
            assert r["success"], r
            path = f"/api/contents/{EXERCISE}/{EXERCISE}.ipynb"
            nb = u.server("GET", path).json()["content"]
            chosen = sol if i % 2 == 0 else {k: sol[k] for k in PARTIAL}
            assert u.server("PUT", path, json={"type": "notebook", "content": answer(nb, chosen)}).ok

        with ThreadPoolExecutor(4) as pool:
            list(pool.map(fetch_answer, enumerate(users)))

        ledger = Path(hub.cfg["course_dir"]) / ".autograder" / "hub" / "ledger.json"
        submitted: dict[str, float] = {}
        released: dict[str, float] = {}
        released_at: dict[str, float] = {}
        feedback: dict[str, float] = {}
        t_submit = time.monotonic()

        def submit_and_read_feedback(iu):
            i, u = iu
            at(t_submit, i, args.submit_window)
            r = u.nbgrader("submit", EXERCISE)
            assert r["success"], r
            submitted[u.name] = time.monotonic()
            while u.name not in released and time.monotonic() < deadline:
                time.sleep(0.2)
            while time.monotonic() < deadline:
                r = u.nbgrader("fetch_feedback", EXERCISE)
                if r["success"] and any(
                    (a.get("submissions") or [{}])[-1].get("has_local_feedback")
                    for a in r["value"]
                    if a["assignment_id"] == EXERCISE
                ):
                    feedback[u.name] = time.monotonic() - submitted[u.name]
                    return
                time.sleep(1)

        killed = restarted = False
        kills: list[dict] = []  # per kill: seconds until JupyterHub restarted it and until the next feedback
        with ThreadPoolExecutor(n) as pool:
            futures = [pool.submit(submit_and_read_feedback, iu) for iu in enumerate(users)]
            while not all(f.done() for f in futures) and time.monotonic() < deadline:
                import json

                try:
                    done = json.loads(ledger.read_text()) if ledger.exists() else {}
                except ValueError:
                    done = {}
                now = time.monotonic()
                for u in users:
                    if u.name in submitted and u.name not in released and f"{u.name}/{EXERCISE}" in done:
                        released[u.name] = now - submitted[u.name]
                        released_at[u.name] = now
                for k in kills:
                    if "next_feedback" not in k and any(t > k["at"] for t in released_at.values()):
                        k["next_feedback"] = min(t for t in released_at.values() if t > k["at"]) - k["at"]
                if len(kills) < args.kills and len(released) >= max(
                    1, n * (len(kills) + 1) // (args.kills + 1)
                ):
                    pids = grading_pids(hub)
                    for pid in pids:
                        os.kill(pid, signal.SIGKILL)
                    killed = True
                    print(
                        f"kill -9 of the grading service (pids {pids}) after {len(released)} feedbacks",
                        flush=True,
                    )
                    t_kill = time.monotonic()
                    while not set(grading_pids(hub)) - set(pids) and time.monotonic() - t_kill < 90:
                        time.sleep(
                            0.2
                        )  # JupyterHub notices the dead managed service (polling) and starts it again
                    restarted = bool(set(grading_pids(hub)) - set(pids))
                    kills.append({"at": t_kill, "restart": time.monotonic() - t_kill, "restarted": restarted})
                    print(
                        f"grading service restarted by JupyterHub after {time.monotonic() - t_kill:.1f} s: {restarted}"
                    )
                time.sleep(0.2)
            for f in futures:
                if f.done():
                    f.result()
        print(f"{len(submitted)} submissions over {max(submitted.values()) - t_submit:.0f} s", flush=True)
        sampler.stop_flag.set()
        sampler.join()

        rows = hub.psql(
            "SELECT s.student_id, sum(coalesce(g.manual_score, g.auto_score, 0)) FROM grade g "
            "JOIN submitted_notebook n ON g.notebook_id = n.id JOIN submitted_assignment s ON "
            "n.assignment_id = s.id GROUP BY s.student_id"
        )
        scores = {line.split("|")[0]: float(line.split("|")[1]) for line in rows.splitlines() if line}
        count = int(hub.psql("SELECT count(*) FROM submitted_assignment"))
        wrong = {
            x: (scores.get(x), full if i % 2 == 0 else partial)
            for i, x in enumerate(names)
            if scores.get(x) != (full if i % 2 == 0 else partial)
        }
        import json

        graded = len(json.loads(ledger.read_text())) if ledger.exists() else 0
        mem = sorted(sampler.peak_user.values())
        load_after = os.getloadavg()
        print(f"trainees: {n}; expected scores: correct {full:g}, partial {partial:g}")
        print(
            f"spawn (REST start until the server answers through the proxy): p50 {pct(spawn, 0.5):.1f} s, "
            f"p95 {pct(spawn, 0.95):.1f} s, max {max(spawn):.1f} s"
        )
        if released:
            rel = list(released.values())
            print(f"submit-to-release (ledger): p50 {pct(rel, 0.5):.1f} s, p95 {pct(rel, 0.95):.1f} s")
        if feedback:
            fb = list(feedback.values())
            print(
                f"submit-to-feedback (in the trainee's home via Fetch Feedback): p50 {pct(fb, 0.5):.1f} s, "
                f"p95 {pct(fb, 0.95):.1f} s, max {max(fb):.1f} s"
            )
        print(
            f"peak memory of a user server (server + kernels, RSS): median {statistics.median(mem):.0f} MiB, "
            f"max {max(mem):.0f} MiB; all user servers together: {sampler.peak_total:.0f} MiB"
        )
        print(f"gradebook: {count} submissions for {n} trainees; ledger: {graded}; feedback: {len(feedback)}")
        print(f"grading service killed with SIGKILL mid-run: {killed}; restarted: {restarted}")
        for i, k in enumerate(kills, 1):
            nxt = f"{k['next_feedback']:.1f} s" if "next_feedback" in k else "never"
            print(
                f"kill {i}: restarted after {k['restart']:.1f} s; next feedback released {nxt} after the kill"
            )
        times = sorted(released_at.values())
        if len(times) > 1:
            gap = max(b - a for a, b in zip(times, times[1:], strict=False))
            print(f"longest wait between two feedbacks: {gap:.1f} s")
        restarted = restarted and all(k["restarted"] for k in kills)
        print(
            f"load average after (1, 5, 15 min): {load_after[0]:.2f} {load_after[1]:.2f} {load_after[2]:.2f}"
        )
        if wrong or count != n or len(feedback) != n or not (killed and restarted):
            print(
                f"FAILED: wrong scores {wrong}; submissions {count}; feedback {len(feedback)}; "
                f"killed {killed}, restarted {restarted}",
                file=sys.stderr,
            )
            rc = 1
        else:
            print(
                "every submission graded with its exact expected score; nothing lost, nothing counted twice"
            )
    finally:
        hub.stop()
        shutil.copyfile(tmp / "hub.log", Path(tempfile.gettempdir()) / "cluster-hub-bench-last.log")
        pg_log = hub.state / "pg-data" / "server.log"
        if pg_log.exists():
            shutil.copyfile(pg_log, Path(tempfile.gettempdir()) / "cluster-hub-bench-last-postgres.log")
        shutil.rmtree(tmp, ignore_errors=True)
    return rc
