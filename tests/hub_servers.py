"""A course hub for tests and the hub bench: ``python -m hub up`` with a roster of uniquely prefixed accounts.

Everything lives in a temporary folder (state, homes); ports are free loopback ports. ``stop()`` ends the
processes this hub started (found by the state folder in their command line or by the accounts it created),
stops its PostgreSQL, and removes the accounts and groups it created, by name.
"""

from __future__ import annotations

import csv
import grp
import json
import os
import pwd
import secrets
import signal
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# The hub as `make hub` runs it: installed by `make hub-env` into HUB_PREFIX (hub/install.py), never from the
# checkout, which may lie under a folder the hub's accounts cannot enter.
HUB_PREFIX = Path(os.environ.get("HUB_PREFIX") or "/opt/cluster-course")
HUB_PYTHON = HUB_PREFIX / "venv" / "bin" / "python"
HUB_APP = HUB_PREFIX / "app"


def installed_hub() -> None:
    """Fail (not skip) unless HUB_PREFIX holds this checkout's hub: tests never run another checkout's code."""
    from hub.install import stale

    parts = stale(HUB_PREFIX, ROOT)
    if parts:
        import pytest

        pytest.fail(
            f"the hub in {HUB_PREFIX} is missing or out of date ({', '.join(parts)}): run `make hub-env`"
        )


EXERCISE = "ex1-mapping-leading-sectors"


def solution_cells(exercise: str = EXERCISE) -> dict[str, str]:
    """grade_id -> the instructor's answer (source cell without the BEGIN/END SOLUTION lines)."""
    import nbformat

    nb = nbformat.read(ROOT / "exercises" / "source" / exercise / f"{exercise}.ipynb", as_version=4)
    out = {}
    for c in nb.cells:
        meta = c.metadata.get("nbgrader", {})
        if meta.get("solution") and c.cell_type == "code":
            out[meta["grade_id"]] = "\n".join(
                line
                for line in c.source.splitlines()
                if "### BEGIN SOLUTION" not in line and "### END SOLUTION" not in line
            )
    return out


def answer(nb: dict, answers: dict[str, str], written: dict[str, str] | None = None) -> dict:
    """The fetched notebook (contents-API JSON) with these code answers and written answers filled in."""
    for cell in nb["cells"]:
        gid = cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")
        if gid in answers:
            cell["source"] = answers[gid]
        elif written and gid in written:
            cell["source"] = written[gid]
    return nb


@dataclass
class Hub:
    tmp: Path
    prefix: str
    roster: list[tuple[str, str, str]]
    proc: subprocess.Popen | None = None
    cfg: dict = field(default_factory=dict)
    passwords: dict[str, str] = field(default_factory=dict)

    @property
    def state(self) -> Path:
        return self.tmp / "state"

    @property
    def group(self) -> str:
        return f"{self.prefix}-course"

    @property
    def grader(self) -> str:
        return f"{self.prefix}-grader"

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.cfg['port']}"

    def user(self, name: str):
        from hub.client import HubUser

        return HubUser(self.base, name, self.passwords[name])

    def up_args(self, roster: Path) -> list[str]:
        return [str(HUB_PYTHON), "-P", "-m", "hub", "up", "--roster", str(roster), "--state", str(self.state),
                "--group", self.group, "--grader", self.grader, "--home-base", str(self.tmp / "home")]  # fmt: skip

    def write_roster(self, rows: list[tuple[str, str, str]], name: str = "roster.csv") -> Path:
        path = self.tmp / name
        with path.open("w", newline="") as fh:
            w = csv.writer(fh)
            w.writerow(["username", "role", "name"])
            w.writerows(rows)
        return path

    def start(self, timeout: float = 240) -> None:
        (self.tmp / "home").mkdir(parents=True, exist_ok=True)
        roster = self.write_roster(self.roster)
        self.log = (self.tmp / "hub.log").open("w")
        self.proc = subprocess.Popen(
            self.up_args(roster),
            cwd=self.tmp,
            stdout=self.log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        t0 = time.monotonic()
        while time.monotonic() - t0 < timeout:
            if self.proc.poll() is not None:
                raise RuntimeError(f"hub exited {self.proc.returncode}:\n{self.log_tail()}")
            if (self.state / "hub.json").exists() and "JupyterHub is now running" in self.log_tail(100_000):
                break
            time.sleep(0.5)
        else:
            raise TimeoutError(f"hub not up after {timeout} s:\n{self.log_tail()}")
        self.cfg = json.loads((self.state / "hub.json").read_text())
        with (self.state / "passwords.csv").open(newline="") as fh:
            self.passwords = {r["username"]: r["initial_password"] for r in csv.DictReader(fh)}

    def log_tail(self, chars: int = 4000) -> str:
        p = self.tmp / "hub.log"
        return p.read_text(errors="replace")[-chars:] if p.exists() else ""

    def psql(self, sql: str) -> str:
        from hub.postgres import Cluster

        return Cluster.under(self.state).psql(sql, "cluster_excellence")

    def our_pids(self) -> list[int]:
        uids = set()
        for name in [r[0] for r in self.roster] + [self.grader]:
            try:
                uids.add(pwd.getpwnam(name).pw_uid)
            except KeyError:
                pass
        pids = []
        for d in Path("/proc").iterdir():
            if not d.name.isdigit() or int(d.name) == os.getpid():
                continue
            try:
                cmd = (d / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
                uid = d.stat().st_uid
            except OSError:
                continue
            if str(self.state) in cmd or str(self.tmp) in cmd or (uid in uids and uid != 0):
                pids.append(int(d.name))
        return pids

    def stop(self) -> None:
        from hub.postgres import Cluster

        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                pass
        for pid in self.our_pids():
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        if self.state.exists():
            Cluster.under(self.state).stop()
        for name in [r[0] for r in self.roster] + [self.grader]:
            try:
                pwd.getpwnam(name)
            except KeyError:
                continue
            subprocess.run(["userdel", "--remove", name], capture_output=True)
        for g in (self.group,):
            try:
                grp.getgrnam(g)
                subprocess.run(["groupdel", g], capture_output=True)
            except KeyError:
                pass


def new_prefix() -> str:
    return "hx" + secrets.token_hex(3)
