"""The five case studies under cases/: data packs load and validate, broken files fail clearly, illustrative
data regenerate byte-for-byte, case texts have their structure, and every figure a case text quotes is traced
to its source (the seed where ../shared/seeds exists) and no seed sentence is copied."""

from __future__ import annotations

import ast
import json
import operator
import re
import shutil
import subprocess
import sys
import unicodedata
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from clusterkit import data
from clusterkit.data import CaseDataError, check_io_identities, list_cases, load_case

ROOT = Path(__file__).resolve().parents[1]
CASES_DIR = ROOT / "cases"
SHARED = ROOT.parent / "shared"
SEEDS_DIR = SHARED / "seeds"
DOMAIN_NOTES = SHARED / "reference" / "domain-notes.md"

CASE_SEEDS = {
    "izmir-clean-energy": "000_71892cae00b9fcf9.txt",
    "sme-networking-turkey": "001_5dceb2522e234cf9.txt",
    "ecei-field-projects": "002_9fe63893673221f6.txt",
    "balkan-cluster-network": "003_ea7eebff4ade47bf.txt",
    "isim-clustem-gold-label": "004_25e7f86ed453e38d.txt",
}
CASE_SOURCES = {  # the bibliography entry (book/references.bib) of each case's source
    "izmir-clean-energy": "seed-bestforenergy-training",
    "sme-networking-turkey": "seed-smenetworking",
    "ecei-field-projects": "seed-efce-trainers",
    "balkan-cluster-network": "seed-sofia-meeting",
    "isim-clustem-gold-label": "seed-isim-clustem",
}
CASES = sorted(CASE_SEEDS)
REQUIRED_SECTIONS = [
    "Learning objectives",
    "The story",
    "Key facts",
    "The analytical question",
    "Discussion questions",
    "Data pack",
]
NUMBER_WORDS = {
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
}
NUMBER = re.compile(r"(?<![^\W\d_])\d+(?:[.,]\d+)*(?![^\W\d_])")  # not inside a word such as C2C
SEED_FILE = re.compile(r"\d{3}_[0-9a-f]{16}\.txt")
NO_SEEDS = f"the seeds are not available here ({SEEDS_DIR} does not exist); the provenance check needs them"


# ------------------------------------------------------------------------------------------------ helpers
def _norm(text: str) -> str:
    return re.sub(r"\s+", " ", unicodedata.normalize("NFC", text)).strip()


def _numbers(text: str) -> list[str]:
    """Number tokens, with trailing separators dropped and decimal commas read as points."""
    return [n.replace(",", ".") for n in NUMBER.findall(text)]


def _seed_text(case: str) -> str:
    return _norm((SEEDS_DIR / CASE_SEEDS[case]).read_text(encoding="utf-8"))


def _case_md(case: str) -> str:
    return (CASES_DIR / case / "case.md").read_text(encoding="utf-8")


def _prose(md: str) -> str:
    """case.md without code, seed file names, MyST labels/fences and ordered-list markers."""
    md = _drop_source_line(md)
    md = re.sub(r"```.*?```", " ", md, flags=re.S)
    md = re.sub(r"`[^`]*`", " ", md)
    md = SEED_FILE.sub(" ", md)
    md = re.sub(r"^\s*\(.*\)=\s*$", " ", md, flags=re.M)
    md = re.sub(r"^\s*:{3,}.*$", " ", md, flags=re.M)
    md = re.sub(r"^(\s*)\d+\.\s", r"\1", md, flags=re.M)
    return _norm(md)


def _drop_source_line(md: str) -> str:
    """Remove the 'Source: *headline* ...' reference (up to the blank line or fence that ends it): a bibliographic
    citation quotes the item's headline and date, which are neither the case's prose nor its figures."""
    return re.sub(r"^Source: \*.*?(?=^:::|^\s*$)", " ", md, flags=re.M | re.S)


# Proper names and literal quotations that may repeat the sources word for word in the copy check
NAMES = [
    "European Foundation for Cluster Excellence",
    "European Cluster Excellence Initiative",
    "clean energy and clean technology",
    "clean-energy and clean-technology",
    "BEST For Energy",
]


