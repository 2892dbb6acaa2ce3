"""The translatable text of an exercise notebook, and the notebook in another language.

A trainee or trainer reads four kinds of text in an exercise notebook; each becomes one message (``msgid``) of the
assignment's catalogue ``locales/<lang>/LC_MESSAGES/exercises/<NAME>.po``:

* the markdown cells (written answers' model answers included), split into blocks at blank lines: a heading, a
  paragraph or a list block keeps its MyST/markdown markup; a fenced block (```` ``` ````, ``~~~``, ``$$``) stays
  whole;
* the comment blocks of the code cells (consecutive full-line comments at one indentation; a trailing comment is
  a block of its own), without their ``#``; nbgrader's markers (``### BEGIN SOLUTION`` ...) are not text;
* the human-language string literals of the code cells, found with :mod:`ast`: the arguments of ``print``, the
  description (``what``) of the ``g.expect_*`` checks (visible and hidden), their ``noun`` keyword, and a
  widget's ``description`` keyword, and the message of an ``assert``. Data keys, column names and the names of stages, sectors or provinces that
  index the data are never messages. An f-string's message keeps its ``{placeholders}`` as written.

:func:`translated_notebook` puts each message's translation back where its English was: code is edited at the
positions :mod:`ast` and :mod:`tokenize` report, and a literal is written again with Python's own escaping (an
f-string's translation must use exactly the placeholders of its English, or it stays English). A message
without a translation stays English.
"""

from __future__ import annotations

import ast
import copy
import io
import re
import tokenize
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

import nbformat

#: The ``g.expect_*`` checks and the position of their description (``what``) argument.
WHAT_POSITION = {
    "expect_answered": 1,
    "expect_number": 1,
    "expect_series": 1,
    "expect_frame": 1,
    "expect_labels": 2,
    "expect_list_of": 2,
    "expect_choice": 2,
    "expect_close": 2,
    "expect_same_set": 2,
    "expect_equal": 2,
}
#: Keyword arguments whose string a person reads (``noun`` of the checks, a widget's ``description``).
TEXT_KEYWORDS = {"what", "noun", "description"}
NBGRADER_MARKER = re.compile(r"^#+\s*(BEGIN|END) (SOLUTION|HIDDEN TESTS)\b")
FENCE = re.compile(r"^\s*(```|~~~|\$\$)")


@dataclass
class Message:
    """One translatable text and where it is (cell id; kind: markdown, comment, string)."""

    msgid: str
    cell: str
    kind: str
    places: list[str] = field(default_factory=list)


# ---- markdown ---------------------------------------------------------------------------------------------


def markdown_blocks(text: str) -> list[str]:
    """``text`` cut at blank lines into blocks and the separators between them: [block, sep, block, ...].

    A fenced block keeps its blank lines. Joining the list gives ``text`` back.
    """
    parts: list[str] = []
    block: list[str] = []
    sep: list[str] = []
    fence: str | None = None
    for line in text.split("\n"):
        m = FENCE.match(line)
        if fence is None and not line.strip():
            sep.append(line)
            continue
        if sep:
            parts.extend(
                [
                    "\n".join(block) if block else "",
                    "\n".join(["", *sep, ""]) if block else "\n".join([*sep, ""]),
                ]
            )
            block, sep = [], []
        block.append(line)
        one_line_maths = m and m.group(1) == "$$" and len(line.strip()) > 4 and line.strip().endswith("$$")
        if m and not one_line_maths:
            fence = None if fence == m.group(1) else (fence or m.group(1))
    if block:
        parts.append("\n".join(block))
    if sep:
        parts.extend(["\n" + "\n".join(sep)] if parts else ["\n".join(sep)])
    return parts


# ---- code -------------------------------------------------------------------------------------------------


@dataclass
class _Edit:
    start: tuple[int, int]  # (line 1-based, character column)
    end: tuple[int, int]
    msgid: str
    render: Callable[[str], str]  # translated text -> replacement source
    kind: str = "string"


def _char_col(line: str, byte_col: int) -> int:
    return len(line.encode("utf-8")[:byte_col].decode("utf-8"))


