"""Executes ONE trainee notebook; runs inside the sandbox (bubblewrap) as a standalone script.

Protocol: started with the limits as JSON in argv[1] (``{"memory_mb": n, "max_output_chars": n}``), it starts
the kernel at once (so that the pipeline can start it ahead of time), then reads a JSON request on stdin
``{"notebook": nb, "cell_timeout": s, "notebook_timeout": s, "guard": bool}`` and writes a JSON reply on the
original stdout
``{"notebook": executed_nb, "status": "ok" | "dead_kernel" | "notebook_timeout" | "error", "message": str,
"patched": [names restored by the guard]}``.

Only the standard library, nbclient and jupyter_client are imported (this file is bind-mounted alone into
the sandbox; the autograder package, the gradebook and the sources are not there). The request (which holds the
hidden tests, injected by nbgrader) arrives through a pipe and is never written to a file; this process makes
itself non-dumpable so that the trainee's kernel cannot read its memory or file descriptors through /proc, and
the kernel's stdout/stderr go to /dev/null so it cannot forge the reply.

Started as ``_executor.py --limited AS_BYTES FSIZE_BYTES -- cmd...`` it is the kernel launcher: it sets the
address-space and file-size limits and then execs the kernel command.
"""

from __future__ import annotations

import json
import os
import signal
import sys
import threading

ERROR_ON_TIMEOUT = {
    "ename": "CellTimeoutError",
    "evalue": "",
    "traceback": ["\x1b[0;31mCellTimeoutError\x1b[0m: No reply from kernel before timeout"],
}

# Executed silently in the kernel before the first cell: snapshot the modules tests rely on, so that the
# attributes a trainee replaces (monkeypatching) can be put back before each test cell runs.
GUARD_SETUP = r"""
def __autograder_guard_setup(names):
    import builtins, importlib, pkgutil, sys
    if "clusterkit" in names:
        try:
            import clusterkit
            names += ["clusterkit." + m.name for m in pkgutil.iter_modules(clusterkit.__path__)
                      if not m.name.startswith("_")]
        except Exception:
            pass
    snap = {}
    skip = {"input", "raw_input", "get_ipython", "display", "exit", "quit", "help", "copyright", "credits", "license"}
    def add(name, mod):
        if name in snap:
            return
        entries = {k: v for k, v in vars(mod).items() if not k.startswith("_") and not (name == "builtins" and k in skip)}
        classes = {}
        for k, v in entries.items():
            if isinstance(v, type) and getattr(v, "__module__", "").split(".")[0] == name.split(".")[0]:
                try:
                    classes[k] = (v, {a: b for a, b in vars(v).items() if not a.startswith("__")})
                except TypeError:
                    pass
        snap[name] = (mod, entries, classes)
    for name in names:
        try:
            add(name, importlib.import_module(name))
        except Exception:
            pass
    for name, mod in list(sys.modules.items()):
        if name.startswith("clusterkit.") and mod is not None:
            add(name, mod)
    missing = object()
    def check():
        changed = []
        for name, (mod, entries, classes) in snap.items():
            if sys.modules.get(name) is not mod:
                sys.modules[name] = mod
                changed.append(name)
            current = vars(mod)
            for k, v in entries.items():
                if current.get(k, missing) is not v:
                    changed.append(f"{name}.{k}")
                    try:
                        setattr(mod, k, v)
                    except Exception:
                        pass
            for k, (cls, attrs) in classes.items():
                cur = vars(cls)
                for a, b in attrs.items():
                    if cur.get(a, missing) is not b:
                        changed.append(f"{name}.{k}.{a}")
                        try:
                            setattr(cls, a, b)
                        except Exception:
                            pass
        return changed
    get_ipython().kernel._autograder_guard = check
__autograder_guard_setup(NAMES)
del __autograder_guard_setup
"""
# modules whose attributes the guard protects; the heavy ones only when the notebook imports them
ALWAYS_GUARDED = ["builtins", "math", "statistics", "operator"]
GUARDED_IF_USED = {
    "numpy": ["numpy", "numpy.testing"],
    "pandas": ["pandas", "pandas.testing", "pandas.api.types"],
    "clusterkit": ["clusterkit"],
}


