"""``python -m hub JOB``: the course hub on one machine (see hub/README.md).

Jobs: ``up`` (accounts from the roster, exchange, PostgreSQL gradebook, course directory, JupyterHub in the
foreground), ``check-roster``, ``grader`` (the grading service; started by the hub), ``backup`` (pg_dump),
``down`` (stops PostgreSQL if ``up`` was killed).
"""

from __future__ import annotations

import argparse
import json
import os
import pwd
import shutil
import signal
import socket
import subprocess
import sys
from pathlib import Path

from autograder.common import COURSE_ID, REPO
from hub.postgres import RUNUSER, Cluster
from hub.roster import RosterError, apply_roster, check_accounts, ensure_group, read_roster

HERE = Path(__file__).resolve().parent

# The hub runs from its installation (hub/install.py, `make hub-env`): this code in PREFIX/app, the environment
# in PREFIX/venv; the hub's accounts never read the checkout.
VENV = REPO.parent / "venv"
DATABASE = COURSE_ID.replace("-", "_")
DEFAULT_STATE = Path("/srv/cluster-course")

NBGRADER_CONFIG = """\
# Written by `python -m hub up`: the exchange every server of this hub shares.
c = get_config()  # noqa: F821
c.CourseDirectory.course_id = {course!r}
c.Exchange.root = {exchange!r}
c.Exchange.path_includes_course = False
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def parse_size(text: str) -> int:
    units = {"K": 1 << 10, "M": 1 << 20, "G": 1 << 30}
    text = text.strip().upper()
    return int(float(text[:-1]) * units[text[-1]]) if text[-1] in units else int(text)


def ensure_service_account(name: str, group: str, home_base: Path) -> Path:
    """The shared grader account (no password: nobody logs in as it; the hub starts its services)."""
    try:
        pw = pwd.getpwnam(name)
    except KeyError:
        subprocess.run(
            ["useradd", "--system", "--create-home", "--base-dir", str(home_base), "--shell", "/usr/sbin/nologin",
             "--user-group", "--groups", group, "--comment", "nbgrader grader of the course hub", name],
            check=True,
        )  # fmt: skip
        pw = pwd.getpwnam(name)
    Path(pw.pw_dir).chmod(0o700)
    return Path(pw.pw_dir)


def run_as(user: str, argv: list[str], env: dict[str, str], cwd: Path) -> None:
    r = subprocess.run([RUNUSER, "-u", user, "--", *argv], env=env, cwd=cwd, text=True, capture_output=True)
    if r.returncode:
        raise RuntimeError(f"{' '.join(argv)} as {user} failed:\n{r.stdout[-3000:]}\n{r.stderr[-3000:]}")


def grader_env(cfg: dict) -> dict[str, str]:
    return {
        "PATH": f"{cfg['venv']}/bin:/usr/local/bin:/usr/bin:/bin",
        "HOME": cfg["grader_home"],
        "CLUSTER_EXCHANGE": cfg["exchange"],
        "CLUSTER_GRADEBOOK_URL": cfg["db_url"],
        "CLUSTER_HUB_STATE": cfg["state"],
        "JUPYTER_CONFIG_PATH": cfg["jupyter_config"],
        "JUPYTER_PLATFORM_DIRS": "1",
        "PYTHONPATH": cfg["repo"],
        "LANG": "C.UTF-8",
    }


def prepare(args: argparse.Namespace) -> dict:
    """Everything but starting JupyterHub; returns the hub's settings (also written to <state>/hub.json)."""
    members = read_roster(args.roster)
    check_accounts(members, args.group)
    if not (VENV / "bin" / "jupyterhub-singleuser").exists():
        raise RosterError(
            f"the hub runs from its installation, not from a checkout ({REPO}): `make hub` installs it into "
            "HUB_PREFIX (make hub-env) and starts it from there"
        )
    state = args.state.resolve()
    state.mkdir(parents=True, exist_ok=True)
    state.chmod(0o755)
    ensure_group(args.group)
    home_base = args.home_base
    grader = args.grader or f"grader-{COURSE_ID}"
    grader_home = ensure_service_account(grader, args.group, home_base)
    created = apply_roster(members, args.group, state / "passwords.csv", str(home_base))
    exchange, course = state / "exchange", state / "course"
    # nbgrader's exchange root is writable by everyone (its docs: chmod ugo+rw); the sticky bit keeps anyone
    # from renaming or deleting what another user put there. inbound/outbound/feedback get nbgrader's own modes.
    for d, mode in ((exchange, 0o1777), (course, 0o700)):
        d.mkdir(exist_ok=True)
        shutil.chown(d, grader, grader)
        d.chmod(mode)
    jconf = state / "jupyter"
    jconf.mkdir(exist_ok=True)
    (jconf / "nbgrader_config.py").write_text(
        NBGRADER_CONFIG.format(course=COURSE_ID, exchange=str(exchange))
    )
    cluster = Cluster.under(state)
    cluster.start()
    cluster.ensure_database(DATABASE, grader)
    cfg = {
        "state": str(state),
        "repo": str(REPO),
        "venv": str(VENV),
        "exchange": str(exchange),
        "course_dir": str(course),
        "jupyter_config": str(jconf),
        "grader": grader,
        "grader_home": str(grader_home),
        "db_url": cluster.url(grader, DATABASE),
        "course_service": COURSE_ID,
        "trainees": [m.username for m in members if m.role == "trainee"],
        "trainers": [m.username for m in members if m.role == "trainer"],
        "names": {m.username: m.name for m in members},
        "port": args.port or free_port(),
        "hub_port": free_port(),
        "proxy_api_port": free_port(),
        "formgrader_port": free_port(),
        "idle_timeout": args.idle_timeout,
        "limits": {"mem_bytes": parse_size(args.mem_limit), "nproc": args.nproc},
        "created_users": created,
    }
    (state / "hub.json").write_text(json.dumps(cfg, indent=1) + "\n")
    release = args.release.split(",") if args.release else None
    run_as(
        grader,
        [str(VENV / "bin" / "python"), "-m", "hub", "setup-course", "--state", str(state)]
        + (["--release", ",".join(release)] if release else []),
        grader_env(cfg),
        REPO,
    )
    return cfg


