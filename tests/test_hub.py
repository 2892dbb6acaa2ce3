"""The course hub, walked through the doors users take: `python -m hub up` (what `make hub` runs) with a roster,
the hub's login form and REST API, each trainee's own server with nbgrader's assignment list, the formgrader
service, the grading service. Needs root (it creates local accounts, prefixed and removed afterwards).
"""

from __future__ import annotations

import os
import pwd
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

import pytest

from hub.cli import RUNUSER
from tests.hub_servers import (
    EXERCISE,
    HUB_APP,
    HUB_PYTHON,
    Hub,
    answer,
    installed_hub,
    new_prefix,
    solution_cells,
)

pytestmark = [
    pytest.mark.skipif(os.geteuid() != 0, reason="the hub creates local accounts: needs root"),
    pytest.mark.xdist_group("hub"),
]


@pytest.fixture(scope="module", autouse=True)
def _installed_hub():
    installed_hub()


def test_bad_roster_lines_are_listed_and_change_nothing(tmp_path):
    prefix = new_prefix()
    hub = Hub(tmp_path, prefix, [])
    roster = hub.write_roster(
        [
            (f"{prefix}a", "trainee", "Ayşe"),
            (f"{prefix}a", "trainer", "Ayşe again"),
            (f"{prefix.upper()}B!", "trainee", "Bad Name"),
            (f"{prefix}c", "student", "Wrong Role"),
        ]
    )
    r = subprocess.run(hub.up_args(roster), cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert r.returncode == 2, r.stderr
    assert "nothing was changed" in r.stderr
    assert f"line 3: duplicate user name '{prefix}a' (first on line 2)" in r.stderr
    assert f"line 4: invalid user name '{prefix.upper()}B!'" in r.stderr
    assert "line 5: role of" in r.stderr and "'student'" in r.stderr
    assert "Traceback" not in r.stderr
    assert not hub.state.exists()
    for name in (f"{prefix}a", f"{prefix}c", hub.grader):
        with pytest.raises(KeyError):
            pwd.getpwnam(name)


@pytest.fixture(scope="module")
def hub():
    # not under pytest's tmp folder: that is private to root, and every account needs to reach its home
    tmp = Path(tempfile.mkdtemp(prefix="cluster-hub-test-"))
    tmp.chmod(0o755)
    prefix = new_prefix()
    h = Hub(tmp, prefix, [(f"{prefix}a", "trainee", "Ayşe Yılmaz"), (f"{prefix}b", "trainee", "Burak Demir"),
                          (f"{prefix}t", "trainer", "Tülay Kaya"), (f"{prefix}u", "trainer", "Umut Öz")])  # fmt: skip
    try:
        h.start()
        yield h
    finally:
        h.stop()
        shutil.copyfile(tmp / "hub.log", Path(tempfile.gettempdir()) / "cluster-hub-test-last.log")
        shutil.rmtree(tmp, ignore_errors=True)


def wait_feedback(user, timeout: float = 120) -> dict:
    """Poll nbgrader's fetch_feedback (the Assignment List's button) until feedback has arrived in the home."""
    t0, r = time.monotonic(), {}
    while time.monotonic() - t0 < timeout:
        r = user.nbgrader("fetch_feedback", EXERCISE)
        if r["success"]:  # fails until the grading service released the first feedback (no feedback folder)
            for a in r["value"]:
                subs = a.get("submissions") or []
                if a["assignment_id"] == EXERCISE and subs and subs[-1].get("has_local_feedback"):
                    return subs[-1]
        time.sleep(1)
    subs = [x for x in r.get("value") or [] if isinstance(x, dict) and x.get("status") == "submitted"]
    raise TimeoutError(f"no feedback after {timeout} s: {str(subs or r)[:3000]}")


def test_trainee_fetches_answers_submits_and_reads_graded_feedback(hub):
    a, b, t = (hub.user(f"{hub.prefix}{x}") for x in "abt")
    for u in (a, b, t):
        u.login()
        u.spawn()
    # A fetches ex1 from the Assignment List's server extension, answers Q1 and Q2, saves, submits.
    fetched = a.nbgrader("fetch", EXERCISE)
    assert fetched["success"], fetched
    path = f"/api/contents/{EXERCISE}/{EXERCISE}.ipynb"
    nb = a.server("GET", path).json()["content"]
    sol = solution_cells()
    nb = answer(
        nb,
        {k: sol[k] for k in ("q1_lq_corum", "q2_stars_kahramanmaras")},
        {"w1_interpretation": "Machinery leads in Gaziantep and sells outside the province."},
    )
    assert a.server("PUT", path, json={"type": "notebook", "content": nb}).status_code == 200
    submitted = a.nbgrader("submit", EXERCISE)
    assert submitted["success"], submitted

    # B can neither list nor read A's files: not through A's server, not through B's own contents API.
    assert b.server("GET", "/api/contents").status_code == 200
    assert b.api("GET", f"/user/{a.name}/api/contents").status_code == 403
    assert b.api("GET", f"/user/{a.name}{path}").status_code == 403
    home_a = pwd.getpwnam(a.name).pw_dir
    assert b.server("GET", f"/api/contents/../{a.name}").status_code in (403, 404)
    r = subprocess.run([RUNUSER, "-u", b.name, "--", "ls", home_a], capture_output=True, text=True)
    assert r.returncode != 0 and "Permission denied" in r.stderr
    inbound = Path(hub.cfg["exchange"]) / "cluster-excellence" / "inbound"
    r = subprocess.run([RUNUSER, "-u", b.name, "--", "ls", str(inbound)], capture_output=True, text=True)
    assert r.returncode != 0 and "Permission denied" in r.stderr

    # A trainee is refused the formgrader; the trainer reaches it.
    assert b.api("GET", "/services/cluster-excellence/formgrader/api/assignments").status_code == 403
    r = t.api("GET", "/services/cluster-excellence/formgrader/api/assignments")
    assert r.status_code == 200, r.text[:500]
    # A trainee's own server has no formgrader.
    assert a.server("GET", "/formgrader").status_code == 404

    # The grading service grades the submission and releases feedback: Q1 and Q2 right (2 + 2 points).
    sub = wait_feedback(a)
    assert sub["notebooks"][0]["has_local_feedback"]
    score = hub.psql(
        "SELECT sum(coalesce(g.manual_score, g.auto_score, 0)) FROM grade g JOIN submitted_notebook n ON "
        "g.notebook_id = n.id JOIN submitted_assignment s ON n.assignment_id = s.id WHERE s.student_id = "
        f"'{a.name}'"
    )
    assert float(score) == 4.0
    page = a.server("GET", f"/api/contents/{EXERCISE}/feedback").json()["content"]
    assert page, "no feedback folder in A's home"

    # The trainers' report (`python -m autograder report`, as the grader account, on the PostgreSQL gradebook)
    # lists A's written answer as awaiting manual grading.
    env = {"PATH": "/usr/bin:/bin", "CLUSTER_GRADEBOOK_URL": hub.cfg["db_url"], "HOME": hub.cfg["grader_home"],
           "MPLBACKEND": "Agg"}  # fmt: skip
    out = Path(hub.cfg["grader_home"]) / "report.html"
    r = subprocess.run(
        [RUNUSER, "-u", hub.grader, "--", str(HUB_PYTHON), "-P", "-m", "autograder", "report", "--course-dir",
         hub.cfg["course_dir"], "--output", str(out)],
        cwd=HUB_APP, env=env, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert r.returncode == 0, r.stderr
    assert f"{a.name}/{EXERCISE}" in out.read_text() and "needs manual grading" in out.read_text()

    # The formgrader's own generate/release feedback (nbgrader's feedback shows hidden tests) is refused.
    for route in (
        "generate_feedback",
        "release_feedback",
        f"{a.name}/generate_feedback",
        f"{a.name}/release_feedback",
    ):
        r = t.api("POST", f"/services/cluster-excellence/formgrader/api/assignment/{EXERCISE}/{route}")
        assert r.status_code == 403 and "released by the grading service" in r.json()["error"], (
            route,
            r.text,
        )

    # The gradebook is PostgreSQL (nbgrader #1661: no silent SQLite fall-back).
    assert not list(Path(hub.cfg["course_dir"]).rglob("*.db"))
    assert hub.psql("SELECT count(*) FROM submitted_assignment") == "1"

    # Resubmitting the same files: graded once more? No: autograde skips unchanged input, ledger moves on.
    # Two trainers grade A's two written answers at the same moment through the formgrader service: both land.
    u = hub.user(f"{hub.prefix}u")
    u.login()
    rows = hub.psql(
        "SELECT g.id, c.name FROM grade g JOIN base_cell c ON g.cell_id = c.id "
        "WHERE c.name IN ('w1_interpretation', 'w2_recommendation') ORDER BY c.name"
    ).splitlines()
    (w1, _), (w2, _) = (r.split("|") for r in rows)
    from concurrent.futures import ThreadPoolExecutor

    def put(trainer, grade_id, score):
        return trainer.api(
            "PUT",
            f"/services/cluster-excellence/formgrader/api/grade/{grade_id}",
            json={"manual_score": score},
        ).status_code

    with ThreadPoolExecutor(2) as pool:
        codes = list(pool.map(put, (t, u), (w1, w2), (3, 5)))
    assert codes == [200, 200]
    assert hub.psql(f"SELECT manual_score FROM grade WHERE id IN ('{w1}', '{w2}') ORDER BY id") in (
        "3|5",
        "5|3",
        "3\n5",
        "5\n3",
    )

    # A submission to an assignment that was never released is refused by nbgrader with a clear message.
    r = a.nbgrader("submit", "ex9-not-released")
    assert not r["success"] and "Assignment not found" in r["value"]
    assert not list(inbound.glob("*ex9-not-released*"))


def test_postgres_down_when_grading_starts(hub):
    from hub.postgres import Cluster

    # The documented backup: one pg_dump file that pg_restore can read.
    dump = hub.tmp / "gradebook.dump"
    r = subprocess.run([str(HUB_PYTHON), "-P", "-m", "hub", "backup", "--state", str(hub.state), str(dump)], cwd=hub.tmp,
                       capture_output=True, text=True, timeout=120)  # fmt: skip
    assert r.returncode == 0, r.stderr
    listing = subprocess.run(
        ["/usr/lib/postgresql/15/bin/pg_restore", "--list", str(dump)], capture_output=True, text=True
    )
    assert "TABLE public submitted_assignment" in listing.stdout

    course = Path(hub.cfg["course_dir"])
    before = sorted(p.relative_to(course) for p in course.rglob("*"))
    Cluster.under(hub.state).stop()
    try:
        env = {"PATH": "/usr/bin:/bin", "CLUSTER_GRADEBOOK_URL": hub.cfg["db_url"], "HOME": hub.cfg["grader_home"],
               "JUPYTER_CONFIG_PATH": hub.cfg["jupyter_config"]}  # fmt: skip
        r = subprocess.run(
            [RUNUSER, "-u", hub.grader, "--", str(HUB_PYTHON), "-P", "-m", "hub", "grader", "--once", "--state",
             str(hub.state)],
            cwd=HUB_APP, env=env, capture_output=True, text=True, timeout=120,
        )  # fmt: skip
        assert r.returncode == 2, r.stderr
        assert "the gradebook database does not answer" in r.stderr
        assert "nothing was collected or graded" in r.stderr
        assert "Traceback" not in r.stderr
        assert sorted(p.relative_to(course) for p in course.rglob("*")) == before
    finally:
        Cluster.under(hub.state).start()