def _without_names_and_quotes(text: str) -> str:
    text = re.sub(r"„[^“]*“", " ", text)  # a literal quotation, glossed in the text
    for name in NAMES:
        text = re.sub(r"\s+".join(map(re.escape, name.split())), " NAME ", text, flags=re.I)
    return text


def _sections(md: str) -> dict[str, str]:
    parts = re.split(r"^## +(.+)$", md, flags=re.M)
    return {parts[i].strip(): parts[i + 1] for i in range(1, len(parts), 2)}


_OPS = {ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul, ast.Div: operator.truediv}


def _arith(expr: str) -> float:
    """Evaluate + - * / over number literals only (the 'formula' of a derived figure)."""

    def ev(node: ast.AST) -> float:
        if isinstance(node, ast.Expression):
            return ev(node.body)
        if isinstance(node, ast.Constant) and isinstance(node.value, int | float):
            return float(node.value)
        if isinstance(node, ast.BinOp) and type(node.op) in _OPS:
            return _OPS[type(node.op)](ev(node.left), ev(node.right))
        raise ValueError(f"formula {expr!r} may only use numbers and + - * /")

    return ev(ast.parse(expr, mode="eval"))


def _copy_case(tmp_path: Path, case: str) -> Path:
    root = tmp_path / "cases"
    shutil.copytree(CASES_DIR / case / "data", root / case / "data")
    return root


# ------------------------------------------------------------------------------------ loading and schema
def test_list_cases_finds_the_five_cases():
    assert list_cases() == CASES
    assert data.cases_root() == CASES_DIR


@pytest.mark.parametrize("case", CASES)
def test_data_pack_loads_and_validates(case):
    pack = load_case(case)
    assert pack.name == case and pack.title
    assert set(pack) == set(pack.schema["tables"])
    for name, df in pack.items():
        spec = pack.schema["tables"][name]
        assert len(df) > 0, f"{case}/{spec['file']} is empty"
        assert list(df.columns) == list(spec["columns"]), f"{case}/{spec['file']} columns out of schema order"
        assert spec.get("provenance"), f"{case}/{spec['file']}: table provenance missing"
        for col, cspec in spec["columns"].items():
            assert cspec.get("description"), f"{case}/{spec['file']}: column {col!r} has no description"
            if cspec["dtype"] in ("int", "float"):
                assert pd.api.types.is_numeric_dtype(df[col])
    dictionary = pack.dictionary
    assert {"table", "column", "unit", "description", "provenance"} <= set(dictionary.columns)
    assert dictionary["provenance"].str.len().gt(0).all()


@pytest.mark.parametrize("case", CASES)
def test_regenerating_reproduces_the_committed_files(case, tmp_path):
    script = CASES_DIR / case / "make_data.py"
    seed = re.search(r"^SEED = (\d+)$", script.read_text(encoding="utf-8"), re.M)
    assert seed, f"{script} must define SEED = <int> at module level"
    schema = json.loads((CASES_DIR / case / "data" / "schema.json").read_text(encoding="utf-8"))
    generated = [t for t in schema["tables"].values() if t.get("maintained") != "by hand"]
    assert generated, f"{case} has no illustrative table"
    for table in generated:
        assert table["provenance"].startswith("illustrative") and "make_data.py" in table["provenance"]
        assert f"SEED={seed.group(1)}" in table["provenance"], (
            f"{table['file']}: provenance must name the seed"
        )
    out = tmp_path / "out"
    subprocess.run(
        [sys.executable, str(script), "--out", str(out)], check=True, capture_output=True, cwd=tmp_path
    )
    written = sorted(p.name for p in out.iterdir())
    assert written == sorted([t["file"] for t in generated] + ["README.md"])
    for name in written:
        committed = (CASES_DIR / case / "data" / name).read_bytes()
        assert (out / name).read_bytes() == committed, f"{case}/data/{name} differs when regenerated"


