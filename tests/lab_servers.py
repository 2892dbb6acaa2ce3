"""Start and stop JupyterLab servers and a headless chromium for the browser tests (``tests/test_browser_lab.py``).

Every server runs from the venv that runs pytest, on 127.0.0.1 with a free port and a random token, in its own
process group, with ``JUPYTER_CONFIG_DIR``/``JUPYTER_DATA_DIR``/``JUPYTER_RUNTIME_DIR`` and ``HOME`` inside a temp
directory, so nothing from the machine's user config leaks in. ``JUPYTER_PLATFORM_DIRS=1`` keeps the venv's
``share/jupyter`` (kernelspec, lab extensions) and ``etc/jupyter`` (server extensions) on the search path.
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

BIN = Path(sys.executable).parent
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
]
VIEWPORT = {"width": 1280, "height": 800}

# nbgrader 0.9.6's formgrader grading page (templates/formgrade/index.html.j2) calls nbconvert's ``mathjax()``
# macro without an argument, so it always loads MathJax 2.7.7 from cdnjs; the ``mathjax_url`` setting is not used
# there. The course runs offline, so the request is blocked (``loopback_only``). Consequence, documented in the
# trainers' first-hour guide: TeX in a written answer shows as source on the grading page. Grading and comments are
# unaffected (the trainer test proves they land in the gradebook).
FORMGRADER_MATHJAX = "https://cdnjs.cloudflare.com/ajax/libs/mathjax/2.7.7/"

# Page errors that are not faults of the course's setup: (substring of the message, why). Nothing else is filtered.
BENIGN_CONSOLE_ERRORS: list[tuple[str, str]] = [
    (
        "uncaught: MathJax is not defined",
        "formgrader's inline MathJax config runs after the blocked CDN script",
    ),
]
# Off-loopback requests that are blocked but expected: (URL prefix, why).
EXPECTED_BLOCKED: list[tuple[str, str]] = [
    (FORMGRADER_MATHJAX, "nbgrader's formgrade template hard-codes MathJax from cdnjs"),
]

# Console *warnings* that mean an extension was built against other JupyterLab packages than the page provides
# (webpack module federation). This is how "listed by `jupyter labextension list` but broken in the page" shows:
# singletons are used anyway with a warning, non-singletons fail. They count as errors here.
SHARED_MODULE_MISMATCH = (
    "Unsatisfied version",
    "No satisfying version",
    "does not satisfy the requirement",
    "Failed to create module",
)


@contextlib.contextmanager
def launched_browser():
    """Debian's headless chromium under playwright, closed on exit (the browser tests' shared fixture body)."""
    assert Path(CHROMIUM).is_file(), f"{CHROMIUM} missing: run `make browser-deps` (apt-get install chromium)"
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        try:
            yield browser
        finally:
            browser.close()


def free_port() -> int:
    """A TCP port on 127.0.0.1 that was free a moment ago."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def isolated_env(base: Path) -> dict[str, str]:
    """Environment for a Jupyter process whose user-level dirs all live under ``base``."""
    env = dict(os.environ)
    for var in ("JUPYTER_PATH", "JUPYTER_CONFIG_PATH", "JUPYTERLAB_DIR", "JUPYTERLAB_SETTINGS_DIR"):
        env.pop(var, None)
    dirs = {
        "JUPYTER_CONFIG_DIR": base / "jupyter-config",
        "JUPYTER_DATA_DIR": base / "jupyter-data",
        "JUPYTER_RUNTIME_DIR": base / "jupyter-runtime",
        "IPYTHONDIR": base / "ipython",
        "HOME": base / "home",
    }
    for path in dirs.values():
        path.mkdir(parents=True, exist_ok=True)
    env.update({k: str(v) for k, v in dirs.items()})
    env.update(
        JUPYTER_PLATFORM_DIRS="1",
        PATH=f"{BIN}{os.pathsep}{env.get('PATH', '')}",
        PYDEVD_DISABLE_FILE_VALIDATION="1",
        MPLBACKEND="Agg",
    )
    # The "get Jupyter news?" toast would cover the page in every screenshot and fetch from the internet.
    labconfig = dirs["JUPYTER_CONFIG_DIR"] / "labconfig"
    labconfig.mkdir(exist_ok=True)
    (labconfig / "page_config.json").write_text(
        json.dumps({"disabledExtensions": {"@jupyterlab/apputils-extension:announcements": True}})
    )
    return env