def guard_setup_code(nb) -> str:
    import re

    text = "\n".join(c.source for c in nb.cells if c.cell_type == "code")
    names = list(ALWAYS_GUARDED)
    for top, mods in GUARDED_IF_USED.items():
        if re.search(rf"^\s*(?:import|from)\s+{top}\b", text, re.M):
            names += mods
    return GUARD_SETUP.replace("NAMES", repr(names))


GUARD_CHECK = "get_ipython().kernel._autograder_guard()"


def _limited(argv: list[str]) -> None:
    import resource

    as_bytes, fsize = int(argv[0]), int(argv[1])
    cmd = argv[argv.index("--") + 1 :]
    if as_bytes > 0:
        resource.setrlimit(resource.RLIMIT_AS, (as_bytes, as_bytes))
    if fsize > 0:
        resource.setrlimit(resource.RLIMIT_FSIZE, (fsize, fsize))
    devnull = os.open(os.devnull, os.O_RDWR)
    os.dup2(devnull, 0)
    os.dup2(devnull, 1)
    os.dup2(devnull, 2)
    os.execv(cmd[0], cmd)


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
    _make_nondumpable()
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
    except Exception:  # noqa: BLE001 - nbclient will try again with the notebook's kernel
        km = None
    try:
        request = json.load(sys.stdin)
    except ValueError:  # the pipeline went away without a job
        _kill_other_processes()
        return 0
    os.dup2(os.open(os.devnull, os.O_RDONLY), 0)
    wanted_kernel = request["notebook"].get("metadata", {}).get("kernelspec", {}).get("name", "python3")
    if km is not None and wanted_kernel != "python3":
        run_sync(km.shutdown_kernel)(now=True)
        km = None

    patched: list[str] = []
    truncated: set[int] = set()

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

        async def guard_hook(self, cell, cell_index, **kw):
            meta = cell.metadata.get("nbgrader", {})
            if not request.get("guard", True) or not meta.get("grade") or meta.get("solution"):
                return
            msg_id = await _maybe_await(
                self.kc.execute("", silent=True, store_history=False, user_expressions={"r": GUARD_CHECK})
            )
            reply = await self.async_wait_for_reply(msg_id, cell)
            expr = (reply or {}).get("content", {}).get("user_expressions", {}).get("r", {})
            if expr.get("status") == "ok":
                import ast

                try:
                    names = ast.literal_eval(expr["data"]["text/plain"])
                except (ValueError, SyntaxError, KeyError):
                    names = ["<guard output unreadable>"]
                patched.extend(n for n in names if n not in patched)
            elif expr:
                patched.append(f"<guard failed: {expr.get('ename')}>")

        async def start_hook(self, **kw):
            if request.get("guard", True):
                code = guard_setup_code(self.nb)
                msg_id = await _maybe_await(self.kc.execute(code, silent=True, store_history=False))
                await self.async_wait_for_reply(msg_id)

    nb = nbformat.reads(json.dumps(request["notebook"]), as_version=4)
    client = Client(
        nb,
        km=km,
        timeout=int(request.get("cell_timeout", 30)),
        interrupt_on_timeout=True,
        allow_errors=True,
        raise_on_iopub_timeout=True,
        error_on_timeout=ERROR_ON_TIMEOUT,
        kernel_manager_class=LimitedKernelManager,
        resources={"metadata": {"path": os.getcwd()}},
        extra_arguments=extra,
        shutdown_kernel="immediate",
    )
    client.on_cell_executed = client.on_cell_executed_hook
    client.on_cell_execute = client.guard_hook
    client.on_notebook_start = client.start_hook

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
    reply = json.dumps({"notebook": nb, "status": status, "message": message, "patched": patched})
    with os.fdopen(reply_fd, "w") as fh:
        fh.write(reply)
    _kill_other_processes()
    return 0


async def _maybe_await(value):
    import inspect

    return await value if inspect.isawaitable(value) else value


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--limited":
        _limited(sys.argv[2:])
    sys.exit(main(sys.argv[1:]))
