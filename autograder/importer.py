"""Import submissions: a folder of per-trainee folders, or a zip downloaded from an LMS, into submitted/.

Accepted layouts (in a folder or a zip):

* ``<trainee>/<notebook>.ipynb`` (also ``<trainee>/<assignment>/<notebook>.ipynb``);
* flat files named by trainee: ``<trainee>_<notebook>.ipynb``;
* Moodle: ``<Full Name>_<number>_assignsubmission_file_<notebook>.ipynb`` or the same as a folder name.

The trainee part is matched to a roster CSV (``--roster``, columns ``id`` and optionally ``name``, ``email``) by
id, by name or by e-mail user, ignoring case; without a roster the trainee part itself (made safe) is the id.
Notebook names are matched to the course's notebooks exactly, else by fuzzy matching (rapidfuzz); such files are
flagged *renamed*. Also flagged: *late* (after the deadline in grading.toml or ``--deadline``), *duplicate*
(several files for one notebook: the newest wins), *invalid* (not a readable notebook: not imported, scores 0),
*unknown trainee* (not on the roster: not imported), *missing* (a roster trainee without a notebook of an
assignment someone submitted). The flags go to ``manifest.json`` and the report. Re-importing the same files
changes nothing; a newer file replaces the older submission.
"""

from __future__ import annotations

import argparse
import csv
import io
import re
import sys
import unicodedata
import zipfile
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path, PurePosixPath

from autograder.common import (
    EXIT_OK,
    EXIT_USAGE,
    UsageError,
    add_course_arguments,
    atomic_write_bytes,
    atomic_write_json,
    atomic_write_text,
    exercise_of,
    load_settings,
    read_json,
)

MOODLE = re.compile(r"^(?P<who>.+?)_(?P<num>\d+)_assign(?:submission|feedback)_\w+?_(?P<rest>.*)$")
TIMESTAMP_FMT = "%Y-%m-%d %H:%M:%S.%f %Z"
FUZZY_CUTOFF = 70.0


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_course_arguments(parser)
    parser.add_argument("source", type=Path, help="folder of per-trainee folders, or an LMS zip")
    parser.add_argument(
        "--roster", type=Path, help="CSV with an 'id' column (and optionally 'name', 'email')"
    )
    parser.add_argument("--assignment", "-a", action="append", help="only notebooks of this assignment")
    parser.add_argument(
        "--deadline", action="append", metavar="ASSIGNMENT=ISO-TIME", help="deadline (overrides grading.toml)"
    )


@dataclass
class Candidate:
    who: str
    filename: str
    data: bytes
    timestamp: datetime
    origin: str
    participant: str = ""  # Moodle's participant number (from "<Full Name>_<number>_assignsubmission_file_")


@dataclass
class Roster:
    ids: list[str] = field(default_factory=list)
    keys: dict[str, str] = field(default_factory=dict)  # normalised id/name/email user -> id
    people: dict[str, dict] = field(default_factory=dict)  # id -> {"name", "email"} as the roster gives them

    def lookup(self, who: str) -> str | None:
        if not self.ids:
            return safe_id(who)
        return self.keys.get(norm(who))