def _call_name(func: ast.expr) -> str:
    if isinstance(func, ast.Attribute):
        return func.attr
    if isinstance(func, ast.Name):
        return func.id
    return ""


def _text_args(call: ast.Call) -> Iterator[ast.expr]:
    name = _call_name(call.func)
    if name == "print":
        yield from call.args
    if name in WHAT_POSITION and len(call.args) > WHAT_POSITION[name]:
        yield call.args[WHAT_POSITION[name]]
    if (
        name == "print"
        or name in WHAT_POSITION
        or name in {"Dropdown", "FloatSlider", "IntSlider", "Checkbox"}
    ):
        yield from (k.value for k in call.keywords if k.arg in TEXT_KEYWORDS)


def py_string(text: str) -> str:
    """``text`` as a Python string literal, double-quoted where it can be; ``ast.literal_eval`` gives it back."""
    lit = repr(text)
    if lit.startswith("'") and '"' not in text:
        lit = '"' + lit[1:-1].replace("\\'", "'") + '"'
    assert ast.literal_eval(lit) == text
    return lit


_PLACEHOLDER = re.compile(r"\{[^{}]*\}")


def _fstring_message(node: ast.JoinedStr, source: str) -> str:
    out = []
    for v in node.values:
        if isinstance(v, ast.Constant):
            out.append(str(v.value).replace("{", "{{").replace("}", "}}"))
        else:
            out.append(
                "{" + (ast.get_source_segment(source, v.value) or ast.unparse(v.value)) + _fspec(v) + "}"
            )
    return "".join(out)


def _fspec(v: ast.FormattedValue) -> str:
    conv = f"!{chr(v.conversion)}" if v.conversion != -1 else ""
    spec = ""
    if v.format_spec is not None:
        spec = ":" + "".join(str(x.value) for x in v.format_spec.values if isinstance(x, ast.Constant))
    return conv + spec


def fstring_literal(message: str, english: str) -> str | None:
    """The f-string literal for ``message``, or None when its placeholders differ from ``english``'s."""
    if sorted(_PLACEHOLDER.findall(message)) != sorted(_PLACEHOLDER.findall(english)):
        return None
    pieces, pos = [], 0
    for m in _PLACEHOLDER.finditer(message):
        pieces.extend([_escaped(message[pos : m.start()]), m.group(0)])
        pos = m.end()
    pieces.append(_escaped(message[pos:]))
    lit = 'f"' + "".join(pieces) + '"'
    try:
        tree = ast.parse(lit, mode="eval")
    except SyntaxError:
        return None
    if not isinstance(tree.body, ast.JoinedStr) or _fstring_message(tree.body, lit) != message:
        return None
    return lit


def _escaped(text: str) -> str:
    """``text`` escaped for the inside of a double-quoted literal (backslash, quote, line breaks)."""
    for a, b in (("\\", "\\\\"), ('"', '\\"'), ("\n", "\\n"), ("\r", "\\r"), ("\t", "\\t")):
        text = text.replace(a, b)
    return text


