"""The graded exercises (nbgrader): structure of the sources, clean releases, full marks for the solutions,
zero for the blank releases, and one wrong answer costing exactly its own points.

All nbgrader work happens once, in a temporary copy of the course directory (module-scoped fixture): the
release is generated there and every submission (the solution, the blank release and one mutant per
autograded question) is autograded in one ``nbgrader autograde`` call per assignment.
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[1]
COURSE = ROOT / "exercises"
sys.path.insert(0, str(ROOT))

from autograder import release  # noqa: E402
from tests.alt_answers import ALT_ANSWERS  # noqa: E402

ASSIGNMENTS = release.list_assignments(COURSE)
# The Turkish twins (<name>-tr, exercises/authoring/build.py) go through every test. Autograding (the solution,
# the blank release, one mutant per question) is the slow part: the Turkish side of it runs on a representative
# subset: ex0 (hidden data tables, written answers) and ex1 (f-string descriptions, a widget's label, list and
# choice checks). The other twins differ from these only in their text (test_turkish_twin_has_the_english_cells...).
TURKISH_GRADED = ["ex0-foundations-tr", "ex1-mapping-leading-sectors-tr"]
GRADED = [n for n in ASSIGNMENTS if not n.endswith("-tr")] + [n for n in TURKISH_GRADED if n in ASSIGNMENTS]
# the short clusterkit answers of an English assignment answer its Turkish twin too
ALT = {**ALT_ANSWERS, **{f"{k}-tr": v for k, v in ALT_ANSWERS.items() if f"{k}-tr" in ASSIGNMENTS}}
EXPECTED = [
    "ex0-foundations",
    "ex1-mapping-leading-sectors",
    "ex2-clean-energy-value-chain",
    "ex3-national-benchmarking-index",
    "ex4-cluster-management-excellence",
    "ex5-field-project",
    "ex6-cooperation-networks",
    "ex7-capstone",
]
NOT_ANSWERED = {"NotImplementedError", "Unanswered"}

pytestmark = pytest.mark.xdist_group("exercises")


def _load(name: str) -> nbformat.NotebookNode:
    return nbformat.read(COURSE / "source" / name / f"{name}.ipynb", as_version=4)


def _nbg(cell) -> dict:
    return cell.metadata.get("nbgrader", {})


def answer_cells(nb) -> list:
    return [
        c for c in nb.cells if c.cell_type == "code" and _nbg(c).get("solution") and not _nbg(c).get("grade")
    ]


# --------------------------------------------------------------------------------------------------------
# Structure of the sources (fast)
# --------------------------------------------------------------------------------------------------------
def test_every_assignment_is_there():
    assert set(EXPECTED) <= set(ASSIGNMENTS), (
        f"missing assignments: {sorted(set(EXPECTED) - set(ASSIGNMENTS))}"
    )


@pytest.mark.parametrize("name", ASSIGNMENTS)
def test_source_structure(name):
    nb = _load(name)
    nbformat.validate(nb)
    assert nb.metadata.get("kernelspec", {}).get("name") == "python3", "kernelspec must be python3"
    outputs = [
        i for i, c in enumerate(nb.cells) if c.cell_type == "code" and (c.outputs or c.execution_count)
    ]
    assert not outputs, f"cells {outputs} carry outputs: commit sources without outputs"
    h1 = [
        c
        for c in nb.cells
        if c.cell_type == "markdown"
        for ln in c.source.splitlines()
        if re.match(r"#\s", ln)
    ]
    assert len(h1) == 1, f"{name}: expected exactly one H1 heading, found {len(h1)}"
    ids = [_nbg(c)["grade_id"] for c in nb.cells if _nbg(c)]
    assert len(ids) == len(set(ids)), f"duplicate grade ids: {sorted({i for i in ids if ids.count(i) > 1})}"
    graded = [c for c in nb.cells if _nbg(c).get("grade")]
    assert graded, "no graded cells"
    for c in graded:
        assert _nbg(c).get("points", 0) > 0, f"graded cell {_nbg(c)['grade_id']} has no points"
        if c.cell_type == "code":
            assert _nbg(c).get("locked"), f"test cell {_nbg(c)['grade_id']} must be locked"
            assert "### BEGIN HIDDEN TESTS" in c.source, (
                f"test cell {_nbg(c)['grade_id']} has no hidden tests"
            )
            assert "clusterkit" in c.source or "ck." in c.source, (
                f"hidden tests of {_nbg(c)['grade_id']} must compute references with clusterkit"
            )
    total = sum(_nbg(c)["points"] for c in graded)
    stated = re.search(r"\*\*(?:Total|Toplam)[^*\d]*(\d+)[^*]*\*\*", nb.cells[0].source)  # en, tr
    assert stated, "the first cell must state the total as '**Total: N points**'"
    assert total == int(stated.group(1)), f"points add up to {total}, the first cell states {stated.group(1)}"
    # the answer/check pairing the mutation test and the trainees rely on
    for i, c in enumerate(nb.cells):
        if c in answer_cells(nb):
            var = _nbg(c)["grade_id"]
            assert re.search(rf"^{var} = None$", c.source, re.M), (
                f"answer cell {var} must start with {var} = None"
            )
            nxt = nb.cells[i + 1]
            assert _nbg(nxt).get("grade_id") == f"check_{var}", (
                f"answer {var} must be followed by check_{var}"
            )
            others = [_nbg(a)["grade_id"] for a in answer_cells(nb) if a is not c]
            used = [o for o in others if re.search(rf"\b{o}\b", c.source)]
            assert not used, f"answer {var} reuses other answers {used}: one wrong answer would cost twice"
    assert any(_nbg(c).get("grade") and c.cell_type == "markdown" for c in nb.cells), "no written answer"
    from autograder.rubrics import rubric_path

    assert rubric_path(COURSE, name).exists(), f"no rubric exercises/rubrics/{name}.md"
    pages = re.findall(r"`(cases/[\w-]+/case\.md)`", nb.cells[0].source)
    assert pages, "the first cell must point to the case page (cases/<case>/case.md)"
    for page in pages:
        assert (ROOT / page).exists(), f"the first cell points to {page}, which does not exist"


@pytest.mark.parametrize("name", ASSIGNMENTS)
def test_rubric_covers_every_written_answer(name):
    from autograder.rubrics import rubric_path

    rubric = rubric_path(COURSE, name).read_text()
    for c in _load(name).cells:
        if c.cell_type == "markdown" and _nbg(c).get("grade"):
            assert _nbg(c)["grade_id"] in rubric, f"rubric of {name} does not cover {_nbg(c)['grade_id']}"


@pytest.mark.parametrize("name", [n for n in ASSIGNMENTS if n.endswith("-tr")])
def test_turkish_twin_has_the_english_cells_grade_ids_and_points(name):
    """One gradebook for both languages: the twin has the same cells (ids, types, nbgrader metadata) and says
    it is Turkish; its set-up cell switches clusterkit's messages to Turkish."""
    tr, en = _load(name), _load(name.removesuffix("-tr"))
    assert [(c.get("id"), c.cell_type, _nbg(c)) for c in tr.cells] == [
        (c.get("id"), c.cell_type, _nbg(c)) for c in en.cells
    ]
    assert tr.metadata["clusterkit"] == {"language": "tr"} and "clusterkit" not in en.metadata
    setup = next(c for c in tr.cells if c.cell_type == "code")
    assert 'i18n.set_language("tr")' in setup.source


