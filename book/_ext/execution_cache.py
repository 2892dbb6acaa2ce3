"""Sphinx extension: key the worked examples' execution cache on what they compute with, not only their code.

jupyter-cache reuses a notebook's outputs while the notebook's code cells are unchanged. The worked examples,
though, only *call* ``clusterkit`` on the case data: after a change to ``src/clusterkit`` or to a case's
``data/`` the cached figures and tables would be stale. So the cache lives in
``_build/.jupyter_cache/<digest of those files>``; a change to any of them starts a fresh cache (every worked
example runs again, once), and older caches are removed. An unchanged rebuild still re-executes nothing. Each
language of the book has its own cache (``_build/tr/.jupyter_cache-tr/…`` for the Turkish one, whose figures speak
Turkish): an edition never shows another's outputs.

It also keeps the figures: the kernels that execute the notebooks inherit this process's environment, and
``MPLBACKEND=Agg`` (which the Makefile exports so tests never open windows) would make ``plt.show()`` in a
kernel display nothing. For the build the kernels get matplotlib's inline backend instead.

And it keeps a lost wake-up from costing the whole cell timeout: pyzmq's asyncio poller can miss the event of a
message that has already arrived (zeromq/pyzmq#1558, #2173), and nbclient then waits the full 300 s for a kernel
reply that sits unread. Seen here in about one cold Turkish build in three (the value-chains worked example, after
its widget cell); the kernel was idle and the build went on with every output once the wait ended. The build's
kernel clients therefore wait for a message in slices of at most a second: each new poll first looks at the
socket's pending events, so a missed wake-up costs at most a second, and the cell timeout still holds overall.
"""

from __future__ import annotations

import hashlib
import importlib.util
import os
import shutil
from pathlib import Path
from typing import Any

INPUTS = ("src/clusterkit/**/*", "cases/*/data/**/*")
INLINE = "module://matplotlib_inline.backend_inline"
# bump when the way notebooks are executed changes (e.g. 2: inline figures), so older caches are dropped
EXECUTION_VERSION = b"2"


def inputs_digest(root: Path) -> str:
    """SHA-256 (first 16 hex digits) over the paths and bytes of every file the worked examples depend on."""
    digest = hashlib.sha256(EXECUTION_VERSION + b"\0")
    files = sorted(
        {p for pattern in INPUTS for p in root.glob(pattern) if p.is_file() and "__pycache__" not in p.parts}
    )
    for path in files:
        digest.update(path.relative_to(root).as_posix().encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()[:16]


def _on_config_inited(app: Any, config: Any) -> None:
    if config.nb_execution_mode != "off" and os.environ.get("MPLBACKEND", INLINE) != INLINE:
        os.environ["MPLBACKEND"] = INLINE  # kernels started by this build show their figures
    if config.nb_execution_mode != "cache" or config.nb_execution_cache_path:
        return  # another mode, or a cache path chosen explicitly
    from language_switch import language_of

    language = language_of(config)
    # beside the edition's doctrees (_build/.doctrees, _build/tr/.doctrees), outside the published site
    base = Path(app.doctreedir).parent / (
        ".jupyter_cache" if language == "en" else f".jupyter_cache-{language}"
    )
    key = inputs_digest(Path(app.srcdir))
    if base.is_dir():  # older caches (and a flat cache from before this extension) are of no further use
        for old in base.iterdir():
            if old.name != key:
                shutil.rmtree(old, ignore_errors=True) if old.is_dir() else old.unlink()
    config.nb_execution_cache_path = str(base / key)


def poll_in_slices() -> None:
    """The grader's own fix (autograder/_executor.py, one copy of it), loaded from its file."""
    path = Path(__file__).resolve().parents[2] / "autograder" / "_executor.py"
    spec = importlib.util.spec_from_file_location("_course_executor", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    module.poll_in_slices()


def setup(app: Any) -> dict[str, Any]:
    poll_in_slices()
    app.connect("config-inited", _on_config_inited)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
