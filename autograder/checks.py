"""Hidden checks outside the trainee's interpreter.

The trainee's kernel runs the notebook with every test cell's hidden part removed (:func:`visible_part`); after
each test cell the executor runs :data:`EXTRACT_CODE` in the kernel, which writes the answer variables (the
variable of every answer cell, named like its grade id) to the sandbox's scratch directory as tagged JSON
(:func:`decode` reads it back; never pickle). Then, in the grading process, which never runs trainee code, each
test cell runs in full (visible and hidden checks) in a fresh namespace made of

* the course's own set-up code: the code cells of the SOURCE notebook that are neither answer nor test cells,
  reduced to those that define a name the test cells use, directly or through another set-up cell
  (:func:`setup_cells`; an explorer widget cell no check needs is left out), and
* the answer values as plain data (a ``DataFrame`` subclass becomes a plain ``DataFrame``).

The outcome (:class:`CheckResult`) is written back into the test cell as nbgrader expects it (no error output:
full points; an error output: zero), so that nbgrader's gradebook records the usual per-cell scores.
"""

from __future__ import annotations

import ast
import contextlib
import copy
import io
import json
import os
import re
import types
from dataclasses import dataclass, field
from typing import Any

HIDDEN_BLOCK = re.compile(
    r"^[ \t]*### BEGIN HIDDEN TESTS[^\n]*\n?(.*?)^[ \t]*### END HIDDEN TESTS[^\n]*\n?", re.S | re.M
)
ANSWERS_DIR = ".autograder-answers"
MAX_ANSWER_BYTES = 4 * 1024 * 1024  # per test cell: all answer values as JSON
HIDDEN_FAILED = "a hidden test failed"


def visible_part(source: str) -> str:
    """``source`` without its ``### BEGIN/END HIDDEN TESTS`` blocks (what the trainee's kernel receives)."""
    return HIDDEN_BLOCK.sub("", source).rstrip() + "\n" if HIDDEN_BLOCK.search(source) else source


def segments(source: str) -> list[tuple[str, bool]]:
    """The test cell as ``[(code, is_hidden), ...]`` in order (visible code, hidden block, visible code...)."""
    out, pos = [], 0
    for m in HIDDEN_BLOCK.finditer(source):
        out.append((source[pos : m.start()], False))
        out.append((m.group(1), True))
        pos = m.end()
    out.append((source[pos:], False))
    return [(c, h) for c, h in out if c.strip()]


def is_test_cell(cell) -> bool:
    meta = cell.get("metadata", {}).get("nbgrader", {})
    return cell.get("cell_type") == "code" and bool(meta.get("grade")) and not meta.get("solution")


def is_answer_cell(cell) -> bool:
    meta = cell.get("metadata", {}).get("nbgrader", {})
    return cell.get("cell_type") == "code" and bool(meta.get("solution"))


def answer_names(source_nb) -> list[str]:
    """The answer variables: one per answer cell, named like its grade id (exercises/authoring/nbbuild.py)."""
    return [c.metadata["nbgrader"]["grade_id"] for c in source_nb.cells if is_answer_cell(c)]


def _names(code: str) -> tuple[set[str], set[str]]:
    """(names bound, names read) by ``code`` at any depth; a cell that does not parse binds and reads nothing."""
    try:
        tree = ast.parse(code)
    except SyntaxError:
        return set(), set()
    bound, read = set(), set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Name):
            (bound if isinstance(node.ctx, ast.Store | ast.Del) else read).add(node.id)
        elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            bound.add(node.name)
        elif isinstance(node, ast.Import | ast.ImportFrom):
            for alias in node.names:
                bound.add((alias.asname or alias.name).split(".")[0])
    return bound, read


def setup_cells(source_nb) -> list[str]:
    """The source notebook's set-up code the test cells need, in notebook order.

    Set-up cells are code cells that are neither answer nor test cells. Walking backwards from the names the
    test cells read, a set-up cell is kept if it binds one of the names still needed; the names it reads are
    then needed too. Markdown, answer cells and unneeded set-up cells (e.g. an explorer widget) are skipped.
    """
    setup = [
        c.source
        for c in source_nb.cells
        if c.cell_type == "code" and not is_answer_cell(c) and not is_test_cell(c)
    ]
    needed: set[str] = set()
    for c in source_nb.cells:
        if is_test_cell(c):
            needed |= _names(c.source)[1]
    keep = []
    for code in reversed(setup):
        bound, read = _names(code)
        if bound & needed:
            keep.append(code)
            needed |= read
    return list(reversed(keep))