def _run_check(name: str, var: str, value) -> None:
    """Run the setup cell and the check cell of ``var`` (visible and hidden tests) with ``var = value``."""
    nb = _load(name)
    setup = next(c for c in nb.cells if c.cell_type == "code")
    check = next(c for c in nb.cells if _nbg(c).get("grade_id") == f"check_{var}")
    ns: dict = {}
    exec(compile(setup.source, f"{name}:setup", "exec"), ns)
    ns[var] = value
    exec(compile(check.source, f"{name}:check_{var}", "exec"), ns)


def test_ex5_q5_counts_the_university_and_the_chamber_as_members():
    """13 committed firms + a university department + the chamber of commerce = 15 members: eligible."""
    from clusterkit.data import load_case

    survey = load_case("ecei-field-projects")["wedding_survey"]
    assert int((survey["willingness_to_pay_fee"] >= 4).sum()) == 13
    _run_check("ex5-field-project", "q5_eligible", True)
    with pytest.raises(Exception, match="eligibility"):
        _run_check("ex5-field-project", "q5_eligible", False)


def test_sources_match_their_authoring_modules(capsys):
    """The notebooks are written by exercises/authoring/build.py: edit the module, then rebuild."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("exercise_build", COURSE / "authoring" / "build.py")
    build = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(build)
    assert build.build(check=True) == 0, (
        f"{capsys.readouterr().out}run `python exercises/authoring/build.py` after editing exercises/authoring/"
    )


def _list_checks() -> list[tuple[str, int, str]]:
    """(assignment, cell index, answer variable) of every check of a "which ones?" list answer."""
    out = []
    for name in ASSIGNMENTS:
        for i, cell in enumerate(_load(name).cells):
            m = re.search(r"g\.expect_list_of\((\w+),", cell.source) if cell.cell_type == "code" else None
            if m:
                out.append((name, i, m.group(1)))
    return out


def test_list_answer_checks_are_found():
    found = {name.split("-")[0] for name, _, _ in _list_checks()}
    assert found >= {"ex1", "ex2", "ex4", "ex6"}, found


def _visible(source: str) -> str:
    """A cell's code without its hidden tests and IPython magics."""
    head, _, rest = source.partition("### BEGIN HIDDEN TESTS")
    code = head + rest.partition("### END HIDDEN TESTS")[2]
    return "\n".join(x for x in code.splitlines() if not x.lstrip().startswith(("%", "!")))