def setup_course(state: Path, release: list[str] | None) -> None:
    """As the grader: the course directory (PostgreSQL gradebook) and the release of assignments to the exchange."""
    from nbgrader.exchange.default.release_assignment import ExchangeReleaseAssignment
    from nbgrader.utils import capture_log, temp_attrs

    from autograder.common import DEFAULT_EXERCISES, Settings
    from autograder.course import make_api
    from autograder.course import prepare as prepare_course

    cfg = json.loads((state / "hub.json").read_text())
    course = Path(cfg["course_dir"])
    assignments = prepare_course(course, DEFAULT_EXERCISES, Settings(), release)
    from nbgrader.api import Gradebook

    from autograder.course import db_url

    with Gradebook(db_url(course), COURSE_ID) as gb:  # the formgrader lists trainees by their roster names
        for user in cfg["trainees"]:
            first, _, last = cfg.get("names", {}).get(user, "").rpartition(" ")
            gb.update_or_create_student(user, first_name=first or last, last_name=last if first else "")
    api = make_api(course)
    outbound = Path(cfg["exchange"]) / COURSE_ID / "outbound"
    for a in assignments:
        if (outbound / a).is_dir():
            continue
        with temp_attrs(api.coursedir, assignment_id=a):
            app = ExchangeReleaseAssignment(
                coursedir=api.coursedir, authenticator=api.authenticator, parent=api
            )
            app.root = cfg["exchange"]
            result = capture_log(app)
        if not result["success"]:
            raise RuntimeError(f"nbgrader release_assignment {a} failed: {result.get('log')}")
        print(f"released {a}", file=sys.stderr)