# Letters that Unicode decomposition does not bring to ASCII, or brings wrongly for the course's trainees.
# Turkish: the dotted capital I and the dotless i both become "i" (İ/ı -> i), ş -> s, ğ -> g, ç -> c, ö -> o,
# ü -> u (the last four also decompose, listed so the table is complete). Bulgarian Cyrillic: the official
# Streamlined System of the Transliteration Act (Закон за транслитерацията, State Gazette 19/2009, art. 3), e.g.
# щ -> sht, ъ -> a, ю -> yu, я -> ya, ж -> zh, ц -> ts, ч -> ch, ш -> sh, й -> y, х -> h. (Its special rule
# "ия" -> "ia" at the end of a word is applied too.)
TRANSLITERATION: dict[str, str] = {
    "İ": "I", "ı": "i", "Ş": "S", "ş": "s", "Ğ": "G", "ğ": "g", "Ç": "C", "ç": "c", "Ö": "O", "ö": "o",
    "Ü": "U", "ü": "u",
    "а": "a", "б": "b", "в": "v", "г": "g", "д": "d", "е": "e", "ж": "zh", "з": "z", "и": "i", "й": "y",
    "к": "k", "л": "l", "м": "m", "н": "n", "о": "o", "п": "p", "р": "r", "с": "s", "т": "t", "у": "u",
    "ф": "f", "х": "h", "ц": "ts", "ч": "ch", "ш": "sh", "щ": "sht", "ъ": "a", "ь": "y", "ю": "yu", "я": "ya",
    "А": "A", "Б": "B", "В": "V", "Г": "G", "Д": "D", "Е": "E", "Ж": "Zh", "З": "Z", "И": "I", "Й": "Y",
    "К": "K", "Л": "L", "М": "M", "Н": "N", "О": "O", "П": "P", "Р": "R", "С": "S", "Т": "T", "У": "U",
    "Ф": "F", "Х": "H", "Ц": "Ts", "Ч": "Ch", "Ш": "Sh", "Щ": "Sht", "Ъ": "A", "Ь": "Y", "Ю": "Yu", "Я": "Ya",
}  # fmt: skip
_TRANSLATE = str.maketrans(TRANSLITERATION)
_IA_AT_END = re.compile(r"(?<=[Ии])[Яя]\b")


def transliterate(text: str) -> str:
    """Latin letters for a name: Turkish and Bulgarian letters by TRANSLITERATION, other accents dropped
    (Unicode NFKD). Composed input (NFC) is assumed, as LMS exports give; decomposed input is composed first."""
    text = unicodedata.normalize("NFC", text)
    text = _IA_AT_END.sub(lambda m: "a" if m.group(0).islower() else "A", text)
    text = text.translate(_TRANSLATE)
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()


def norm(text: str) -> str:
    return re.sub(r"[\s_.\-]+", " ", transliterate(text)).strip().lower()


def safe_id(who: str) -> str:
    return re.sub(r"[^A-Za-z0-9]+", "-", transliterate(who)).strip("-").lower() or "unknown"


def read_roster(path: Path | None) -> Roster:
    roster = Roster()
    if path is None:
        return roster
    try:
        rows = list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8-sig"))))
    except OSError as exc:
        raise UsageError(f"cannot read roster {path}: {exc}") from exc
    if not rows or "id" not in rows[0]:
        raise UsageError(f"roster {path} needs an 'id' column (found {list(rows[0]) if rows else 'no rows'})")
    for row in rows:
        sid = (row.get("id") or "").strip()
        if not sid:
            continue
        if safe_id(sid) != sid.lower() or sid != sid.lower():
            raise UsageError(f"roster {path}: id {sid!r} must be lower-case letters, digits and dashes")
        roster.ids.append(sid)
        roster.people[sid] = {
            k: (row.get(k) or "").strip() for k in ("name", "email", "idnumber") if (row.get(k) or "").strip()
        }
        for key in (sid, row.get("name") or "", (row.get("email") or "").split("@")[0]):
            if key.strip():
                roster.keys[norm(key)] = sid
    return roster


def split_who(path: str, roster: Roster) -> tuple[str, str]:
    """(trainee part, notebook file name) of an archive/folder path."""
    parts = [p for p in PurePosixPath(path).parts if p not in ("", ".")]
    if len(parts) >= 2:
        who = parts[0]
        m = MOODLE.match(who)
        return (m.group("who") if m else who), parts[-1]
    name = parts[-1]
    m = MOODLE.match(name)
    if m:
        return m.group("who"), m.group("rest")
    # flat "<trainee>_<notebook>": prefer the longest roster key that prefixes the name
    for key in sorted(roster.keys, key=len, reverse=True):
        n = norm(name)
        if n.startswith(key + " "):
            cut = len(key)
            # find the cut position in the original name: count significant characters
            for i in range(1, len(name) + 1):
                if norm(name[:i]) == key and name[i : i + 1] in ("_", "-", " ", "."):
                    cut = i
                    break
            return name[:cut], name[cut + 1 :]
    who, sep, rest = name.partition("_")
    return (who, rest) if sep else ("", name)