@pytest.mark.parametrize("case", CASES)
def test_facts_tables_match_the_seed(case):
    if not SEEDS_DIR.is_dir():
        pytest.skip(NO_SEEDS)
    seed = _seed_text(case)
    seed_numbers = set(_numbers(seed))
    facts = load_case(case)["facts"]
    assert (facts["source_type"] != "public").any(), f"{case}: no fact from the seed"
    for row in facts.itertuples():
        where = f"{case}/facts.csv {row.fact_id}"
        if row.source_type == "public":
            assert not SEED_FILE.search(row.source), f"{where}: a public fact names a seed"
            continue
        assert row.source == CASE_SEEDS[case], f"{where}: cites {row.source}, expected {CASE_SEEDS[case]}"
        if row.source_type == "seed":
            missing = [n for n in _numbers(row.value) if n not in seed_numbers]
            assert _numbers(row.value) and not missing, f"{where}: {missing} not in the seed"
        elif row.source_type == "seed-count":
            items = row.items.split(";")
            assert len(items) == int(row.value), f"{where}: {len(items)} items listed, value says {row.value}"
            for item in items:
                assert item.casefold() in seed.casefold(), f"{where}: item {item!r} not in the seed"
        else:  # seed-words
            assert NUMBER_WORDS[row.items] == int(row.value) and row.items in seed, where


def _write_schema(root: Path, case: str, edit) -> None:
    path = root / case / "data" / "schema.json"
    schema = json.loads(path.read_text(encoding="utf-8"))
    edit(schema)
    path.write_text(json.dumps(schema), encoding="utf-8")


def test_missing_column_names_case_file_and_column(tmp_path):
    root = _copy_case(tmp_path, "izmir-clean-energy")
    path = root / "izmir-clean-energy" / "data" / "value_chain.csv"
    pd.read_csv(path).drop(columns="bought_in_inputs_meur").to_csv(path, index=False)
    with pytest.raises(CaseDataError, match=r"izmir-clean-energy.*value_chain\.csv.*bought_in_inputs_meur"):
        load_case("izmir-clean-energy", root=root)


def test_negative_value_names_file_column_and_line(tmp_path):
    root = _copy_case(tmp_path, "sme-networking-turkey")
    path = root / "sme-networking-turkey" / "data" / "employment.csv"
    df = pd.read_csv(path)
    df.loc[6, "employment"] = -5
    df.to_csv(path, index=False)
    with pytest.raises(CaseDataError, match=r"employment\.csv, column 'employment'.*-5.*line 8"):
        load_case("sme-networking-turkey", root=root)


def test_bad_json_names_the_schema_and_line(tmp_path):
    root = _copy_case(tmp_path, "balkan-cluster-network")
    path = root / "balkan-cluster-network" / "data" / "schema.json"
    path.write_text(
        path.read_text(encoding="utf-8").replace('"tables": {', '"tables": {,', 1), encoding="utf-8"
    )
    with pytest.raises(
        CaseDataError, match=r"balkan-cluster-network.*schema\.json: invalid JSON at line \d+"
    ):
        load_case("balkan-cluster-network", root=root)


@pytest.mark.parametrize(
    ("case", "file", "edit", "pattern"),
    [
        ("ecei-field-projects", "wedding_survey.csv", lambda d: d.assign(trust_in_members=d["trust_in_members"] + 5),
         r"wedding_survey\.csv, column 'trust_in_members'.* above the maximum 5"),
        ("balkan-cluster-network", "clusters.csv", lambda d: d.assign(members=d["members"].astype(str).str.cat(["x"] * len(d))),
         r"clusters\.csv, column 'members'.*is not a number"),
        ("balkan-cluster-network", "c2c_links.csv", lambda d: d.assign(cluster_b=["XX9", *d["cluster_b"][1:]]),
         r"c2c_links\.csv, column 'cluster_b'.*XX9.*not found in clusters\.csv"),
        ("isim-clustem-gold-label", "board.csv", lambda d: pd.concat([d, d.iloc[[0]]]),
         r"board\.csv: primary key .* not unique"),
        ("sme-networking-turkey", "employment.csv", lambda d: d.assign(extra=1),
         r"employment\.csv: column\(s\) \['extra'\] are not in schema\.json"),
        ("izmir-clean-energy", "io_sectors.csv", lambda d: d.assign(value_added=d["value_added"] + (d["sector"] == "WEQ")),
         r"izmir-clean-energy.*column identity fails for sector 'WEQ'"),
        ("sme-networking-turkey", "provinces.csv", lambda d: d.assign(pilot="maybe"),
         r"provinces\.csv, column 'pilot'.*'maybe'.*not true/false"),
    ],
)  # fmt: skip
def test_broken_files_give_clear_errors(tmp_path, case, file, edit, pattern):
    root = _copy_case(tmp_path, case)
    path = root / case / "data" / file
    edit(pd.read_csv(path, keep_default_na=False)).to_csv(path, index=False)
    with pytest.raises(CaseDataError, match=pattern):
        load_case(case, root=root)