@pytest.mark.parametrize(("name", "index", "var"), _list_checks(), ids=lambda v: str(v))
def test_list_answer_checks_answer_a_wrong_form_in_plain_words(name, index, var, monkeypatch):
    """A number, a piece of text or unknown names in a list answer get the WrongAnswer message, not a TypeError
    or a check of each letter of the text."""
    from clusterkit import grading as g

    monkeypatch.chdir(COURSE / "source" / name)
    monkeypatch.setenv("MPLBACKEND", "Agg")
    cells = _load(name).cells
    ns: dict = {}
    for cell in cells[:index]:
        if cell.cell_type == "code":
            exec(compile(_visible(cell.source), f"{name}[{cell.get('id')}]", "exec"), ns)
    check = compile(_visible(cells[index].source), f"{name}[check {var}]", "exec")
    english = (
        (3, "a single number"),
        ("some text", "a piece of text"),
        (["no such name"], "not a"),
    )
    turkish = (  # the notebook's set-up cell switched clusterkit to Turkish
        (3, "tek bir sayı"),
        ("some text", "bir metin"),
        (["no such name"], "verideki bir"),
    )
    for wrong, words in turkish if name.endswith("-tr") else english:
        ns[var] = wrong
        with pytest.raises(g.WrongAnswer, match=words):
            exec(check, ns)


# --------------------------------------------------------------------------------------------------------
# The release checker itself must catch leaks (positive control)
# --------------------------------------------------------------------------------------------------------
def test_secret_lines_are_found_and_visible_lines_are_not():
    nb = nbformat.v4.new_notebook()
    cell = nbformat.v4.new_code_cell(
        "df = load('x')\nq1_total = None\n### BEGIN SOLUTION\nq1_total = df['jobs'].sum()\n### END SOLUTION"
    )
    cell.metadata["nbgrader"] = {"solution": True, "grade": False, "grade_id": "q1_total", "locked": False}
    test = nbformat.v4.new_code_cell(
        "check(q1_total)\n### BEGIN HIDDEN TESTS\nassert q1_total == 42\n### END HIDDEN TESTS"
    )
    nb.cells = [cell, test]
    secret = release.secret_lines(nb)
    assert "q1_total = df['jobs'].sum()" in secret and "assert q1_total == 42" in secret
    assert "q1_total = None" not in secret and "check(q1_total)" not in secret


