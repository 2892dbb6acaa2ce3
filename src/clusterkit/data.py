"""Loaders for the case-study data packs under ``cases/``.

Each case folder holds ``data/schema.json`` (the machine-readable data dictionary a trainer can edit) and the
CSV files it describes. :func:`load_case` reads every table, checks it against the schema and returns the
tables by name; a broken file fails with a :class:`CaseDataError` naming the case, the file and the column.

Schema format (``cases/<case>/data/schema.json``)::

    {"case": "<folder name>", "title": "...",
     "tables": {"<table>": {"file": "<name>.csv", "description": "...", "provenance": "...",
                            "primary_key": ["col", ...],
                            "foreign_keys": {"col": "<other table>.<col>"},
                            "columns": {"<col>": {"dtype": "string|int|float|bool", "unit": "...",
                                                  "description": "...", "provenance": "...",
                                                  "min": 0, "max": 1, "allowed": [...], "nullable": false,
                                                  "decimals": 2}}}},
     "checks": [{"type": "io_identities", "transactions": "<table>", "sectors": "<table>"}]}

The cases directory is found, in order, from the ``root`` argument, the ``CLUSTERKIT_CASES`` environment
variable, ``cases/`` next to the package source (editable install of the repository), the data packs shipped
inside the package (``clusterkit/cases/``, in the course-pack wheel of ``make coursepack``) and ``cases/`` in the
current directory or any of its parents.
"""

from __future__ import annotations

import json
import math
import os
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from clusterkit._validation import require_columns, require_finite_nonnegative

__all__ = [
    "CASES_ENV",
    "CaseData",
    "CaseDataError",
    "case_path",
    "cases_root",
    "check_io_identities",
    "data_dictionary",
    "list_cases",
    "load_case",
    "load_schema",
    "render_dictionary",
    "write_csv",
    "write_pack",
]

CASES_ENV = "CLUSTERKIT_CASES"
_DTYPES = ("string", "int", "float", "bool")
_IO_TOLERANCE = 1e-6


class CaseDataError(ValueError):
    """A case data pack is missing, malformed or does not match its schema."""


class CaseData(dict):
    """The tables of one case, by table name (a ``dict[str, DataFrame]``), with the case's metadata.

    Attributes: ``name`` (folder name), ``title``, ``path`` (the case folder) and ``schema`` (the parsed
    ``data/schema.json``). ``dictionary`` is the data dictionary as a DataFrame.
    """

    def __init__(self, name: str, title: str, path: Path, schema: dict[str, Any], tables: dict[str, Any]):
        super().__init__(tables)
        self.name = name
        self.title = title
        self.path = path
        self.schema = schema

    @property
    def dictionary(self) -> pd.DataFrame:
        """One row per (table, column): dtype, unit, description and provenance."""
        return _dictionary_frame(self.schema)

    def __repr__(self) -> str:
        shapes = ", ".join(f"{k}: {v.shape[0]}x{v.shape[1]}" for k, v in self.items())
        return f"CaseData({self.name!r}, tables={{{shapes}}})"


# --------------------------------------------------------------------------------------------------------
# Finding the cases
# --------------------------------------------------------------------------------------------------------
def _looks_like_cases_dir(path: Path) -> bool:
    return path.is_dir() and any(path.glob("*/data/schema.json"))


def cases_root(root: str | os.PathLike[str] | None = None) -> Path:
    """The directory holding the case folders (see the module docstring for the search order)."""
    if root is not None:
        path = Path(root)
        if not path.is_dir():
            raise FileNotFoundError(f"cases directory {str(path)!r} (given as root=) does not exist")
        return path
    env = os.environ.get(CASES_ENV)
    if env:
        path = Path(env)
        if not path.is_dir():
            raise FileNotFoundError(f"cases directory {env!r} (from ${CASES_ENV}) does not exist")
        return path
    here = Path(__file__).resolve()
    candidates = [here.parents[2] / "cases", here.parent / "cases"]
    cwd = Path.cwd().resolve()
    candidates += [d / "cases" for d in (cwd, *cwd.parents)]
    for cand in candidates:
        if _looks_like_cases_dir(cand):
            return cand
    raise FileNotFoundError(
        "could not find the course's cases/ directory (looked next to the clusterkit source and in the "
        f"current directory and its parents); pass root='path/to/cases' or set ${CASES_ENV}=path/to/cases"
    )