def test_missing_file_and_bad_schema_entries(tmp_path):
    root = _copy_case(tmp_path, "izmir-clean-energy")
    (root / "izmir-clean-energy" / "data" / "io_sectors.csv").unlink()
    with pytest.raises(CaseDataError, match=r"file io_sectors\.csv: file not found"):
        load_case("izmir-clean-energy", root=root)
    root = _copy_case(tmp_path / "b", "izmir-clean-energy")
    _write_schema(
        root,
        "izmir-clean-energy",
        lambda s: s["tables"]["value_chain"]["columns"]["firms"].update(dtype="integer"),
    )
    with pytest.raises(CaseDataError, match=r"table 'value_chain', column 'firms': 'dtype' must be one of"):
        load_case("izmir-clean-energy", root=root)


def test_finding_the_cases_directory(tmp_path, monkeypatch):
    root = _copy_case(tmp_path, "isim-clustem-gold-label")
    monkeypatch.setenv(data.CASES_ENV, str(root))
    assert list_cases() == ["isim-clustem-gold-label"]
    monkeypatch.setenv(data.CASES_ENV, str(tmp_path / "nowhere"))
    with pytest.raises(FileNotFoundError, match="CLUSTERKIT_CASES"):
        list_cases()
    monkeypatch.delenv(data.CASES_ENV)
    with pytest.raises(KeyError, match=r"no case 'atlantis'.*known cases: \['balkan-cluster-network'"):
        load_case("atlantis")
    with pytest.raises(FileNotFoundError, match="root="):
        list_cases(root=tmp_path / "nowhere")


# --------------------------------------------------------------------------------------- domain content
def test_io_identities_on_the_published_example_and_the_case():
    # Miller & Blair (2009) section 2.3: Z, f and x of the two-sector example; VA = x - column sums of Z.
    z = pd.DataFrame({"sector": ["S1", "S2"], "S1": [150.0, 200.0], "S2": [500.0, 100.0]})
    trans = z.assign(final_demand=[350.0, 1700.0], total_output=[1000.0, 2000.0])
    sectors = pd.DataFrame({"sector": ["S1", "S2"], "value_added": [650.0, 1400.0]})
    check_io_identities(trans, sectors)
    with pytest.raises(ValueError, match="row identity fails for sector 'S2'"):
        check_io_identities(trans.assign(final_demand=[350.0, 1600.0]), sectors)
    with pytest.raises(ValueError, match="column identity fails for sector 'S1'"):
        check_io_identities(trans, sectors.assign(value_added=[600.0, 1400.0]))
    pack = load_case("izmir-clean-energy")
    t, s = pack["io_transactions"], pack["io_sectors"]
    codes = list(t["sector"])
    zmat = t[codes].to_numpy()
    np.testing.assert_allclose(zmat.sum(axis=1) + t["final_demand"], t["total_output"], atol=1e-6)
    s = s.set_index("sector").loc[codes]
    np.testing.assert_allclose(zmat.sum(axis=0) + s["imports"] + s["value_added"], t["total_output"])
    with pytest.raises(ValueError, match="column identity fails.*Z \\+ imports \\+ value added"):
        check_io_identities(t, pack["io_sectors"].assign(imports=0.0))
    a = zmat / t["total_output"].to_numpy()[None, :]
    assert np.all(a.sum(axis=0) < 1) and np.all(np.linalg.eigvals(a).real < 1), "Leontief inverse must exist"