# --------------------------------------------------------------------------------------------------------
# nbgrader runs (one temporary course for the whole module)
# --------------------------------------------------------------------------------------------------------
WRONG = """
def _wrong(v):  # mutation: a wrong but well-typed answer
    import numpy as np
    import pandas as pd
    if isinstance(v, (bool, np.bool_)):
        return not v
    if isinstance(v, (int, np.integer)):
        return v + 1
    if isinstance(v, (float, np.floating)):
        return v * 1.1 + 0.01
    if isinstance(v, pd.DataFrame):
        v = v.copy()
        for col in v.columns:
            v[col] = _wrong(v[col])
        return v
    if isinstance(v, pd.Series):
        if pd.api.types.is_bool_dtype(v):
            return ~v
        if pd.api.types.is_numeric_dtype(v):
            return v * 1.1 + 0.01
        return pd.Series(list(v.iloc[1:]) + list(v.iloc[:1]), index=v.index, name=v.name)
    if isinstance(v, str):
        return v + " (wrong)"
    if isinstance(v, (list, tuple, set)):
        items = list(v)
        return type(v)(items[1:] if items else ["none"])
    raise TypeError(f"no mutation for {type(v).__name__}")
"""


def with_alternative_answers(nb, answers: dict[str, str]):
    """A copy of ``nb`` whose model solutions are replaced by the short clusterkit answers of tests/alt_answers.py."""
    nb = nbformat.from_dict(json.loads(json.dumps(nb)))
    for cell in answer_cells(nb):
        var = _nbg(cell)["grade_id"]
        head, rest = cell.source.split("### BEGIN SOLUTION\n")
        cell.source = (
            f"{head}### BEGIN SOLUTION\n{answers[var]}\n### END SOLUTION{rest.split('### END SOLUTION')[1]}"
        )
    return nb


def mutate(nb, var: str):
    """A copy of ``nb`` whose answer ``var`` is made wrong (everything else still the solution)."""
    nb = nbformat.from_dict(json.loads(json.dumps(nb)))
    (cell,) = [c for c in answer_cells(nb) if _nbg(c)["grade_id"] == var]
    assert "### END SOLUTION" in cell.source
    cell.source = cell.source.replace("### END SOLUTION", f"{WRONG}\n{var} = _wrong({var})\n### END SOLUTION")
    return nb


@pytest.fixture(scope="module")
def course(tmp_path_factory):
    """Temporary course: release generated, submissions autograded; returns paths and scores."""
    root = tmp_path_factory.mktemp("course")
    shutil.copy(COURSE / "nbgrader_config.py", root / "nbgrader_config.py")
    shutil.copytree(COURSE / "source", root / "source", ignore=shutil.ignore_patterns(".ipynb_checkpoints"))
    failures = release.generate(root, ASSIGNMENTS)
    assert not failures, f"nbgrader generate_assignment failed: {failures}"
    students: dict[str, list[str]] = {}
    for name in GRADED:
        src = _load(name)
        rel_dir = root / "release" / name
        subs = {"solution": src, "blank": nbformat.read(rel_dir / f"{name}.ipynb", as_version=4)}
        for cell in answer_cells(src):
            var = _nbg(cell)["grade_id"]
            subs[f"wrong-{var.replace('_', '-')}"] = mutate(src, var)
        if name in ALT:
            subs["alt-clusterkit"] = with_alternative_answers(src, ALT[name])
        for student, nb in subs.items():
            dest = root / "submitted" / student / name
            shutil.copytree(rel_dir, dest)  # the data files shipped beside the notebook
            nbformat.write(nb, dest / f"{name}.ipynb")
        students[name] = sorted(subs)
        out = subprocess.run(
            [sys.executable, "-m", "nbgrader", "autograde", name, "--force"],
            cwd=root,
            capture_output=True,
            text=True,
            timeout=900,
        )
        assert out.returncode == 0, (
            f"nbgrader autograde {name} failed:\n{out.stdout[-3000:]}\n{out.stderr[-3000:]}"
        )
    from nbgrader.api import Gradebook

    scores: dict[tuple[str, str], dict[str, tuple[float | None, float]]] = {}
    with Gradebook(f"sqlite:///{root / 'gradebook.db'}") as gb:
        for name in GRADED:
            for student in students[name]:
                sub = gb.find_submission_notebook(name, name, student)
                scores[name, student] = {g.name: (g.auto_score, g.max_score) for g in sub.grades}
    return {"root": root, "scores": scores, "students": students}


