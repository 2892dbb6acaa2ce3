"""Running one notebook's execution in a bubblewrap sandbox.

What the trainee's code sees inside the sandbox (``bwrap``):

* read-only: ``/usr`` (and the ``/bin``, ``/lib`` links), ``/etc/ld.so.cache``, ``/etc/localtime``,
  ``/etc/fonts``, the Python installation and the virtual environment, the ``clusterkit`` package and the cases
  folder it resolves to (:func:`clusterkit_paths`), and the executor script ``_executor.py`` (bound alone);
* read-write: a fresh scratch directory (also ``$HOME`` and ``/tmp`` is a private tmpfs) that holds only this
  submission's non-notebook files (the data files nbgrader copies next to the notebook);
* nothing else: not the gradebook, not ``source/`` or ``release/``, not ``submitted/`` or ``autograded/``
  (no trainee's notebooks at all, its own included: it arrives through a pipe), not the repository.
* no network (``--unshare-net``), its own PID/IPC/UTS namespaces, no capabilities, an unprivileged uid,
  killed with the grading process (``--die-with-parent``).

The notebook arrives without hidden tests (they run outside the sandbox, autograder/checks.py). Limits: time and
memory (executor), at most MAX_PIDS processes and one core through cgroups where they can be written, and every
process dies with the grading process (``PR_SET_PDEATHSIG``, ``--die-with-parent``, the PID namespace).

Without bubblewrap the pipeline refuses to run unless ``--no-sandbox`` is given; then the executor runs as a
plain subprocess with the same time, memory and output limits but WITHOUT file-system isolation.
"""

from __future__ import annotations

import atexit
import functools
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from autograder.checks import ANSWERS_DIR, read_answers

EXECUTOR = Path(__file__).resolve().with_name("_executor.py")
SANDBOX_EXECUTOR = "/opt/autograder/_executor.py"


def bwrap_path() -> str | None:
    """The bubblewrap executable: ``$AUTOGRADER_BWRAP`` if set, else ``bwrap`` on the PATH."""
    return shutil.which(os.environ.get("AUTOGRADER_BWRAP", "bwrap"))


@functools.lru_cache(maxsize=1)
def bwrap_works() -> bool:
    """True if bubblewrap is installed and can create a sandbox here (user namespaces allowed)."""
    exe = bwrap_path()
    if not exe:
        return False
    scratch = Path(tempfile.mkdtemp(prefix="autograder-probe-"))
    try:
        probe = subprocess.run([*bwrap_command(scratch), "true"], capture_output=True, timeout=30)
    except (OSError, subprocess.TimeoutExpired):
        return False
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    return probe.returncode == 0


def _ro_paths() -> list[str]:
    paths = {sys.prefix, sys.base_prefix, os.path.realpath(sys.base_prefix)}
    paths.update(str(p) for p in clusterkit_paths())
    for p in ("/etc/ld.so.cache", "/etc/localtime", "/etc/fonts", "/etc/alternatives", "/etc/ssl"):
        if os.path.exists(p):
            paths.add(p)
    # /usr first; skip paths under /usr (already there)
    return sorted(p for p in paths if p and os.path.exists(p) and not p.startswith("/usr/"))


def clusterkit_paths() -> list[Path]:
    """The code and data ``clusterkit`` resolves to here: its package folder and its cases folder.

    Mounted at the same paths, so that the trainee's kernel imports the same clusterkit and ``load_case`` finds
    the same data as the grading process, wherever the checkout or the installation is.
    """
    import clusterkit
    from clusterkit.data import cases_root

    paths = [Path(clusterkit.__file__).resolve().parent]
    try:
        paths.append(cases_root().resolve())
    except FileNotFoundError:  # pragma: no cover - no data installed: the exercises say so when they load
        pass
    return paths


def bwrap_command(scratch: Path) -> list[str]:
    cmd = [
        bwrap_path() or "bwrap",
        "--unshare-all",
        "--unshare-user",
        "--uid",
        "1000",
        "--gid",
        "1000",
        "--cap-drop",
        "ALL",
        "--die-with-parent",
        "--new-session",
        "--ro-bind",
        "/usr",
        "/usr",
    ]
    for name in ("bin", "sbin", "lib", "lib64", "lib32"):
        target = Path("/") / name
        if target.is_symlink():
            cmd += ["--symlink", os.readlink(target), str(target)]
        elif target.is_dir():
            cmd += ["--ro-bind", str(target), str(target)]
    # /tmp is a private tmpfs, mounted BEFORE the read-only binds: the venv, src/ and cases/ may themselves live
    # under /tmp (a CI clone), and a later tmpfs would hide them.
    cmd += ["--proc", "/proc", "--dev", "/dev", "--tmpfs", "/tmp"]
    for p in _ro_paths():
        cmd += ["--ro-bind", p, p]
    cmd += [
        "--ro-bind",
        str(EXECUTOR),
        SANDBOX_EXECUTOR,
        "--bind",
        str(scratch),
        str(scratch),
        "--chdir",
        str(scratch),
    ]
    return cmd