@dataclass
class LabServer:
    """A running ``jupyter lab`` process and how to reach it."""

    proc: subprocess.Popen
    port: int
    token: str
    root: Path
    env: dict[str, str]
    log: Path

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def url(self, path: str = "lab") -> str:
        sep = "&" if "?" in path else "?"
        return f"{self.base}/{path.lstrip('/')}{sep}token={self.token}"

    def log_tail(self, chars: int = 4000) -> str:
        return self.log.read_text(errors="replace")[-chars:] if self.log.exists() else ""

    def run(self, *args: str, cwd: Path | None = None, timeout: float = 120) -> subprocess.CompletedProcess:
        """Run a command of the venv (e.g. ``nbgrader``) with this server's environment; fail loudly."""
        res = subprocess.run(
            [str(BIN / args[0]), *args[1:]],
            cwd=cwd or self.root,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=timeout,
        )
        if res.returncode != 0:
            raise RuntimeError(f"{' '.join(args)} failed ({res.returncode}):\n{res.stdout}\n{res.stderr}")
        return res

    def stop(self) -> None:
        """Terminate the server's whole process group (kernels included)."""
        if self.proc.poll() is not None:
            return
        try:
            os.killpg(self.proc.pid, signal.SIGTERM)
            self.proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(timeout=5)
        except ProcessLookupError:
            pass


def start_lab(base: Path, root: Path, extra_args: list[str] | None = None, timeout: float = 90) -> LabServer:
    """Start ``jupyter lab`` serving ``root`` (also its cwd, where nbgrader looks for nbgrader_config.py)."""
    port, token = free_port(), secrets.token_hex(16)
    cmd = [
        str(BIN / "jupyter"),
        "lab",
        "--no-browser",
        "--allow-root",
        "--ip=127.0.0.1",
        f"--port={port}",
        "--ServerApp.port_retries=0",
        f"--IdentityProvider.token={token}",
        f"--ServerApp.root_dir={root}",
        *(extra_args or []),
    ]
    return start_server(base, root, cmd, port, token, timeout)


def start_make_target(
    base: Path, repo: Path, target: str, root: Path, make_vars: dict[str, str], timeout: float = 120
) -> LabServer:
    """Start a Makefile target that runs a Jupyter server (e.g. ``make formgrader``) as a user types it, with a free
    port and a token passed through the target's ``ARGS``; ``root`` is the directory it serves."""
    port, token = free_port(), secrets.token_hex(16)
    args = f"--port={port} --ServerApp.port_retries=0 --IdentityProvider.token={token}"
    cmd = [
        "make",
        "--no-print-directory",
        "-C",
        str(repo),
        target,
        *(f"{k}={v}" for k, v in make_vars.items()),
    ]
    return start_server(base, root, [*cmd, f"ARGS={args}"], port, token, timeout, cwd=repo)


def start_server(
    base: Path, root: Path, cmd: list[str], port: int, token: str, timeout: float, cwd: Path | None = None
) -> LabServer:
    """Run ``cmd`` in its own process group with an isolated Jupyter environment; wait until it answers."""
    env = isolated_env(base)
    log = base / "jupyter-lab.log"
    with open(log, "wb") as out:
        proc = subprocess.Popen(
            cmd, cwd=cwd or root, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )
    server = LabServer(proc=proc, port=port, token=token, root=root, env=env, log=log)
    deadline = time.monotonic() + timeout
    while True:
        if proc.poll() is not None:
            raise RuntimeError(f"{cmd[0]} exited with {proc.returncode}:\n{server.log_tail()}")
        try:
            with urllib.request.urlopen(server.url("api/status"), timeout=2) as resp:
                if resp.status == 200:
                    return server
        except OSError:
            pass
        if time.monotonic() > deadline:
            server.stop()
            raise RuntimeError(f"{' '.join(cmd)} did not answer within {timeout}s:\n{server.log_tail()}")
        time.sleep(0.25)


@dataclass
class PageLog:
    """Console errors, uncaught exceptions and off-loopback requests seen by the pages of one browser context."""

    errors: list[str] = field(default_factory=list)
    foreign: list[str] = field(default_factory=list)

    def watch(self, page) -> None:
        page.on("console", self._console)
        page.on("pageerror", lambda exc: self._error(f"uncaught: {exc}"))

    def _console(self, msg) -> None:
        source = (msg.location or {}).get("url", "")
        if msg.type == "error" and any(source.startswith(url) for url, _why in EXPECTED_BLOCKED):
            return  # "Failed to load resource" for a request that loopback_only blocked on purpose
        if msg.type == "error":
            self._error(f"console: {msg.text}")
        elif msg.type == "warning" and any(p in msg.text for p in SHARED_MODULE_MISMATCH):
            self._error(f"console warning (extension built for other JupyterLab packages): {msg.text}")

    def _error(self, text: str) -> None:
        if not any(pattern in text for pattern, _why in BENIGN_CONSOLE_ERRORS):
            self.errors.append(text)

    def take(self) -> list[str]:
        """The errors so far (and forget them), so each test asserts on its own."""
        out, self.errors = self.errors, []
        return out


def loopback_only(context, base: str, log: PageLog) -> None:
    """Abort (and record) every request that leaves the lab server: the course must work offline."""
    netloc = urlsplit(base).netloc

    def route(route_, request):
        if urlsplit(request.url).netloc == netloc or request.url.startswith(("data:", "blob:")):
            route_.continue_()
        else:
            if not any(request.url.startswith(url) for url, _why in EXPECTED_BLOCKED):
                log.foreign.append(request.url)
            route_.abort()

    context.route("**/*", route)