def test_izmir_io_table_has_imports_matching_the_value_chain():
    """Every sector buys part of its inputs outside İzmir; for wind equipment (WEQ) the regional share of its
    purchases equals the input-weighted local input share of the value chain's equipment stages."""
    pack = load_case("izmir-clean-energy")
    t, s = pack["io_transactions"].set_index("sector"), pack["io_sectors"].set_index("sector")
    codes = list(t.index)
    regional = t[codes].sum(axis=0)
    assert (s["imports"] > 0).all(), "a regional table with no imports in some sector"
    vc = pack["value_chain"]
    eq = vc[vc["segment"].isin(["components", "assembly"])]
    chain_local = (eq["bought_in_inputs_meur"] * eq["local_input_share"]).sum() / eq[
        "bought_in_inputs_meur"
    ].sum()
    table_local = regional["WEQ"] / (regional["WEQ"] + s.loc["WEQ", "imports"])
    assert table_local == pytest.approx(chain_local, abs=0.002)
    # the leak shows in the multipliers: every value-added multiplier is below 1
    from clusterkit import inputoutput as io

    lmat = io.leontief_inverse(io.technical_coefficients(t[codes], t["total_output"]))
    vam = io.value_added_multipliers(lmat, s["value_added"], t["total_output"])
    assert (vam < 1).all() and vam.idxmin() == "WEQ"


def test_value_chains_have_positive_value_added():
    for case, table in [
        ("izmir-clean-energy", "value_chain"),
        ("ecei-field-projects", "wedding_value_chain"),
    ]:
        vc = load_case(case)[table]
        assert (vc["bought_in_inputs_meur"] < vc["output_meur"]).all(), case
        assert list(vc["stage_order"]) == list(range(1, len(vc) + 1)), f"{case}: stages out of order"
    vc = load_case("izmir-clean-energy")["value_chain"].set_index("segment")
    margin = 1 - vc["bought_in_inputs_meur"] / vc["output_meur"]
    # the smile curve the case text describes: assembly has the thinnest margin, both ends the thickest
    assert margin["assembly"].max() < margin.drop("assembly").min()
    assert margin[["upstream", "services", "downstream"]].max() > 2 * margin["assembly"].max()


def test_sme_pilot_provinces_have_leading_traded_sectors():
    pack = load_case("sme-networking-turkey")
    prov, sec, emp = pack["provinces"], pack["sectors"], pack["employment"]
    pilots = set(prov.loc[prov["pilot"], "province"])
    assert pilots == {"Çorum", "Trabzon", "Samsun", "Kahramanmaraş", "Gaziantep"}
    assert len(prov) == 81 and prov["nuts2"].nunique() == 26 and prov["nuts1"].nunique() == 12
    traded = set(sec.loc[sec["traded"], "sector_code"])
    for year in (2011, 2013):
        wide = emp[emp["year"] == year].pivot(index="province", columns="sector_code", values="employment")
        lq = wide.div(wide.sum(axis=1), axis=0) / (wide.sum() / wide.to_numpy().sum())
        for p in pilots:
            top = lq.loc[p, sorted(traded)].nlargest(2)
            assert (top >= 2).all(), (
                f"{p} {year}: leading traded sectors should have LQ >= 2, got {top.to_dict()}"
            )
    ind = pack["benchmark_indicators"]
    assert list(ind["indicator"]) == list(pack["benchmark_clusters"].columns[3:])
    assert len(pack["benchmark_clusters"]) == 20 and set(ind["polarity"]) == {-1, 1}


def test_isim_assessment_uses_the_course_indicator_set():
    from clusterkit.excellence import load_indicator_set

    pack = load_case("isim-clustem-gold-label")
    sa = pack["self_assessment"]
    ids = list(sa.columns[5:])
    assert ids == list(load_indicator_set().index), "self_assessment.csv columns must be the indicator ids"
    board = pack["board"].pivot_table(index=["cluster", "year"], columns="seat_type", values="seats")
    member = board["member large firms"] + board["member SMEs"]
    share = (100 * member / board.sum(axis=1)).round(1)
    np.testing.assert_allclose(
        sa.set_index(["cluster", "year"])["MG-Q2"], share.loc[sa.set_index(["cluster", "year"]).index]
    )
    membership = pack["membership"]
    assert membership["share_pct"].sum() == 100
    np.testing.assert_allclose(membership["implied_members"], 375 * membership["share_pct"] / 100)
    fr1 = sa.set_index("cluster").loc["FR-1"]
    assert fr1["ST-D1"] == 375 and fr1["ST-Q1"] == membership["share_pct"].iloc[:2].sum()