def preimport_code(source_nbs) -> str:
    """The import statements of the source notebooks' set-up cells, to run in a kernel started ahead of time.

    They run inside a function that is deleted afterwards: modules are loaded (the expensive part of the
    notebook's first cell), but no name is bound in the trainee's namespace.
    """
    lines: list[str] = []
    for nb in source_nbs:
        for cell in nb.cells:
            if cell.cell_type != "code" or is_answer_cell(cell) or is_test_cell(cell):
                continue
            try:
                tree = ast.parse(cell.source)
            except SyntaxError:
                continue
            for node in tree.body:
                if isinstance(node, ast.Import | ast.ImportFrom) and not getattr(node, "level", 0):
                    stmt = ast.unparse(node)
                    if stmt not in lines:
                        lines.append(stmt)
    if not lines:
        return ""
    body = "".join(f"    try:\n        {stmt}\n    except Exception:\n        pass\n" for stmt in lines)
    return f"def __autograder_preimport():\n{body}__autograder_preimport()\ndel __autograder_preimport\n"


# ------------------------------------------------------------------------------------------------ extraction

# Runs silently in the trainee's kernel after each test cell (never stored in its history). Writes the answer
# variables that exist to <scratch>/.autograder-answers/<cell index>.json. What the trainee can do to this code
# changes only the values of their own answers, which they control anyway; the grader reads the file as data.
EXTRACT_CODE = r"""
def __autograder_extract(names, path, limit):
    import json, sys
    pd, np = sys.modules.get("pandas"), sys.modules.get("numpy")
    ns = get_ipython().user_ns

    def index(ix):
        if pd is not None and isinstance(ix, pd.MultiIndex):
            return {"multi": True, "values": [enc(tuple(t)) for t in ix.tolist()], "names": [enc(n) for n in ix.names]}
        return {"dtype": str(ix.dtype), "values": [enc(x) for x in ix.tolist()], "name": enc(ix.name)}

    def column(s):
        return {"dtype": str(s.dtype), "values": [enc(x) for x in s.tolist()]}

    def enc(v, depth=0):
        if depth > 40:
            raise ValueError("nested too deeply")
        if v is None or v is True or v is False:
            return v
        if np is not None and isinstance(v, np.generic):
            v = v.item()
        if isinstance(v, bool):
            return bool(v)
        if isinstance(v, int):
            return int(v)
        if isinstance(v, float):
            return float(v)
        if isinstance(v, str):
            return {"$str": str(v)}
        if isinstance(v, (list, tuple, set, frozenset)):
            kind = "$tuple" if isinstance(v, tuple) else "$list" if isinstance(v, list) else "$set"
            return {kind: [enc(x, depth + 1) for x in v]}
        if isinstance(v, dict):
            return {"$dict": [[enc(k, depth + 1), enc(x, depth + 1)] for k, x in v.items()]}
        if pd is not None and isinstance(v, pd.DataFrame):
            return {"$frame": {"index": index(v.index), "columns": index(v.columns),
                               "data": [column(v.iloc[:, i]) for i in range(v.shape[1])]}}
        if pd is not None and isinstance(v, pd.Series):
            return {"$series": {"index": index(v.index), "name": enc(v.name), **column(v)}}
        if pd is not None and isinstance(v, pd.Index):
            return {"$index": index(v)}
        if np is not None and isinstance(v, np.ndarray):
            return {"$array": {"dtype": str(v.dtype), "shape": list(v.shape), "values": enc(v.tolist(), depth + 1)}}
        if pd is not None and isinstance(v, pd.Timestamp):
            return {"$unsupported": "Timestamp"}
        return {"$unsupported": type(v).__name__}

    out = {}
    for name in names:
        if name not in ns:
            continue
        try:
            out[name] = enc(ns[name])
        except Exception as exc:
            out[name] = {"$unsupported": type(exc).__name__}
    text = json.dumps(out)
    if len(text) > limit:
        text = json.dumps({"$too_big": len(text)})
    import os
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as fh:
        fh.write(text)
__autograder_extract(__NAMES__, __PATH__, __LIMIT__)
del __autograder_extract
"""


def extract_code(names: list[str], path: str | None = None, limit: int = MAX_ANSWER_BYTES) -> str:
    """The extraction code for ``names``; without ``path`` the executor fills in ``__PATH__`` per cell."""
    code = EXTRACT_CODE.replace("__NAMES__", repr(list(names))).replace("__LIMIT__", str(int(limit)))
    return code if path is None else code.replace("__PATH__", repr(path))