def _auto(scores: dict) -> dict[str, tuple[float, float]]:
    """Autograded cells only (manually graded written answers have no auto score)."""
    return {k: v for k, v in scores.items() if k.startswith("check_")}


@pytest.mark.slow
@pytest.mark.parametrize("name", ASSIGNMENTS)
def test_release_has_no_solution_or_hidden_tests(course, name):
    root = course["root"]
    assert release.verify_release(root / "source" / name, root / "release" / name) == []
    text = (root / "release" / name / f"{name}.ipynb").read_text()
    assert "raise NotImplementedError()" in text and "YOUR ANSWER HERE" in text
    assert not list((root / "release" / name).glob("RUBRIC*"))


@pytest.mark.slow
@pytest.mark.parametrize("name", ASSIGNMENTS)
def test_release_checker_catches_a_planted_leak(course, name, tmp_path):
    root = course["root"]
    leaky = tmp_path / name
    shutil.copytree(root / "release" / name, leaky)
    nb = nbformat.read(leaky / f"{name}.ipynb", as_version=4)
    src = _load(name)
    check = next(c for c in src.cells if _nbg(c).get("grade") and c.cell_type == "code")
    hidden = check.source.split("### BEGIN HIDDEN TESTS\n")[1].split("\n### END")[0].splitlines()[-1]
    solution = (
        answer_cells(src)[-1].source.split("### BEGIN SOLUTION\n")[1].split("\n### END")[0].splitlines()[-1]
    )
    nb.cells.append(nbformat.v4.new_code_cell(f"{hidden}\n{solution}"))
    nbformat.write(nb, leaky / f"{name}.ipynb")
    problems = release.verify_release(root / "source" / name, leaky)
    secret = release.secret_lines(src)
    assert {" ".join(hidden.split()), " ".join(solution.split())} <= secret
    leaks = [p for p in problems if "contains solution or hidden-test text" in p]
    assert len(leaks) == 2, problems


@pytest.mark.slow
@pytest.mark.parametrize("name", GRADED)
def test_solution_gets_full_autograded_marks(course, name):
    auto = _auto(course["scores"][name, "solution"])
    assert auto, "no autograded cells"
    lost = {k: v for k, v in auto.items() if v[0] != v[1]}
    assert not lost, f"the source notebook loses marks on {lost} (score, max)"


@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(set(ALT) & set(GRADED)))
def test_short_clusterkit_answers_get_full_autograded_marks(course, name):
    """The non-programmer path: one or two lines calling clusterkit per question earn every point."""
    auto = _auto(course["scores"][name, "alt-clusterkit"])
    lost = {k: v for k, v in auto.items() if v[0] != v[1]}
    assert auto and not lost, f"the short clusterkit answers lose marks on {lost} (score, max)"


MODULES = r"\b(change|mapping|valuechain|inputoutput|excellence|likert|benchmark|network)\.(\w+)\("


def test_every_exercise_with_autograded_questions_has_short_clusterkit_answers():
    graded = [name for name in ASSIGNMENTS if answer_cells(_load(name))]
    assert sorted(ALT) == sorted(graded), (
        f"tests/alt_answers.py covers {sorted(ALT)}; exercises with autograded questions: {graded}"
    )


@pytest.mark.parametrize("name", sorted(ALT))
def test_every_autograded_question_has_a_short_clusterkit_answer_the_question_names(name):
    nb = _load(name)
    answers = ALT[name]
    ids = [_nbg(c)["grade_id"] for c in answer_cells(nb)]
    assert sorted(answers) == sorted(ids), (
        f"{name}: alternative answers for {sorted(answers)}, questions {ids}"
    )
    for i, cell in enumerate(nb.cells):
        if cell not in answer_cells(nb):
            continue
        var = _nbg(cell)["grade_id"]
        code = answers[var].splitlines()
        assert 1 <= len(code) <= 2, f"{name}/{var}: {len(code)} lines"
        assert re.findall(MODULES, answers[var]), f"{name}/{var}: the answer calls no clusterkit function"
        # the functions that make the answer: those on the line assigning it, else all the answer calls
        called = re.findall(MODULES, code[-1]) or re.findall(MODULES, answers[var])
        question = next(c.source for c in reversed(nb.cells[:i]) if c.cell_type == "markdown")
        for module, func in called:
            assert f"{module}.{func}" in question, f"{name}/{var}: the question does not name {module}.{func}"