def list_cases(root: str | os.PathLike[str] | None = None) -> list[str]:
    """Names of the case folders that carry a data pack (``<case>/data/schema.json``), sorted."""
    base = cases_root(root)
    return sorted(p.parent.parent.name for p in base.glob("*/data/schema.json"))


def case_path(name: str, root: str | os.PathLike[str] | None = None) -> Path:
    """The folder of case ``name``; ``KeyError`` listing the known cases if there is none."""
    base = cases_root(root)
    path = base / name
    if not (path / "data" / "schema.json").is_file():
        raise KeyError(f"no case {name!r} in {str(base)!r}; known cases: {list_cases(base)}")
    return path


# --------------------------------------------------------------------------------------------------------
# Schema
# --------------------------------------------------------------------------------------------------------
def load_schema(name: str, root: str | os.PathLike[str] | None = None) -> dict[str, Any]:
    """Parse and check ``cases/<name>/data/schema.json``."""
    path = case_path(name, root) / "data" / "schema.json"
    return _parse_schema(path, name)


def _parse_schema(path: Path, case: str) -> dict[str, Any]:
    where = f"case {case!r}, file {path.name}"
    try:
        schema = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise CaseDataError(
            f"{where}: invalid JSON at line {exc.lineno}, column {exc.colno}: {exc.msg}"
        ) from exc
    if not isinstance(schema, dict) or not isinstance(schema.get("tables"), dict) or not schema["tables"]:
        raise CaseDataError(f"{where}: must be an object with a non-empty 'tables' object")
    for tname, table in schema["tables"].items():
        twhere = f"{where}, table {tname!r}"
        if not isinstance(table, dict) or not isinstance(table.get("file"), str):
            raise CaseDataError(f"{twhere}: needs a 'file' entry naming its CSV")
        cols = table.get("columns")
        if not isinstance(cols, dict) or not cols:
            raise CaseDataError(f"{twhere}: needs a non-empty 'columns' object")
        for cname, spec in cols.items():
            if not isinstance(spec, dict) or spec.get("dtype") not in _DTYPES:
                raise CaseDataError(f"{twhere}, column {cname!r}: 'dtype' must be one of {list(_DTYPES)}")
        for key in table.get("primary_key", []):
            if key not in cols:
                raise CaseDataError(f"{twhere}: primary_key column {key!r} is not among its columns")
    return schema


def _dictionary_frame(schema: Mapping[str, Any]) -> pd.DataFrame:
    rows = []
    for tname, table in schema["tables"].items():
        for cname, spec in table["columns"].items():
            rows.append(
                {
                    "table": tname,
                    "file": table["file"],
                    "column": cname,
                    "dtype": spec["dtype"],
                    "unit": spec.get("unit", ""),
                    "description": spec.get("description", ""),
                    "provenance": spec.get("provenance", table.get("provenance", "")),
                }
            )
    return pd.DataFrame(rows)


def data_dictionary(name: str, root: str | os.PathLike[str] | None = None) -> pd.DataFrame:
    """The data dictionary of case ``name``: one row per (table, column)."""
    return _dictionary_frame(load_schema(name, root))


def render_dictionary(schema: Mapping[str, Any]) -> str:
    """The data dictionary as Markdown (the case's ``data/README.md``), one section per table."""
    out = [f"# Data pack: {schema.get('title', schema.get('case', ''))}", ""]
    out += [
        "Generated from `schema.json` by `make_data.py`; edit `schema.json`, not this file.",
        "Provenance: *seed* = the source document cited, *public source* = the public source named, "
        "*illustrative* = invented for teaching by the script and seed named, plausible in scale only.",
        "",
    ]
    for tname, table in schema["tables"].items():
        out += [f"## `{table['file']}` (table `{tname}`)", ""]
        out += [f"Provenance: {table.get('provenance', '')}", ""]
        if table.get("description"):
            out += [table["description"], ""]
        if table.get("primary_key"):
            out += [f"Key: {', '.join(table['primary_key'])}", ""]
        out += ["| column | type | unit | meaning | provenance |", "|---|---|---|---|---|"]
        for cname, spec in table["columns"].items():
            cells = [
                f"`{cname}`",
                spec["dtype"],
                spec.get("unit", ""),
                spec.get("description", ""),
                spec.get("provenance", table.get("provenance", "")),
            ]
            out.append("| " + " | ".join(str(c).replace("|", "/") for c in cells) + " |")
        out.append("")
    return "\n".join(out)