# ------------------------------------------------------------------------------------------- case texts
@pytest.mark.parametrize("case", CASES)
def test_case_text_structure(case):
    md = _case_md(case)
    body = re.sub(r"```.*?```", "", md, flags=re.S)
    h1 = re.findall(r"^# .+$", body, flags=re.M)
    assert len(h1) == 1, f"{case}/case.md must have exactly one H1, has {h1}"
    sections = _sections(body)
    for name in REQUIRED_SECTIONS:
        assert any(s.startswith(name) for s in sections), f"{case}/case.md lacks a '## {name}' section"
    assert f"{{cite:p}}`{CASE_SOURCES[case]}`" in md, (
        f"{case}/case.md must cite its source ({CASE_SOURCES[case]})"
    )
    assert not SEED_FILE.search(md), f"{case}/case.md names a source by an internal file name"
    assert re.search(r"^Source: \*[^*]+\*", md, re.M), f"{case}/case.md: give the source's headline"
    facts = next(v for k, v in sections.items() if k.startswith("Key facts"))
    bullets = re.findall(r"^[-*] (.+(?:\n  .+)*)", facts, flags=re.M)
    assert len(bullets) >= 4, f"{case}: list the key facts as bullets"
    for b in bullets:
        assert "(source:" in b, f"{case}: key fact without a '(source: ...)' citation: {b[:60]!r}"
    pack = next(v for k, v in sections.items() if k.startswith("Data pack"))
    schema = json.loads((CASES_DIR / case / "data" / "schema.json").read_text(encoding="utf-8"))
    for table in schema["tables"].values():
        assert table["file"] in pack, f"{case}: the Data pack section does not describe {table['file']}"
    assert "illustrative" in pack.lower() and "source" in pack.lower()
    assert "<" not in re.sub(r"`[^`]*`", "", body), f"{case}/case.md: no raw HTML in the book"
    notes = (CASES_DIR / case / "teaching-notes.md").read_text(encoding="utf-8")
    assert re.search(r"^## .*[Tt]iming", notes, re.M) and re.search(
        r"^## .*[Ss]uggested answers", notes, re.M
    )


@pytest.mark.parametrize("case", CASES)
def test_every_figure_in_the_case_text_is_traced(case):
    """Each figure in provenance.json appears in case.md and in its source; no other number appears.

    Sources: seed (every number in the figure is in the seed), seed-count (the figure counts items the seed lists),
    derived (a formula over seed numbers), public (a source named in the text; numbers must be in the public
    domain notes where they exist), data (describes the data pack: ``check`` is rows, unique:<column> or
    nunique:<column> of ``table``), course (a design choice, with a note)."""
    prov = json.loads((CASES_DIR / case / "provenance.json").read_text(encoding="utf-8"))
    prose = _prose(_case_md(case))
    masked = prose
    have_seeds = SEEDS_DIR.is_dir()
    seed = _seed_text(case) if have_seeds else ""
    seed_numbers = set(_numbers(seed))
    notes = _norm(DOMAIN_NOTES.read_text(encoding="utf-8")) if DOMAIN_NOTES.is_file() else ""
    for fig in prov["figures"]:
        text, source = _norm(fig["text"]), fig["source"]
        where = f"{case}/provenance.json figure {text!r}"
        assert text in prose, f"{where} does not appear in case.md"
        masked = masked.replace(text, " ")
        nums = _numbers(text)
        if source == "seed":
            assert fig["file"] == CASE_SEEDS[case] and nums, where
            if have_seeds:
                assert not [n for n in nums if n not in seed_numbers], f"{where}: {nums} not all in the seed"
        elif source == "seed-count":
            assert fig["file"] == CASE_SEEDS[case] and len(nums) == 1, where
            assert float(nums[0]) == len(fig["items"]), f"{where}: counts {len(fig['items'])} items"
            if have_seeds:
                for item in fig["items"]:
                    assert item.casefold() in seed.casefold(), f"{where}: item {item!r} not in the seed"
        elif source == "derived":
            assert len(nums) == 1 and abs(_arith(fig["formula"]) - float(nums[0])) < 0.05, where
            if have_seeds:
                assert set(_numbers(fig["formula"])) <= seed_numbers | {"100"}, (
                    f"{where}: formula inputs not in seed"
                )
        elif source == "public":
            assert fig["citation"].strip(), where
            if notes:
                assert not [n for n in nums if n not in set(_numbers(notes))], (
                    f"{where}: not in the public notes"
                )
        elif source == "data":
            df = load_case(case)[fig["table"]]
            check = fig["check"]
            kind, _, col = check.partition(":")
            assert kind in ("rows", "unique", "nunique") and (kind == "rows") != bool(col), (
                f"{where}: bad check"
            )
            if kind == "rows":
                expected = [len(df)]
            elif kind == "unique":
                expected = sorted(df[col].unique())
            else:
                expected = [df[col].nunique()]
            assert sorted(map(float, nums)) == sorted(map(float, expected)), (
                f"{where}: the data say {expected}"
            )
        elif source == "course":
            assert fig["note"].strip(), f"{where}: say why the course chose this figure"
        else:
            raise AssertionError(f"{where}: unknown source {source!r}")
    stray = _numbers(masked)
    assert not stray, f"{case}/case.md quotes number(s) {stray} that provenance.json does not trace"