def moodle_participant(path: str) -> str:
    """Moodle's participant number in a submission path, or ""."""
    for part in PurePosixPath(path).parts:
        m = MOODLE.match(part)
        if m:
            return m.group("num")
    return ""


def collect(source: Path, roster: Roster, only: list[str] | None = None) -> list[Candidate]:
    """The notebooks of a zip file or folder; ``only``: just these top-level folders of a folder source."""
    out: list[Candidate] = []
    if source.is_file() and zipfile.is_zipfile(source):
        with zipfile.ZipFile(source) as zf:
            for info in zf.infolist():
                name = info.filename
                if info.is_dir() or "__MACOSX" in name or not name.lower().endswith(".ipynb"):
                    continue
                if ".ipynb_checkpoints" in name:
                    continue
                who, fname = split_who(name, roster)
                stamp = datetime(*info.date_time, tzinfo=timezone.utc)
                out.append(
                    Candidate(
                        who, fname, zf.read(info), stamp, f"{source.name}:{name}", moodle_participant(name)
                    )
                )
    elif source.is_dir():
        tops = [source / who for who in only] if only else [source]
        for f in sorted(f for top in tops if top.is_dir() for f in top.rglob("*.ipynb")):
            rel = f.relative_to(source).as_posix()
            if ".ipynb_checkpoints" in rel:
                continue
            who, fname = split_who(rel, roster)
            stamp = None
            top = source / PurePosixPath(rel).parts[0]
            # nbgrader's layout keeps timestamp.txt beside the notebooks (<trainee>/<assignment>/)
            ts_file = next(
                (t for t in (f.parent / "timestamp.txt", top / "timestamp.txt") if t.is_file()), None
            )
            if ts_file is not None:
                stamp = parse_timestamp(ts_file.read_text().strip())
            if stamp is None:
                stamp = datetime.fromtimestamp(f.stat().st_mtime, tz=timezone.utc)
            out.append(Candidate(who, fname, f.read_bytes(), stamp, rel, moodle_participant(rel)))
    else:
        raise UsageError(f"{source} is neither a folder nor a zip file")
    return out


def parse_timestamp(text: str) -> datetime | None:
    text = text.replace(" UTC", "+00:00").strip()
    try:
        ts = datetime.fromisoformat(text)
    except ValueError:
        return None
    return ts if ts.tzinfo else ts.replace(tzinfo=timezone.utc)


def match_notebook(filename: str, notebooks: dict[str, str]) -> tuple[str | None, bool]:
    """(notebook stem, renamed?) for a submitted file name; ``notebooks`` maps stem -> assignment."""
    from rapidfuzz import fuzz, process

    stem = filename[:-6] if filename.lower().endswith(".ipynb") else filename
    if stem in notebooks:
        return stem, False
    cleaned = re.sub(r"\s*\(\d+\)$|[-_ ]copy\d*$|[-_ ]?v\d+$", "", stem.strip(), flags=re.I)
    if cleaned in notebooks:
        return cleaned, True
    m = re.match(r"^(ex\d+)\b", cleaned, flags=re.I)
    if m:
        same = [
            s
            for s in notebooks
            if s.lower().startswith(m.group(1).lower() + "-") or s.lower() == m.group(1).lower()
        ]
        if len(same) == 1:
            return same[0], True
    best = process.extractOne(cleaned, list(notebooks), scorer=fuzz.WRatio, score_cutoff=FUZZY_CUTOFF)
    return (best[0], True) if best else (None, False)