def sandbox_env(scratch: Path) -> dict[str, str]:
    from clusterkit.data import CASES_ENV, cases_root

    home = scratch / ".home"
    home.mkdir(exist_ok=True)
    env = {
        "HOME": str(home),
        "PATH": f"{Path(sys.executable).parent}:/usr/bin:/bin",
        "LANG": "C.UTF-8",
        "MPLBACKEND": "Agg",
        "MPLCONFIGDIR": str(home / ".mpl"),
        "JUPYTER_PLATFORM_DIRS": "1",
        "JUPYTER_RUNTIME_DIR": str(home / ".runtime"),
        "JUPYTER_DATA_DIR": str(Path(sys.prefix) / "share" / "jupyter"),
        "IPYTHONDIR": str(home / ".ipython"),
        "PYDEVD_DISABLE_FILE_VALIDATION": "1",
        "OPENBLAS_NUM_THREADS": "1",
        "OMP_NUM_THREADS": "1",
        "MKL_NUM_THREADS": "1",
        "PYTHONHASHSEED": "0",
        "PYTHONDONTWRITEBYTECODE": "1",
        "NBGRADER_EXECUTION": "autograde",
    }
    if sys.prefix != sys.base_prefix:
        env["VIRTUAL_ENV"] = sys.prefix
    try:  # the kernel loads exactly the data the grading process loads (the same folder, mounted read-only)
        env[CASES_ENV] = str(cases_root().resolve())
    except FileNotFoundError:  # pragma: no cover
        pass
    return env


# Limits of one sandbox (kernel, its children, a fork bomb) through cgroups, where the cgroup file system lets
# the grading process make them: at most MAX_PIDS processes and one core of CPU time (cgroup v1 ``pids`` and
# ``cpu`` hierarchies, or a v2 group with both). Elsewhere only the time limits and the PID namespace bound them.
MAX_PIDS = 256
CPU_QUOTA = "100000"  # microseconds per 100 ms period: one core
CGROUP_LAYOUTS = (
    (
        ("/sys/fs/cgroup/pids", {"pids.max": str(MAX_PIDS)}),
        ("/sys/fs/cgroup/cpu", {"cpu.cfs_quota_us": CPU_QUOTA}),
    ),
    (("/sys/fs/cgroup", {"pids.max": str(MAX_PIDS), "cpu.max": f"{CPU_QUOTA} 100000"}),),
)
RUN_ID = os.getpid()  # the grading process (pool workers are forked from it): names this run's cgroups


def remove_stale_cgroups(own: bool = False) -> None:
    """Remove the cgroups of grading runs that no longer exist (a run killed with SIGKILL leaves them empty);
    with ``own``, also this run's (at its end, when its workers are gone), killing what is left in them."""
    for layout in CGROUP_LAYOUTS:
        for root, _ in layout:
            for path in Path(root).glob("autograder-*-*"):
                try:
                    owner = int(path.name.split("-")[1])
                except ValueError:
                    continue
                if (own and owner == RUN_ID) or (owner != RUN_ID and not Path(f"/proc/{owner}").exists()):
                    _remove_cgroup(path)


def _sandbox_cgroups() -> list[Path]:
    """Fresh cgroups with the sandbox limits (the first layout this system allows), or [] where none can be made."""
    name = f"autograder-{RUN_ID}-{os.urandom(4).hex()}"
    for layout in CGROUP_LAYOUTS:
        made: list[Path] = []
        try:
            for root, settings in layout:
                base = Path(root)
                if not (base / "cgroup.procs").exists() or not os.access(base, os.W_OK):
                    raise OSError(f"{root} not writable")
                (base / name).mkdir()
                made.append(base / name)
                for key, value in settings.items():
                    (base / name / key).write_text(value)
            return made
        except OSError:
            for path in made:
                _remove_cgroup(path)
    return []


def _remove_cgroup(path: Path | None) -> None:
    """SIGKILL whatever is left in the cgroup, then remove it."""
    if path is None:
        return
    for _ in range(50):
        try:
            pids = [int(p) for p in (path / "cgroup.procs").read_text().split()]
        except OSError:
            return
        if not pids:
            break
        for pid in pids:
            try:
                os.kill(pid, signal.SIGKILL)
            except OSError:
                pass
        time.sleep(0.02)
    try:
        path.rmdir()
    except OSError:
        pass


def _child_setup(cgroups: list[Path]):
    """preexec_fn: join the sandbox's cgroups; SIGKILL when the grading process dies (PR_SET_PDEATHSIG)."""

    def setup() -> None:
        import ctypes

        for cgroup in cgroups:
            with open(cgroup / "cgroup.procs", "w") as fh:
                fh.write(str(os.getpid()))
        ctypes.CDLL(None).prctl(1, signal.SIGKILL, 0, 0, 0)

    return setup


# Scratch directories go under this folder when set (the autograde job makes one per run and removes it).
SCRATCH_ROOT: str | None = None
# One executor started ahead of time per process, keyed by its limits: its Python imports and kernel start-up
# overlap with nbgrader's work on the previous and next submission.
_WARM: dict[tuple, tuple[subprocess.Popen, Path]] = {}