@pytest.mark.slow
@pytest.mark.parametrize("name", GRADED)
def test_blank_release_scores_zero_and_fails_only_as_not_implemented(course, name):
    auto = _auto(course["scores"][name, "blank"])
    assert all(score == 0 for score, _ in auto.values()), f"the blank release scores {auto}"
    graded = nbformat.read(course["root"] / "autograded" / "blank" / name / f"{name}.ipynb", as_version=4)
    errors = [
        (i, o.ename)
        for i, c in enumerate(graded.cells)
        if c.cell_type == "code"
        for o in c.outputs
        if o.output_type == "error"
    ]
    assert errors, "the blank release raised nothing"
    other = [e for e in errors if e[1] not in NOT_ANSWERED]
    assert not other, f"the blank release fails with other errors than NotImplementedError: {other}"


@pytest.mark.slow
@pytest.mark.parametrize("name", GRADED)
def test_each_wrong_answer_costs_exactly_its_points(course, name):
    solution = _auto(course["scores"][name, "solution"])
    variables = [_nbg(c)["grade_id"] for c in answer_cells(_load(name))]
    assert len(variables) == len(solution), "every answer needs exactly one check cell"
    for var in variables:
        got = _auto(course["scores"][name, f"wrong-{var.replace('_', '-')}"])
        expected = {k: (0.0 if k == f"check_{var}" else v[1]) for k, v in solution.items()}
        actual = {k: v[0] for k, v in got.items()}
        assert actual == expected, f"{name}: with {var} wrong the scores are {actual}, expected {expected}"


@pytest.mark.slow
def test_release_job_writes_clean_zips_and_can_run_twice(course):
    root = course["root"]
    args = argparse.Namespace(assignments=[], all=True, course_dir=root, no_zip=False)
    assert release.run(args) == 0
    assert release.run(args) == 0  # --force: re-running is safe
    for name in ASSIGNMENTS:
        zpath = root / "release" / f"{name}.zip"
        with zipfile.ZipFile(zpath) as zf:
            names = zf.namelist()
            assert f"{name}/{name}.ipynb" in names
            assert not any("RUBRIC" in n.upper() for n in names)
            text = zf.read(f"{name}/{name}.ipynb").decode()
            assert "BEGIN SOLUTION" not in text and "BEGIN HIDDEN TESTS" not in text


def test_release_job_refuses_unknown_assignments(capsys):
    args = argparse.Namespace(assignments=["ex9-nope"], all=False, course_dir=COURSE, no_zip=True)
    assert release.run(args) == 2
    assert "unknown assignment" in capsys.readouterr().err


def test_release_job_fails_loudly_and_deletes_a_leaking_release(tmp_path, monkeypatch, capsys):
    """If the student version still held solutions (here: the source copied as is), no zip is written."""
    name = ASSIGNMENTS[0]
    shutil.copy(COURSE / "nbgrader_config.py", tmp_path / "nbgrader_config.py")
    shutil.copytree(COURSE / "source" / name, tmp_path / "source" / name)

    def fake_generate(course_dir, names):
        for n in names:
            shutil.copytree(Path(course_dir) / "source" / n, Path(course_dir) / "release" / n)
        return {}

    monkeypatch.setattr(release, "generate", fake_generate)
    args = argparse.Namespace(assignments=[name], all=False, course_dir=tmp_path, no_zip=False)
    assert release.run(args) == 1
    err = capsys.readouterr().err
    assert f"LEAK in {name}" in err and "BEGIN SOLUTION" in err and "solution or hidden-test text" in err
    assert not (tmp_path / "release" / name).exists()
    assert not (tmp_path / "release" / f"{name}.zip").exists()