def import_submissions(
    course_dir: Path,
    exercises: Path,
    source: Path,
    roster_path: Path | None,
    settings,
    assignments: list[str] | None = None,
    students: list[str] | None = None,
) -> dict:
    """Import ``source`` into ``course_dir/submitted``; return the updated manifest. With ``students`` (a
    folder source laid out ``<trainee>/...``), only those trainees' folders are read."""
    import nbformat

    from autograder.course import parse_deadline, prepare

    all_assignments = prepare(course_dir, exercises, settings, None)
    wanted = assignments or all_assignments
    unknown = sorted(set(wanted) - set(all_assignments))
    if unknown:
        raise UsageError(f"unknown assignment(s) {unknown}; known: {all_assignments}")
    notebooks = {p.stem: a for a in wanted for p in sorted((course_dir / "release" / a).glob("*.ipynb"))}
    roster = read_roster(roster_path)
    manifest = read_json(course_dir / "manifest.json", {}) or {}
    entries: dict = manifest.setdefault("submissions", {})
    problems: list[dict] = manifest.setdefault("problems", [])
    people: dict = manifest.setdefault("people", {})  # trainee id -> name, e-mail, Moodle participant number
    problems[:] = [p for p in problems if p.get("source") != str(source.resolve())]

    chosen: dict[tuple[str, str], list[tuple[Candidate, bool]]] = {}
    for cand in collect(source, roster, students):
        sid = roster.lookup(cand.who) if cand.who else None
        if sid is None:
            problems.append(
                {
                    "source": str(source.resolve()),
                    "file": cand.origin,
                    "flag": f"unknown trainee {cand.who!r}: not imported",
                }
            )
            continue
        person = people.setdefault(sid, {})
        person.update(roster.people.get(sid, {}))
        person.setdefault("name", cand.who)
        if cand.participant:
            person["moodle_participant"] = cand.participant
        stem, renamed = match_notebook(cand.filename, notebooks)
        if stem is None:
            problems.append(
                {
                    "source": str(source.resolve()),
                    "file": cand.origin,
                    "trainee": sid,
                    "flag": f"file {cand.filename!r} matches no notebook of {sorted(wanted)}: not imported",
                }
            )
            continue
        chosen.setdefault((sid, stem), []).append((cand, renamed))

    touched = set()
    for (sid, stem), cands in sorted(chosen.items()):
        a = notebooks[stem]
        cands.sort(key=lambda c: c[0].timestamp)
        cand, renamed = cands[-1]
        key = f"{sid}/{a}"
        entry = entries.setdefault(key, {"student": sid, "assignment": a, "notebooks": {}})
        nb_entry = {"origin": cand.origin, "timestamp": cand.timestamp.isoformat(), "flags": []}
        if renamed:
            nb_entry["flags"].append(f"renamed: {cand.filename!r} taken as {stem}.ipynb")
        if len(cands) > 1:
            others = ", ".join(c.origin for c, _ in cands[:-1])
            nb_entry["flags"].append(
                f"duplicate: {len(cands)} files; kept the newest ({cand.origin}), ignored {others}"
            )
        dest_dir = course_dir / "submitted" / sid / a
        dest = dest_dir / f"{stem}.ipynb"
        try:
            nb = nbformat.reads(cand.data.decode("utf-8"), as_version=4)
            nbformat.validate(nb)
            valid = True
        except Exception as exc:  # noqa: BLE001 - any unreadable notebook is flagged, never fatal
            nb_entry["flags"].append(f"invalid notebook ({type(exc).__name__}): not imported, scores 0")
            valid = False
        dest_dir.mkdir(parents=True, exist_ok=True)
        if valid:
            if not dest.exists() or dest.read_bytes() != cand.data:
                atomic_write_bytes(dest, cand.data)
        elif dest.exists():
            dest.unlink()
        entry["notebooks"][stem] = nb_entry
        touched.add(key)

    # per-submission timestamp (the newest notebook) and lateness
    for key in touched:
        entry = entries[key]
        sid, a = entry["student"], entry["assignment"]
        stamp = max(datetime.fromisoformat(n["timestamp"]) for n in entry["notebooks"].values())
        entry["timestamp"] = stamp.isoformat()
        entry["flags"] = [f for n in entry["notebooks"].values() for f in n["flags"]]
        if a in settings.deadlines:
            late = (stamp - parse_deadline(settings.deadlines[a], a)).total_seconds()
            entry["late_seconds"] = max(0.0, late)
            if late > 0:
                entry["flags"].append(f"late by {format_delay(late)}")
        ts_text = stamp.astimezone(timezone.utc).strftime("%Y-%m-%d %H:%M:%S.%f") + " UTC"
        ts_path = course_dir / "submitted" / sid / a / "timestamp.txt"
        if not ts_path.exists() or ts_path.read_text() != ts_text:
            atomic_write_text(ts_path, ts_text)

    # missing notebooks of roster trainees, for assignments somebody submitted. An exercise is done in one language:
    # a trainee who submitted one version (English or Turkish, exercise_of) misses nothing of the other, and one
    # who submitted neither is missing only the first version somebody submitted (the English when there is one).
    submitted_assignments = sorted({e["assignment"] for e in entries.values()} & set(wanted))
    missing = manifest.setdefault("missing", {})
    for a in submitted_assignments:
        expected = sorted(s for s, aa in notebooks.items() if aa == a)
        ids = roster.ids or sorted({e["student"] for e in entries.values()})
        versions = [v for v in submitted_assignments if exercise_of(v) == exercise_of(a)]
        for sid in ids:
            have = set(entries.get(f"{sid}/{a}", {}).get("notebooks", {}))
            lacking = [s for s in expected if s not in have]
            done_other = any(entries.get(f"{sid}/{v}", {}).get("notebooks") for v in versions if v != a)
            if lacking and not have and (done_other or a != versions[0]):
                missing.pop(f"{sid}/{a}", None)
            elif lacking:
                missing[f"{sid}/{a}"] = lacking
                (course_dir / "submitted" / sid / a).mkdir(parents=True, exist_ok=True)
            else:
                missing.pop(f"{sid}/{a}", None)
    if roster.ids:
        manifest["roster"] = sorted(set(manifest.get("roster", [])) | set(roster.ids))
    atomic_write_json(course_dir / "manifest.json", manifest)
    return manifest


def format_delay(seconds: float) -> str:
    if seconds < 3600:
        return f"{seconds / 60:.0f} min"
    if seconds < 86400 * 2:
        return f"{seconds / 3600:.1f} h"
    return f"{seconds / 86400:.1f} days"


def manifest_flags(manifest: dict) -> list[str]:
    out = [
        f"{k}: {f}" for k, e in sorted(manifest.get("submissions", {}).items()) for f in e.get("flags", [])
    ]
    out += [f"{k}: missing {v}" for k, v in sorted(manifest.get("missing", {}).items())]
    out += [f"{p.get('file')}: {p['flag']}" for p in manifest.get("problems", [])]
    return out


def run(args: argparse.Namespace) -> int:
    try:
        settings = load_settings(args.course_dir, args)
        manifest = import_submissions(
            args.course_dir, args.exercises, args.source, args.roster, settings, args.assignment
        )
    except UsageError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    flags = manifest_flags(manifest)
    for f in flags:
        print(f"needs a look: {f}", file=sys.stderr)
    n = len(manifest.get("submissions", {}))
    print(
        f"imported: {n} submission(s) in {args.course_dir / 'submitted'}; {len(flags)} flag(s)",
        file=sys.stderr,
    )
    return EXIT_OK
