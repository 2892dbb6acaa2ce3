"""Executes ONE trainee notebook; runs inside the sandbox (bubblewrap) as a standalone script.

Protocol: started with the limits as JSON in argv[1] (``{"memory_mb": n, "max_output_chars": n}``), it starts
the kernel at once (so that the pipeline can start it ahead of time), then reads a JSON request on stdin
``{"notebook": nb, "cell_timeout": s, "notebook_timeout": s, "extract_at": [cell index, ...],
"extract_code": code, "answers_dir": name}`` and writes a JSON reply on the original stdout
``{"notebook": executed_nb, "status": "ok" | "dead_kernel" | "notebook_timeout" | "error", "message": str,
"truncated": [indices of cells whose output was capped], "phases": {...}}``; ``phases`` gives the seconds from
the executor's start at which the kernel was started, answered (``ready``, or ``ready_error``: why it did not
within its 60 s), had run the course's imports, and at which the request arrived and was done: where a grading
waited is then in its log.

The notebook it receives has no hidden tests (the grader removed them; they run outside this sandbox, see
autograder/checks.py). After each cell listed in ``extract_at`` it runs ``extract_code`` silently in the kernel
(not stored in the kernel's history), which writes the answer variables as JSON to ``answers_dir`` in the
scratch directory. Outputs are capped as they stream in (``max_output_chars`` per cell, the rest dropped and
the cell listed in ``truncated``); a slow output drain is never an error.

Only the standard library, nbclient and jupyter_client are imported (this file is bind-mounted alone into
the sandbox; the autograder package, the gradebook and the sources are not there). The executor and the
kernel die with their parent (``PR_SET_PDEATHSIG``); the executor is non-dumpable and the kernel's
stdout/stderr go to /dev/null, so trainee code cannot forge the reply.

Started as ``_executor.py --limited AS_BYTES FSIZE_BYTES -- cmd...`` it is the kernel launcher: it sets the
address-space and file-size limits and then execs the kernel command.
"""

from __future__ import annotations

import json
import os
import signal
import sys
import threading
import time

ERROR_ON_TIMEOUT = {
    "ename": "CellTimeoutError",
    "evalue": "",
    "traceback": ["\x1b[0;31mCellTimeoutError\x1b[0m: No reply from kernel before timeout"],
}


POLL_SLICE = 1.0  # seconds
CLOCK = time.monotonic


def poll_in_slices() -> None:
    """Make asynchronous kernel channels wait for a message at most ``POLL_SLICE`` s per poll.

    pyzmq's asyncio poller can miss the wake-up of a message that has already arrived (zeromq/pyzmq#1558,
    #2173): nbclient then waits out the whole cell timeout for a reply that sits unread (seen here as a
    grading whose notebook took 60 s, the cell timeout, with right scores, and as a book build waiting 300 s).
    Each new poll first looks at the socket's pending events, so polling in slices bounds a lost wake-up to a
    slice; the caller's timeout still holds overall. The book build uses this function too
    (book/_ext/execution_cache.py)."""
    from queue import Empty

    from jupyter_client.channels import AsyncZMQSocketChannel

    original = AsyncZMQSocketChannel.get_msg
    if getattr(original, "sliced", False):
        return

    async def get_msg(self, timeout: float | None = None) -> dict:
        deadline = None if timeout is None else CLOCK() + timeout
        while True:
            left = POLL_SLICE if deadline is None else max(0.0, min(POLL_SLICE, deadline - CLOCK()))
            try:
                return await original(self, timeout=left)
            except Empty:
                if deadline is not None and CLOCK() >= deadline:
                    raise

    get_msg.sliced = True  # type: ignore[attr-defined]
    get_msg.__doc__ = original.__doc__
    AsyncZMQSocketChannel.get_msg = get_msg  # type: ignore[method-assign]


def _limited(argv: list[str]) -> None:
    import resource

    as_bytes, fsize = int(argv[0]), int(argv[1])
    cmd = argv[argv.index("--") + 1 :]
    die_with_parent()
    if as_bytes > 0:
        resource.setrlimit(resource.RLIMIT_AS, (as_bytes, as_bytes))
    if fsize > 0:
        resource.setrlimit(resource.RLIMIT_FSIZE, (fsize, fsize))
    devnull = os.open(os.devnull, os.O_RDWR)
    os.dup2(devnull, 0)
    os.dup2(devnull, 1)
    os.dup2(devnull, 2)
    os.execv(cmd[0], cmd)