# --------------------------------------------------------------------------------------------------------
# Loading and validation
# --------------------------------------------------------------------------------------------------------
def load_case(name: str, root: str | os.PathLike[str] | None = None) -> CaseData:
    """Read and validate every table of case ``name``; returns them by table name.

    Checks per table: the file exists and parses; it has exactly the schema's columns; each column has its
    declared type with no missing values unless ``nullable``; ``min``/``max``/``allowed`` hold; the primary
    key is unique; foreign keys resolve. Case-level ``checks`` (e.g. input-output accounting identities)
    follow. Any failure raises :class:`CaseDataError` naming the case, file and column.
    """
    path = case_path(name, root)
    schema = _parse_schema(path / "data" / "schema.json", name)
    tables = {tname: _read_table(path / "data", name, table) for tname, table in schema["tables"].items()}
    for tname, table in schema["tables"].items():
        for col, target in table.get("foreign_keys", {}).items():
            ttable, _, tcol = target.partition(".")
            where = f"case {name!r}, file {table['file']}, column {col!r}"
            if ttable not in tables or tcol not in tables[ttable].columns:
                raise CaseDataError(f"{where}: foreign key target {target!r} does not exist")
            unknown = sorted(set(tables[tname][col].dropna()) - set(tables[ttable][tcol]))
            if unknown:
                raise CaseDataError(
                    f"{where}: value(s) {unknown[:5]} not found in {schema['tables'][ttable]['file']} "
                    f"column {tcol!r}"
                )
    for check in schema.get("checks", []):
        if check.get("type") == "io_identities":
            try:
                check_io_identities(tables[check["transactions"]], tables[check["sectors"]])
            except ValueError as exc:
                raise CaseDataError(f"case {name!r}, input-output table: {exc}") from exc
        else:
            raise CaseDataError(f"case {name!r}, schema.json: unknown check {check!r}")
    return CaseData(name, schema.get("title", name), path, schema, tables)


def _read_table(data_dir: Path, case: str, table: Mapping[str, Any]) -> pd.DataFrame:
    file = table["file"]
    where = f"case {case!r}, file {file}"
    csv = data_dir / file
    if not csv.is_file():
        raise CaseDataError(f"{where}: file not found at {str(csv)!r}")
    cols: dict[str, dict[str, Any]] = table["columns"]
    str_cols = {c: str for c, s in cols.items() if s["dtype"] in ("string", "bool")}
    try:
        df = pd.read_csv(csv, dtype=str_cols, keep_default_na=False, na_values=[""])
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as exc:
        raise CaseDataError(f"{where}: cannot be parsed as CSV: {exc}") from exc
    try:
        require_columns(df, cols, what=where)
    except KeyError as exc:
        raise CaseDataError(exc.args[0]) from exc
    extra = [c for c in df.columns if c not in cols]
    if extra:
        raise CaseDataError(f"{where}: column(s) {extra} are not in schema.json (add them to the dictionary)")
    df = df[list(cols)]
    for col, spec in cols.items():
        df[col] = _coerce(df[col], spec, f"{where}, column {col!r}")
    key = table.get("primary_key")
    if key:
        dup = df.duplicated(subset=key, keep=False)
        if dup.any():
            first = df.loc[dup, key].iloc[0].tolist()
            raise CaseDataError(f"{where}: primary key {key} is not unique, e.g. {first} (line {_line(dup)})")
    return df


def _first(values: pd.Series) -> Any:
    """The first value as a plain Python scalar (for readable messages)."""
    v = values.iloc[0]
    return v.item() if isinstance(v, np.generic) else v


def _line(mask: pd.Series) -> int:
    """CSV line number (the header is line 1) of the first True in ``mask``."""
    return int(np.flatnonzero(mask.to_numpy())[0]) + 2