def up(args: argparse.Namespace) -> int:
    try:
        cfg = prepare(args)
    except RosterError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    state = Path(cfg["state"])
    env = {**os.environ, "CLUSTER_HUB_STATE": str(state), "PATH": f"{VENV}/bin:" + os.environ.get("PATH", "")}
    env.pop("JUPYTER_CONFIG_PATH", None)
    print(
        f"course hub: http://127.0.0.1:{cfg['port']}/  (trainees {len(cfg['trainees'])}, trainers "
        f"{len(cfg['trainers'])}; new passwords in {state / 'passwords.csv'})",
        file=sys.stderr,
        flush=True,
    )
    hub = subprocess.Popen(
        [str(VENV / "bin" / "jupyterhub"), "-f", str(HERE / "jupyterhub_config.py")], cwd=state, env=env
    )

    def stop(signum, frame):
        hub.send_signal(signal.SIGTERM)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    try:
        return hub.wait()
    finally:
        try:
            hub.wait(timeout=30)
        except subprocess.TimeoutExpired:
            hub.kill()
        Cluster.under(state).stop()


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m hub", description=__doc__.splitlines()[0])
    sub = p.add_subparsers(dest="job", required=True)
    u = sub.add_parser("up", help="set up accounts, exchange, gradebook and start JupyterHub (foreground)")
    u.add_argument("--roster", type=Path, required=True, help="CSV: username,role(trainee|trainer),name")
    u.add_argument(
        "--state", type=Path, default=DEFAULT_STATE, help=f"hub data folder (default {DEFAULT_STATE})"
    )
    u.add_argument("--port", type=int, default=0, help="hub port on 127.0.0.1 (default: a free one)")
    u.add_argument("--group", default="cluster-course", help="system group of the course accounts")
    u.add_argument("--grader", default="", help=f"shared grader account (default grader-{COURSE_ID})")
    u.add_argument("--home-base", type=Path, default=Path("/home"), help="where homes are created")
    u.add_argument("--release", default="", help="assignments to release (comma-separated; default all)")
    u.add_argument("--mem-limit", default="4G", help="address-space limit per process of a user server")
    u.add_argument("--nproc", type=int, default=512, help="process limit per user")
    u.add_argument(
        "--idle-timeout", type=int, default=3600, help="idle culler: stop servers idle this long (s)"
    )
    u.add_argument("--prepare-only", action="store_true", help="set everything up but do not start the hub")
    c = sub.add_parser("check-roster", help="validate a roster; changes nothing")
    c.add_argument("roster", type=Path)
    s = sub.add_parser("setup-course", help="(run by up as the grader) course directory and release")
    s.add_argument("--state", type=Path, required=True)
    s.add_argument("--release", default="")
    g = sub.add_parser("grader", help="the grading service (started by the hub as the grader)")
    g.add_argument("--state", type=Path, required=True)
    g.add_argument("--interval", type=float, default=0.5)
    g.add_argument("--once", action="store_true", help="one cycle, then exit")
    b = sub.add_parser("backup", help="pg_dump of the gradebook (restore: pg_restore -d DB FILE)")
    b.add_argument("--state", type=Path, default=DEFAULT_STATE)
    b.add_argument("out", type=Path)
    d = sub.add_parser("down", help="stop the hub's PostgreSQL")
    d.add_argument("--state", type=Path, default=DEFAULT_STATE)
    args = p.parse_args(argv)

    if args.job == "check-roster":
        try:
            members = read_roster(args.roster)
        except RosterError as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 2
        print(f"roster ok: {len(members)} account(s)", file=sys.stderr)
        return 0
    if args.job == "up":
        if args.prepare_only:
            try:
                prepare(args)
            except RosterError as exc:
                print(f"error: {exc}", file=sys.stderr)
                return 2
            return 0
        return up(args)
    if args.job == "setup-course":
        setup_course(args.state, args.release.split(",") if args.release else None)
        return 0
    if args.job == "grader":
        from hub.grading import serve

        cfg = json.loads((args.state / "hub.json").read_text())
        return serve(Path(cfg["course_dir"]), Path(cfg["exchange"]), args.interval, args.once)
    if args.job == "backup":
        cluster = Cluster.under(args.state.resolve())
        out = args.out.resolve()
        out.parent.mkdir(parents=True, exist_ok=True)
        tmp = Path(f"/tmp/{DATABASE}-{os.getpid()}.dump")
        r = subprocess.run(cluster.dump_command(DATABASE, tmp), text=True, capture_output=True)
        if r.returncode:
            print(f"error: pg_dump failed: {r.stderr.strip()}", file=sys.stderr)
            return 1
        shutil.move(tmp, out)
        print(f"backup: {out}", file=sys.stderr)
        return 0
    if args.job == "down":
        Cluster.under(args.state.resolve()).stop()
        return 0
    return 2