def read_answers(scratch: str | os.PathLike[str], limit: int = MAX_ANSWER_BYTES) -> dict[str, str]:
    """The extraction files of a finished run, {cell index: JSON text}; links and oversized files ignored."""
    folder = os.path.join(os.fspath(scratch), ANSWERS_DIR)
    out: dict[str, str] = {}
    try:
        names = os.listdir(folder)
    except OSError:
        return out
    for name in names:
        if not re.fullmatch(r"\d{1,6}\.json", name):
            continue
        try:
            fd = os.open(os.path.join(folder, name), os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
        except OSError:
            continue
        with os.fdopen(fd, "rb") as fh:
            if not _regular(fh):
                continue
            data = fh.read(limit + 1)
        if len(data) <= limit:
            out[name[: -len(".json")]] = data.decode("utf-8", "replace")
    return out


def _regular(fh) -> bool:
    import stat

    return stat.S_ISREG(os.fstat(fh.fileno()).st_mode)


class Unsupported:
    """An answer value that has no data form (a function, a module, a custom object...)."""

    def __init__(self, kind: str) -> None:
        self.kind = kind

    def __repr__(self) -> str:
        return f"<a {self.kind} object, which is not an answer value>"


def _index(d: dict):
    import pandas as pd

    if d.get("multi"):
        return pd.MultiIndex.from_tuples(
            [tuple(decode(t)) for t in d["values"]], names=[decode(n) for n in d["names"]]
        )
    values = [decode(x) for x in d["values"]]
    try:
        return pd.Index(values, dtype=_dtype(d["dtype"]), name=decode(d.get("name")))
    except (TypeError, ValueError):
        return pd.Index(values, name=decode(d.get("name")))


def _dtype(text: str):
    return None if text in ("object", "str", "string") else text


def _column(d: dict, index, name=None):
    import pandas as pd

    values = [decode(x) for x in d["values"]]
    try:
        return pd.Series(values, index=index, name=name, dtype=_dtype(d["dtype"]))
    except (TypeError, ValueError):
        return pd.Series(values, index=index, name=name, dtype=object)


def decode(v: Any) -> Any:
    """Rebuild an answer value from its tagged JSON form as plain Python, numpy and pandas objects."""
    if v is None or isinstance(v, bool | int | float):
        return v
    if isinstance(v, list):  # only inside tags
        return [decode(x) for x in v]
    if not isinstance(v, dict) or len(v) != 1:
        return Unsupported("malformed")
    ((tag, body),) = v.items()
    if tag == "$str":
        return str(body)
    if tag == "$list":
        return [decode(x) for x in body]
    if tag == "$tuple":
        return tuple(decode(x) for x in body)
    if tag == "$set":
        return {decode(x) for x in body}
    if tag == "$dict":
        return {decode(k): decode(x) for k, x in body}
    if tag == "$series":
        return _column(body, _index(body["index"]), decode(body.get("name")))
    if tag == "$frame":
        import pandas as pd

        index, columns = _index(body["index"]), _index(body["columns"])
        cols = [_column(c, index) for c in body["data"]]
        frame = pd.DataFrame({i: c for i, c in enumerate(cols)}, index=index)
        frame.columns = columns
        return frame
    if tag == "$index":
        return _index(body)
    if tag == "$array":
        import numpy as np

        return np.array(decode(body["values"]), dtype=body["dtype"]).reshape(body["shape"])
    if tag == "$unsupported":
        return Unsupported(str(body))
    if tag == "$too_big":
        return Unsupported("too large")
    return Unsupported("malformed")


def load_answers(text: str) -> dict[str, Any]:
    """Parse one extraction file; a value that cannot be rebuilt becomes :class:`Unsupported`."""
    try:
        raw = json.loads(text)
    except (ValueError, RecursionError):
        return {}
    if not isinstance(raw, dict) or "$too_big" in raw:
        return {}
    out = {}
    for name, v in raw.items():
        try:
            out[str(name)] = decode(v)
        except Exception as exc:  # noqa: BLE001 - a bad value is the trainee's answer, not our failure
            out[str(name)] = Unsupported(f"unreadable ({type(exc).__name__})")
    return out


# ------------------------------------------------------------------------------------------------ checking


@dataclass
class CheckResult:
    """The outcome of one test cell run out of the kernel."""

    status: str  # "pass" | "fail" | "error" | "unanswered" | "not_run"
    message: str = ""
    ename: str = ""
    stdout: str = ""
    details: dict = field(default_factory=dict)


class SetupFailed(Exception):
    """The course's own set-up code failed in the grading process (a course problem, not the trainee's)."""


def _plain_message(exc: BaseException, hidden: bool) -> str:
    from clusterkit.grading import Unanswered, WrongAnswer
    from clusterkit.i18n import gettext_

    text = str(exc).strip()
    if isinstance(exc, WrongAnswer | Unanswered):
        return text  # written for trainees: says what is wrong, never the reference value
    if hidden:
        return gettext_(HIDDEN_FAILED)
    return text or type(exc).__name__


_SETUP_CACHE: dict[tuple[str, ...], dict[str, Any]] = {}
_CASES: dict[tuple, Any] = {}


@contextlib.contextmanager
def _case_data_read_once():
    """While checks run in this process, ``clusterkit.data.load_case`` reads and validates each case once and
    hands every caller its own copy (the hidden checks of one notebook load the same case again and again)."""
    import clusterkit.data as data

    original = data.load_case

    def load_case(name, root=None):
        key = (name, None if root is None else os.fspath(root), os.environ.get(data.CASES_ENV))
        if key not in _CASES:
            _CASES[key] = original(name, root)
        return copy.deepcopy(_CASES[key])

    load_case.__doc__ = original.__doc__
    data.load_case = load_case
    try:
        yield
    finally:
        data.load_case = original


def _setup_namespace(setup: tuple[str, ...]) -> dict[str, Any]:
    """The namespace the set-up code makes (run once per grading process and set-up code)."""
    if setup not in _SETUP_CACHE:
        ns: dict[str, Any] = {"__name__": "__grader__", "__builtins__": __builtins__}
        sink = io.StringIO()
        for i, code in enumerate(setup):
            try:
                with (
                    contextlib.redirect_stdout(sink),
                    contextlib.redirect_stderr(sink),
                    _case_data_read_once(),
                ):
                    exec(compile(code, f"<set-up {i}>", "exec"), ns)  # noqa: S102 - course code from the source notebook
            except Exception as exc:  # noqa: BLE001
                raise SetupFailed(f"set-up cell {i}: {type(exc).__name__}: {exc}") from exc
        _SETUP_CACHE[setup] = ns
    return _SETUP_CACHE[setup]


def _fresh(value: Any) -> Any:
    """A copy of a set-up value that a check may change without affecting the next check (modules, classes
    and functions are shared)."""
    if isinstance(value, types.ModuleType | type | types.FunctionType | types.BuiltinFunctionType):
        return value
    try:
        return copy.deepcopy(value)
    except Exception:  # noqa: BLE001 - not copyable: shared
        return value


def run_check(
    setup: list[str], test_source: str, answers: dict[str, Any], label: str = "check", lang: str = "en"
) -> CheckResult:
    """Run one test cell (visible and hidden parts) in a fresh namespace; never runs trainee code.

    The namespace is a copy of what the course's set-up code makes, plus the answer values. Standard output of
    visible parts is kept; that of hidden parts is dropped. The checks answer in ``lang``, the language of the
    notebook (a Turkish and an English notebook graded by one process each get their own).
    """
    from autograder.common import language

    with language(lang):
        return _run_check(setup, test_source, answers, label)


def _run_check(setup: list[str], test_source: str, answers: dict[str, Any], label: str) -> CheckResult:
    from clusterkit.grading import Unanswered

    base = _setup_namespace(tuple(setup))
    ns = {k: _fresh(v) if not k.startswith("__") else v for k, v in base.items()}
    ns.update(answers)
    shown = io.StringIO()
    for code, hidden in segments(test_source):
        out = io.StringIO() if hidden else shown
        try:
            with contextlib.redirect_stdout(out), contextlib.redirect_stderr(out), _case_data_read_once():
                exec(compile(code, f"<{label}>", "exec"), ns)  # noqa: S102 - course test code
        except (Exception, SystemExit) as exc:  # noqa: BLE001
            if isinstance(exc, Unanswered | NotImplementedError):
                status = "unanswered"
            elif isinstance(exc, AssertionError):
                status = "fail"
            else:
                status = "error"
            return CheckResult(status, _plain_message(exc, hidden), type(exc).__name__, shown.getvalue())
    return CheckResult("pass", "", "", shown.getvalue())