def _coerce(s: pd.Series, spec: Mapping[str, Any], where: str) -> pd.Series:
    dtype = spec["dtype"]
    missing = s.isna()
    if missing.any() and not spec.get("nullable", False):
        raise CaseDataError(f"{where}: missing value at line {_line(missing)}")
    if dtype == "string":
        out = s.astype("str")
    elif dtype == "bool":
        mapping = {"true": True, "false": False, "1": True, "0": False}
        low = s.str.strip().str.lower()
        bad = ~missing & ~low.isin(list(mapping))
        if bad.any():
            raise CaseDataError(f"{where}: {s[bad].iloc[0]!r} at line {_line(bad)} is not true/false")
        out = low.map(mapping).astype("boolean" if missing.any() else bool)
    else:
        num = pd.to_numeric(s, errors="coerce")
        bad = ~missing & num.isna()
        if bad.any():
            raise CaseDataError(f"{where}: {s[bad].iloc[0]!r} at line {_line(bad)} is not a number")
        finite = np.isfinite(num.to_numpy(dtype=float, na_value=0.0))
        if not finite.all():
            raise CaseDataError(f"{where}: infinite value at line {int(np.flatnonzero(~finite)[0]) + 2}")
        if dtype == "int":
            frac = ~missing & (num % 1 != 0)
            if frac.any():
                raise CaseDataError(f"{where}: {s[frac].iloc[0]!r} at line {_line(frac)} is not an integer")
            out = num.astype("Int64" if missing.any() else "int64")
        else:
            out = num.astype(float)
        lo, hi = spec.get("min"), spec.get("max")
        if lo == 0 and not missing.any():
            try:
                require_finite_nonnegative(out, name=where)
            except ValueError as exc:
                bad = out < 0
                raise CaseDataError(
                    f"{where}: {_first(out[bad])!r} at line {_line(bad)} is negative; values must be >= 0 "
                    f"({int(bad.sum())} negative value(s) in all)"
                ) from exc
        for bound, test, word in (
            (lo, lambda v, b: v < b, "below the minimum"),
            (hi, lambda v, b: v > b, "above the maximum"),
        ):
            if bound is not None:
                bad = test(out, bound).fillna(False).astype(bool)
                if bad.any():
                    raise CaseDataError(
                        f"{where}: {_first(out[bad])!r} at line {_line(bad)} is {word} {bound}"
                    )
    allowed = spec.get("allowed")
    if allowed is not None:
        bad = ~missing & ~out.isin(allowed)
        if bad.any():
            raise CaseDataError(f"{where}: {_first(out[bad])!r} at line {_line(bad)} is not one of {allowed}")
    return out


def check_io_identities(
    transactions: pd.DataFrame, sectors: pd.DataFrame, *, tol: float = _IO_TOLERANCE
) -> None:
    """Check the accounting identities of an input-output table (Miller & Blair 2009, §2.2).

    ``transactions`` has a ``sector`` column, one column per sector (the inter-industry flows Z between the
    region's sectors, row = selling sector), ``final_demand`` (f) and ``total_output`` (x); ``sectors`` has
    ``sector``, ``value_added`` and, for a regional table, ``imports`` (intermediate inputs bought outside the
    region, the import row m). Rows: ``Σ_j z_ij + f_i = x_i``. Columns: ``Σ_i z_ij + m_j + VA_j = x_j`` (without an
    ``imports`` column, ``m = 0``). Raises ``ValueError`` naming the sector.
    """
    require_columns(transactions, ["sector", "final_demand", "total_output"], what="IO transactions table")
    require_columns(sectors, ["sector", "value_added"], what="IO sectors table")
    codes = list(transactions["sector"])
    require_columns(transactions, codes, what="IO transactions table (one column per sector)")
    if sorted(codes) != sorted(sectors["sector"]):
        raise ValueError(f"sectors differ between the two tables: {codes} vs {list(sectors['sector'])}")
    z = transactions.set_index("sector")[codes]
    x = transactions.set_index("sector")["total_output"]
    f = transactions.set_index("sector")["final_demand"]
    va = sectors.set_index("sector")["value_added"].reindex(codes)
    require_finite_nonnegative(z, name="Z (inter-industry flows)")
    has_imports = "imports" in sectors.columns
    m = sectors.set_index("sector")["imports"].reindex(codes) if has_imports else 0.0 * va
    if has_imports:
        require_finite_nonnegative(m, name="imports")
    row_gap = z.sum(axis=1) + f - x
    col_gap = z.sum(axis=0) + m + va - x
    for label, gap in (("row", row_gap), ("column", col_gap)):
        scale = x.abs().clip(lower=1.0)
        bad = (gap.abs() / scale) > tol
        if bad.any():
            sec = bad[bad].index[0]
            what = (
                "sum of Z + final demand"
                if label == "row"
                else ("sum of Z + imports + value added" if has_imports else "sum of Z + value added")
            )
            raise ValueError(
                f"{label} identity fails for sector {sec!r}: {what} = {x[sec] + gap[sec]:.4f} "
                f"but total output = {x[sec]:.4f}"
            )