def _words(text: str) -> list[str]:
    return re.findall(r"\w+", unicodedata.normalize("NFC", text).casefold())


COPY_RUN = 6  # words in a row shared with a source count as copying (names and glossed quotations excepted)


def _source_grams(n: int = COPY_RUN) -> set[tuple[str, ...]]:
    grams: set[tuple[str, ...]] = set()
    for path in SEEDS_DIR.glob("*.txt"):
        w = _words(path.read_text(encoding="utf-8"))
        grams |= {tuple(w[i : i + n]) for i in range(len(w) - n + 1)}
    return grams


def _copied_runs(
    text: str, grams: set[tuple[str, ...]], n: int = COPY_RUN, *, fields: bool = False
) -> list[str]:
    """Runs of ``n`` words shared with a source. ``fields=True`` (CSV and JSON files) checks each field or list
    item on its own: a list of items quoted from the source, as a seed-count fact needs, is not a sentence."""
    text = _without_names_and_quotes(_drop_source_line(text))
    parts = re.split(r'[;"\n]', text) if fields else [text]
    out = []
    for part in parts:
        w = _words(part)
        out += [" ".join(g) for g in (tuple(w[i : i + n]) for i in range(len(w) - n + 1)) if g in grams]
    return out


@pytest.mark.parametrize("case", CASES)
def test_no_seed_sentence_is_copied(case):
    if not SEEDS_DIR.is_dir():
        pytest.skip(NO_SEEDS)
    grams = _source_grams()
    folder = CASES_DIR / case
    files = [
        *folder.glob("*.md"),
        *folder.glob("*.json"),
        *folder.glob("data/*.md"),
        *folder.glob("data/*.csv"),
    ]
    for path in sorted(files):
        shared = _copied_runs(
            path.read_text(encoding="utf-8"), grams, fields=path.suffix in (".csv", ".json")
        )
        assert not shared, f"{case}/{path.relative_to(folder)} copies source text: {shared[:3]}"


def test_exercises_and_book_pages_do_not_copy_the_sources():
    """The same rule for what trainees read besides the cases: exercises, rubrics, chapters."""
    if not SEEDS_DIR.is_dir():
        pytest.skip(NO_SEEDS)
    grams = _source_grams()
    files = [
        *sorted((ROOT / "exercises" / "authoring").glob("ex*.py")),
        *sorted((ROOT / "exercises" / "rubrics").glob("*.md")),
        *sorted((ROOT / "book").rglob("*.md")),
    ]
    for path in files:
        shared = _copied_runs(path.read_text(encoding="utf-8"), grams)
        assert not shared, f"{path.relative_to(ROOT)} copies source text: {shared[:3]}"