def die_with_parent() -> None:
    """Ask the kernel to SIGKILL this process when its parent dies (Linux ``PR_SET_PDEATHSIG``)."""
    try:
        import ctypes

        ctypes.CDLL(None).prctl(1, signal.SIGKILL, 0, 0, 0)  # PR_SET_PDEATHSIG = 1
    except Exception:  # pragma: no cover - non-Linux
        pass


def _make_nondumpable() -> None:
    try:
        import ctypes

        ctypes.CDLL(None).prctl(4, 0, 0, 0, 0)  # PR_SET_DUMPABLE = 4
    except Exception:  # pragma: no cover - non-Linux
        pass


def _kill_other_processes() -> None:
    """SIGKILL every descendant of this process (the kernel and whatever the trainee's code started)."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as fh:
                    ppid = int(fh.read().rsplit(")", 1)[1].split()[1])
            except (OSError, ValueError, IndexError):
                continue
            children.setdefault(ppid, []).append(int(entry))
    todo, victims = [os.getpid()], []
    while todo:
        for child in children.get(todo.pop(), []):
            victims.append(child)
            todo.append(child)
    for pid in victims:
        try:
            os.kill(pid, signal.SIGKILL)
        except OSError:
            pass


def main(argv: list[str]) -> int:
    t0 = time.monotonic()
    phases: dict = {}

    def mark(name: str) -> None:
        phases[name] = round(time.monotonic() - t0, 2)

    _make_nondumpable()
    die_with_parent()
    reply_fd = os.dup(1)  # non-inheritable: the kernel never gets it
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 1)
    limits = json.loads(argv[0]) if argv else {}

    # jsonschema (via nbformat) imports rfc3987_syntax when installed, which takes >1 s to build a grammar for an
    # IRI format check notebooks never use: skip it (jsonschema treats it as not installed).
    sys.modules.setdefault("rfc3987_syntax", None)
    import nbformat
    from jupyter_client.manager import AsyncKernelManager
    from nbclient import NotebookClient
    from nbclient.exceptions import DeadKernelError
    from nbclient.util import run_sync
    from nbformat import NotebookNode

    poll_in_slices()  # a lost wake-up costs a second, not the cell timeout

    as_bytes = int(limits.get("memory_mb", 0)) * 1024 * 1024
    fsize = 256 * 1024 * 1024
    max_chars = int(limits.get("max_output_chars", 20000))

    class LimitedKernelManager(AsyncKernelManager):
        def format_kernel_cmd(self, extra_arguments=None):
            cmd = super().format_kernel_cmd(extra_arguments)
            me = os.path.abspath(__file__)
            return [sys.executable, me, "--limited", str(as_bytes), str(fsize), "--", *cmd]

    # Start the kernel while waiting for the notebook (this process is started ahead of time).
    extra = ["--HistoryManager.hist_file=:memory:"]
    km = LimitedKernelManager(kernel_name="python3")
    try:
        run_sync(km.start_kernel)(extra_arguments=extra, cwd=os.getcwd())
        mark("kernel_started")
    except Exception as exc:  # noqa: BLE001 - nbclient will try again with the notebook's kernel
        phases["kernel_error"] = f"{type(exc).__name__}: {exc}"[:300]
        km = None
    if km is not None and limits.get("preimport"):
        _preimport(km, limits["preimport"], run_sync, mark, phases)
    mark("waiting")
    try:
        request = json.load(sys.stdin)
    except ValueError:  # the pipeline went away without a job
        _kill_other_processes()
        return 0
    mark("request")
    os.dup2(os.open(os.devnull, os.O_RDONLY), 0)
    wanted_kernel = request["notebook"].get("metadata", {}).get("kernelspec", {}).get("name", "python3")
    if km is not None and wanted_kernel != "python3":
        run_sync(km.shutdown_kernel)(now=True)
        km = None

    truncated: set[int] = set()
    extract_at = set(request.get("extract_at", []))
    extract_code = request.get("extract_code", "")
    answers_dir = request.get("answers_dir", ".autograder-answers")

    class Client(NotebookClient):
        def output(self, outs, msg, display_id, cell_index):
            if cell_index in truncated:
                return None
            out = super().output(outs, msg, display_id, cell_index)
            size = sum(len(json.dumps(o)) for o in outs)
            if size > max_chars:
                truncated.add(cell_index)
                last = outs[-1] if outs else None
                budget = max(0, max_chars - (size - len(json.dumps(last))) - 200) if last else 0
                if last is not None and last.get("output_type") == "stream":
                    last["text"] = last["text"][:budget]
                elif last is not None and "data" in last:
                    last["data"] = {"text/plain": str(last["data"].get("text/plain", ""))[:budget]}
                elif last is not None and last.get("output_type") == "error":
                    last["evalue"] = str(last.get("evalue", ""))[:budget]
                    last["traceback"] = [str(t)[:budget] for t in last.get("traceback", [])[-3:]]
                note = f"\n[output truncated by the autograder after {max_chars} characters]\n"
                outs.append(NotebookNode(output_type="stream", name="stdout", text=note))
            return out

        def on_cell_executed_hook(self, cell, execute_reply, **kw):
            # same as nbgrader's Execute.on_cell_executed: make sure an error reply shows as an error output
            if execute_reply["content"]["status"] == "error":
                ename = execute_reply["content"].get("ename")
                if not any(o.output_type == "error" and o.get("ename") == ename for o in cell.outputs):
                    out = NotebookNode(output_type="error")
                    out.ename = ename
                    out.evalue = execute_reply["content"].get("evalue", "")
                    out.traceback = execute_reply["content"].get("traceback") or [
                        "ERROR: An error occurred while showtraceback was disabled"
                    ]
                    cell.outputs.append(out)

        async def extract_hook(self, cell, cell_index, execute_reply, **kw):
            # after a test cell: the kernel writes the answer variables to the scratch directory (as data)
            self.on_cell_executed_hook(cell, execute_reply)
            if str(cell_index) not in extract_at:
                return
            path = os.path.join(os.getcwd(), answers_dir, f"{cell_index}.json")
            code = extract_code.replace("__PATH__", repr(path))
            msg_id = await _maybe_await(self.kc.execute(code, silent=True, store_history=False))
            try:
                await self.async_wait_for_reply(msg_id, cell)
            except Exception:  # noqa: BLE001 - no answers file: the grader counts the check as not run
                pass

    nb = nbformat.reads(json.dumps(request["notebook"]), as_version=4)
    client = Client(
        nb,
        km=km,
        timeout=int(request.get("cell_timeout", 30)),
        interrupt_on_timeout=True,
        allow_errors=True,
        # outputs are capped as they arrive (Client.output) and no grade depends on them: a slow drain after a
        # flood of output (a loaded machine) is not an error
        raise_on_iopub_timeout=False,
        iopub_timeout=10,
        error_on_timeout=ERROR_ON_TIMEOUT,
        kernel_manager_class=LimitedKernelManager,
        resources={"metadata": {"path": os.getcwd()}},
        extra_arguments=extra,
        shutdown_kernel="immediate",
    )
    client.on_cell_executed = client.extract_hook

    status, message = "ok", ""
    expired = threading.Event()

    def expire():
        expired.set()
        _kill_other_processes()

    timer = threading.Timer(float(request.get("notebook_timeout", 600)), expire)
    timer.daemon = True
    timer.start()
    try:
        client.execute()
    except DeadKernelError as exc:
        status, message = (
            ("notebook_timeout", "notebook time limit reached")
            if expired.is_set()
            else (
                "dead_kernel",
                f"the kernel died: {exc}",
            )
        )
    except Exception as exc:  # noqa: BLE001 - everything is reported to the pipeline
        status = "notebook_timeout" if expired.is_set() else "error"
        message = f"{type(exc).__name__}: {exc}"[:2000]
    finally:
        timer.cancel()
    mark("executed")
    reply = json.dumps(
        {
            "notebook": nb,
            "status": status,
            "message": message,
            "truncated": sorted(truncated),
            "phases": phases,
        }
    )
    with os.fdopen(reply_fd, "w") as fh:
        fh.write(reply)
    _kill_other_processes()
    return 0


def _preimport(km, code: str, run_sync, mark, phases: dict) -> None:
    """Run the course's import statements silently in the fresh kernel (inside a function: no name is bound)."""
    kc = km.client()
    kc.start_channels()
    try:
        try:
            run_sync(kc.wait_for_ready)(timeout=60)
            mark("ready")
        except Exception as exc:  # noqa: BLE001 - named in the phases: the grading log shows it
            phases["ready_error"] = f"{type(exc).__name__}: {exc}"[:300]
            raise
        msg_id = kc.execute(code, silent=True, store_history=False)
        while True:
            reply = run_sync(kc.get_shell_msg)(timeout=120)
            if reply.get("parent_header", {}).get("msg_id") == msg_id:
                break
        mark("preimported")
    except Exception as exc:  # noqa: BLE001 - the notebook imports what it needs anyway
        phases.setdefault("preimport_error", f"{type(exc).__name__}: {exc}"[:300])
    finally:
        kc.stop_channels()


async def _maybe_await(value):
    import inspect

    return await value if inspect.isawaitable(value) else value


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--limited":
        _limited(sys.argv[2:])
    sys.exit(main(sys.argv[1:]))
