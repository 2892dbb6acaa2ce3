"""Put a submitted notebook back into the released shape before nbgrader reads it; list what was tampered with.

The released notebook is the reference: its cells, in its order, with its nbgrader metadata (grade id, points,
cell type, locked flag, checksum). Each submitted cell is matched to a released cell by cell id, else by grade
id, else (an ordinary cell of a notebook without cell ids) by identical source. Answer cells and ordinary cells
keep the trainee's source (and outputs); locked and test cells are taken as released. A released cell the
trainee deleted comes back as released (an answer cell then holds the stub); cells the trainee added stay where
they were (after the released cell before them), without nbgrader metadata. So changing a grade id, the points,
the cell type or the locked flag, or deleting, reordering or duplicating cells, costs at most the cells
concerned, and every such change is listed for the trainer.
"""

from __future__ import annotations

import copy

KEYS = ("grade", "solution", "locked", "grade_id", "points")


def _nbg(cell) -> dict:
    return cell.get("metadata", {}).get("nbgrader", {}) or {}


def _label(cell, index: int) -> str:
    return _nbg(cell).get("grade_id") or f"cell {index + 1}"


def repair(nb, release) -> tuple[object, list[str]]:
    """Return (the submitted notebook rebuilt on the release's cells, the list of tampering found)."""
    rel = release.cells
    by_id = {c.get("id"): i for i, c in enumerate(rel) if c.get("id")}
    by_gid = {_nbg(c)["grade_id"]: i for i, c in enumerate(rel) if _nbg(c).get("grade_id")}
    by_source = {(c.get("cell_type"), c.get("source", "")): i for i, c in enumerate(rel) if not _nbg(c)}
    taken: dict[int, object] = {}
    extras: dict[int, list] = {}
    tampered: list[str] = []
    last, order = -1, []
    for pos, cell in enumerate(nb.cells):
        gid = _nbg(cell).get("grade_id")
        i = by_id.get(cell.get("id"))
        if i is None or i in taken:
            i = by_gid.get(gid) if gid else None
        if (i is None or i in taken) and not gid:  # a notebook without cell ids: an unchanged ordinary cell
            i = by_source.get((cell.get("cell_type"), cell.get("source", "")))
        if i is None or i in taken:
            if _nbg(cell):
                tampered.append(
                    f"{gid or f'cell {pos + 1}'}: nbgrader cell not in the release (kept as a plain cell)"
                )
            extra = copy.deepcopy(cell)
            extra.get("metadata", {}).pop("nbgrader", None)
            if not extra.get("id") or extra.get("id") in by_id:
                extra["id"] = f"added-{pos}"
            extras.setdefault(last, []).append(extra)
            continue
        taken[i], last = cell, i
        order.append(i)
    if order != sorted(order):
        moved = [_label(rel[i], i) for k, i in enumerate(order) if k and i < max(order[:k])]
        tampered.append(f"cells reordered (put back in the released order): {moved}")
    cells = list(extras.get(-1, []))
    for i, rcell in enumerate(rel):
        meta = _nbg(rcell)
        sub = taken.get(i)
        new = copy.deepcopy(rcell)
        if sub is None:
            if meta:
                tampered.append(f"{_label(rcell, i)}: cell deleted (put back as released)")
        else:
            smeta = _nbg(sub)
            changed = [k for k in KEYS if meta.get(k) != smeta.get(k)]
            if meta and smeta.get("checksum") != meta.get("checksum") and meta.get("locked"):
                changed.append("checksum")
            if sub.get("cell_type") != rcell.get("cell_type"):
                changed.append("cell type")
            if changed and (meta or smeta):
                tampered.append(f"{_label(rcell, i)}: {', '.join(changed)} changed (released values used)")
            if not meta.get("locked") or meta.get("solution"):
                new["source"] = sub.get("source", "")
                if new.get("cell_type") == "code" and sub.get("cell_type") == "code":
                    new["outputs"] = copy.deepcopy(sub.get("outputs", []))
                    new["execution_count"] = sub.get("execution_count")
        cells.append(new)
        cells.extend(extras.get(i, []))
    out = copy.deepcopy(nb)
    out.cells = cells
    return out, tampered