# --------------------------------------------------------------------------------------------------------
# Writing (used by the cases' make_data.py scripts)
# --------------------------------------------------------------------------------------------------------
def write_csv(df: pd.DataFrame, path: str | os.PathLike[str], decimals: int | Mapping[str, int] = 2) -> None:
    """Write ``df`` (no index) with fixed float formatting and ``\\n`` line endings, byte-for-byte repeatable.

    ``decimals`` is the number of decimals of every float column, or a per-column mapping (default 2).
    """
    out = df.copy()
    for col in out.columns:
        if pd.api.types.is_float_dtype(out[col]):
            d = decimals if isinstance(decimals, int) else decimals.get(col, 2)
            out[col] = [
                ("" if (v is None or (isinstance(v, float) and math.isnan(v))) else f"{v:.{d}f}")
                for v in out[col]
            ]
            out[col] = out[col].str.replace(r"^-(0\.?0*)$", r"\1", regex=True)
        elif pd.api.types.is_bool_dtype(out[col]):
            out[col] = out[col].map({True: "true", False: "false"})
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    out.to_csv(path, index=False, lineterminator="\n", encoding="utf-8")


def write_pack(
    tables: Mapping[str, pd.DataFrame], schema: Mapping[str, Any], out: str | os.PathLike[str]
) -> list[Path]:
    """Write the tables of a data pack into ``out`` as the schema names them, plus ``README.md``.

    Tables the schema marks ``"maintained": "by hand"`` (facts transcribed from the sources) are not written.

    Columns are written in schema order with each float column's ``decimals`` (default 2); a table whose
    columns differ from the schema is refused. Returns the paths written.
    """
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for tname, table in schema["tables"].items():
        if tname not in tables:
            if table.get("maintained") == "by hand":
                continue
            raise KeyError(
                f"table {tname!r} of schema.json was not built (nor marked 'maintained': 'by hand')"
            )
        df = tables[tname]
        cols = list(table["columns"])
        if sorted(df.columns) != sorted(cols):
            raise ValueError(f"table {tname!r}: built columns {list(df.columns)} differ from schema {cols}")
        decimals = {c: int(s.get("decimals", 2)) for c, s in table["columns"].items()}
        path = out / table["file"]
        write_csv(df[cols], path, decimals)
        written.append(path)
    readme = out / "README.md"
    readme.write_text(render_dictionary(schema) + "\n", encoding="utf-8", newline="\n")
    written.append(readme)
    return written


def generator_main(
    build: Callable[[], Mapping[str, pd.DataFrame]],
    case_dir: str | os.PathLike[str],
    description: str,
    argv: list[str] | None = None,
) -> int:
    """Command line of a case's ``make_data.py``: build the illustrative tables and write them with the schema.

    ``python cases/<case>/make_data.py [--out DIR]`` writes into ``<case>/data`` by default; the tests write into a
    temporary directory and compare byte for byte with the committed files.
    """
    import argparse

    here = Path(case_dir)
    ap = argparse.ArgumentParser(description=description)
    ap.add_argument("--out", type=Path, default=here / "data", help="output directory (default: data/)")
    args = ap.parse_args(argv)
    schema = json.loads((here / "data" / "schema.json").read_text(encoding="utf-8"))
    for path in write_pack(build(), schema, args.out):
        print(path)
    return 0