def code_edits(source: str) -> list[_Edit]:
    """The translatable texts of a code cell with their positions (empty for code that does not parse)."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return []
    lines = source.split("\n")
    edits: list[_Edit] = []
    seen: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            texts = list(_text_args(node))
        elif isinstance(node, ast.Assert) and node.msg is not None:  # a check's own assert explains itself
            texts = [node.msg]
        else:
            continue
        for arg in texts:
            if id(arg) in seen or arg.end_lineno is None or arg.end_col_offset is None:
                continue
            seen.add(id(arg))
            start = (arg.lineno, _char_col(lines[arg.lineno - 1], arg.col_offset))
            end = (arg.end_lineno, _char_col(lines[arg.end_lineno - 1], arg.end_col_offset))
            if isinstance(arg, ast.Constant) and isinstance(arg.value, str) and arg.value.strip():
                edits.append(_Edit(start, end, arg.value, py_string))
            elif isinstance(arg, ast.JoinedStr):
                msg = _fstring_message(arg, source)
                edits.append(_Edit(start, end, msg, lambda t, m=msg: fstring_literal(t, m) or ""))
    edits.extend(_comment_edits(source))
    return sorted(edits, key=lambda e: e.start)


def _comment_edits(source: str) -> list[_Edit]:
    edits: list[_Edit] = []
    block: list[tokenize.TokenInfo] = []

    def flush() -> None:
        if block:
            indent = block[0].start[1]
            text = "\n".join(_comment_text(t.string) for t in block)
            edits.append(
                _Edit(
                    block[0].start,
                    block[-1].end,
                    text,
                    lambda t, i=indent: ("\n" + " " * i).join(
                        "# " + ln if ln else "#" for ln in t.split("\n")
                    ),
                    "comment",
                )
            )
            block.clear()

    prev_line_code: dict[int, bool] = {}
    toks = list(tokenize.generate_tokens(io.StringIO(source).readline))
    for t in toks:
        if t.type not in (tokenize.COMMENT, tokenize.NL, tokenize.NEWLINE, tokenize.INDENT, tokenize.DEDENT):
            prev_line_code[t.start[0]] = True
    for t in toks:
        if t.type != tokenize.COMMENT:
            continue
        if NBGRADER_MARKER.match(t.string) or not _comment_text(t.string).strip():
            flush()
            continue
        full_line = not prev_line_code.get(t.start[0])
        if not full_line:
            flush()
            block.append(t)
            flush()
            continue
        if block and (t.start[0] != block[-1].start[0] + 1 or t.start[1] != block[0].start[1]):
            flush()
        block.append(t)
    flush()
    return edits


def _comment_text(comment: str) -> str:
    text = comment[1:]
    return text[1:] if text.startswith(" ") else text


def _apply(source: str, edits: list[_Edit], tr: Callable[[str], str | None]) -> str:
    lines = source.split("\n")
    for e in sorted(edits, key=lambda e: e.start, reverse=True):
        t = tr(e.msgid)
        if t is None:
            continue
        new = e.render(t)
        if not new:  # an f-string whose translation does not keep the placeholders: stays English
            continue
        (l1, c1), (l2, c2) = e.start, e.end
        head, tail = lines[l1 - 1][:c1], lines[l2 - 1][c2:]
        lines[l1 - 1 : l2] = (head + new + tail).split("\n")
    return "\n".join(lines)


# ---- notebooks --------------------------------------------------------------------------------------------


def messages(nb: nbformat.NotebookNode) -> list[Message]:
    """The translatable texts of ``nb`` in order, each msgid once (with every cell it occurs in)."""
    found: dict[str, Message] = {}
    for cell in nb.cells:
        cid = cell.get("id", "")
        if cell.cell_type == "markdown":
            texts = [(b, "markdown") for b in markdown_blocks(cell.source)[::2] if b.strip()]
        elif cell.cell_type == "code":
            texts = [(e.msgid, e.kind) for e in code_edits(cell.source)]
        else:
            continue
        for text, kind in texts:
            if text in found:
                if cid not in found[text].places:
                    found[text].places.append(cid)
            else:
                found[text] = Message(text, cid, kind, [cid])
    return list(found.values())


def translated_notebook(
    nb: nbformat.NotebookNode, tr: Callable[[str], str | None], language: str, setup: str
) -> nbformat.NotebookNode:
    """A copy of ``nb`` with every message replaced by ``tr(msgid)`` (None keeps the English).

    ``setup`` is put at the top of the first code cell (the set-up cell); the notebook's metadata says
    ``{"clusterkit": {"language": language}}``. Cells, their ids, grade ids and points are unchanged.
    """
    out = copy.deepcopy(nb)
    first_code = True
    for cell in out.cells:
        if cell.cell_type == "markdown":
            parts = markdown_blocks(cell.source)
            for i in range(0, len(parts), 2):
                if parts[i].strip():
                    parts[i] = tr(parts[i]) or parts[i]
            cell.source = "".join(parts)
        elif cell.cell_type == "code":
            cell.source = _apply(cell.source, code_edits(cell.source), tr)
            if first_code:
                cell.source = setup + cell.source
                first_code = False
    out.metadata["clusterkit"] = {"language": language}
    return out