def _start_executor(
    sandbox: bool, memory_mb: int, max_output_chars: int, preimport: str = ""
) -> tuple[subprocess.Popen, Path]:
    scratch = Path(tempfile.mkdtemp(prefix="autograder-scratch-", dir=SCRATCH_ROOT))
    env = sandbox_env(scratch)
    limits = json.dumps(
        {"memory_mb": memory_mb, "max_output_chars": max_output_chars, "preimport": preimport}
    )
    if sandbox:
        cmd = [*bwrap_command(scratch), "--clearenv"]
        for k, v in env.items():
            cmd += ["--setenv", k, v]
        cmd += [sys.executable, SANDBOX_EXECUTOR, limits]
        popen_env = None
    else:
        cmd = [sys.executable, str(EXECUTOR), limits]
        popen_env = env
    cgroups = _sandbox_cgroups()
    proc = subprocess.Popen(
        cmd,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        cwd=scratch,
        env=popen_env,
        start_new_session=True,
        preexec_fn=_child_setup(cgroups),
    )
    proc.cgroups = cgroups
    proc.started_at = time.monotonic()
    return proc, scratch


def _discard(proc: subprocess.Popen, scratch: Path) -> None:
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except OSError:
        pass
    for cgroup in getattr(proc, "cgroups", []):
        _remove_cgroup(cgroup)
    try:
        proc.communicate(timeout=10)
    except (subprocess.TimeoutExpired, ValueError, OSError):
        pass
    shutil.rmtree(scratch, ignore_errors=True)


def discard_warm() -> None:
    """Stop the executors started ahead of time (end of a run)."""
    while _WARM:
        _discard(*_WARM.popitem()[1])


atexit.register(discard_warm)


def execute_notebook(
    nb: dict,
    data_dir: Path | None,
    *,
    cell_timeout: int,
    notebook_timeout: int,
    memory_mb: int,
    max_output_chars: int,
    sandbox: bool,
    extract_at: list[int] = (),
    extract_code: str = "",
    preimport: str = "",
    prestart_next: bool = False,
) -> dict:
    """Execute notebook ``nb`` (a dict) in a fresh scratch directory; return the executor's reply.

    The kernel is started ahead of time and runs ``preimport`` (the course's import statements, see
    :func:`autograder.checks.preimport_code`) before the notebook arrives. ``data_dir``'s files other than notebooks are copied into the scratch directory first. The reply is
    ``{"notebook", "status", "message", "truncated", "answers"}``; ``answers`` holds the answer files the
    kernel wrote after the cells ``extract_at`` ran (``extract_code``), read here as text. When the executor itself could not answer (killed at the
    hard time limit, crashed), ``notebook`` is None and ``status`` says why. With ``prestart_next`` the executor
    for the next notebook (same limits) is started before returning.
    """
    key = (sandbox, memory_mb, max_output_chars, preimport)
    t_call = time.monotonic()
    warm = _WARM.pop(key, None)
    was_warm = warm is not None and warm[0].poll() is None
    if was_warm:
        proc, scratch = warm
    else:
        if warm is not None:
            _discard(*warm)
        proc, scratch = _start_executor(*key)
    # where the time went (the executor's own phases are seconds since its start; ``age`` is how long it had been
    # running when this notebook was handed to it: phases["request"] - age is the wait for its kernel)
    timing = {"warm": was_warm, "age": round(max(0.0, t_call - getattr(proc, "started_at", t_call)), 2)}
    try:
        if data_dir is not None and data_dir.is_dir():
            for f in data_dir.rglob("*"):
                rel = f.relative_to(data_dir)
                if f.is_file() and f.suffix != ".ipynb" and not any(p.startswith(".") for p in rel.parts):
                    (scratch / rel).parent.mkdir(parents=True, exist_ok=True)
                    shutil.copy2(f, scratch / rel)
        request = json.dumps(
            {
                "notebook": nb,
                "cell_timeout": cell_timeout,
                "notebook_timeout": notebook_timeout,
                "extract_at": [str(i) for i in extract_at],
                "extract_code": extract_code,
                "answers_dir": ANSWERS_DIR,
            }
        )
        try:
            out, err = proc.communicate(request.encode(), timeout=notebook_timeout + 90)
        except subprocess.TimeoutExpired:
            return {
                "notebook": None,
                "status": "notebook_timeout",
                "message": "killed at the hard time limit",
                "phases": {**timing, "call": round(time.monotonic() - t_call, 2)},
            }
        try:
            reply = json.loads(out.decode("utf-8"))
            reply["answers"] = read_answers(scratch)
            reply["phases"] = {
                **timing,
                **(reply.get("phases") or {}),
                "call": round(time.monotonic() - t_call, 2),
            }
            return reply
        except (ValueError, UnicodeDecodeError, TypeError):
            tail = err.decode("utf-8", "replace")[-1500:]
            return {
                "notebook": None,
                "status": "executor_failed",
                "message": f"the executor exited with code {proc.returncode}: {tail}",
                "phases": {**timing, "call": round(time.monotonic() - t_call, 2)},
            }
    finally:
        _discard(proc, scratch)
        if prestart_next:
            _WARM[key] = _start_executor(*key)
