"""Exercise 7: capstone - every method of the course on the trainee's own region and cluster (team work)."""

from nbbuild import answer, check, code, md, written

NAME = "ex7-capstone"
TOTAL = 20

LOAD = """
import pandas as _pd
_e = _pd.read_csv("data/employment.csv")
_latest = _e[_e["year"] == _e["year"].max()]
_first = _e[_e["year"] == _e["year"].min()]
"""
SHIFT = '["national_share", "industry_mix", "regional_shift"]'


def cells():
    return [
        md(
            """
            # Exercise 7 — Capstone: your own region and cluster

            **Total: 20 points** — 8 points for four autograded answers (Q1–Q4) and 12 points for the board memo
            (W1), written by the team and graded by a trainer. **Time: about 300 minutes** (a team day: 90 minutes
            to collect and enter the data, 60 for Q1–Q4, 150 for the memo), plus 60 to present it.

            The capstone extends the field project (ex5): instead of a case, your team applies the course's
            methods to **your own region and one of its clusters**. The folder `data/` holds three templates with
            example rows (read `data/README.md`): employment by region, sector and year; your cluster's value
            chain; and the cluster organisation's self-assessment. Replace the example rows with your region's
            public statistics and your cluster's figures, or keep them to practise: the examples come from the
            case *SME Networking* (file `cases/sme-networking-turkey/case.md`), the wedding-textile field project
            and the fictional cluster Anka.

            The checks of this exercise need no fixed answer: they test identities and consistency that hold for
            any correct computation on **your** data (a region's location quotients average 1 when weighted by
            the country's sector shares; the shift-share parts add up to the actual change; value added is output
            minus bought-in inputs). Each question names the `clusterkit` function that answers it.
            """
        ),
        code(
            """
            import pandas as pd

            from clusterkit import excellence, mapping, valuechain
            from clusterkit import grading as g

            MY_REGION = "Çorum"  # your region, written as in data/employment.csv

            employment = pd.read_csv("data/employment.csv")
            value_chain = pd.read_csv("data/value_chain.csv")
            self_assessment = pd.read_csv("data/self_assessment.csv").set_index("indicator")["value"]
            latest = employment[employment["year"] == employment["year"].max()]
            first = employment[employment["year"] == employment["year"].min()]
            g.expect_choice(MY_REGION, sorted(set(employment["region"])), "MY_REGION")
            SECTORS = sorted(set(latest["sector"]))
            latest.head()
            """
        ),
        md(
            """
            ## Q1 — Location quotients of your region (2 points)

            Compute the location quotient of every sector of `MY_REGION` in the latest year, with all regions in
            the file as the reference. Answer with a Series indexed by sector code. **In `clusterkit`:**
            `mapping.location_quotient(latest, industry="sector")`, then your region's rows with
            `.xs(MY_REGION, level=0)`.
            """
        ),
        answer(
            "q1_lq",
            """
            q1_lq = mapping.location_quotient(latest, industry="sector").xs(MY_REGION, level=0)
            """,
        ),
        check(
            "q1_lq",
            2,
            """
            g.expect_series(q1_lq, "your location quotients", index=SECTORS, noun="sector")
            g.expect_number(float(q1_lq.min()), "the smallest location quotient", lower=0)
            """,
            """
            from clusterkit import mapping as _m
            _share = _latest.groupby("sector")["employment"].sum() / _latest["employment"].sum()
            _avg = float((q1_lq.astype(float) * _share.reindex(q1_lq.index)).sum())
            assert abs(_avg - 1) < 1e-6, (
                f"weighted by the country's sector shares, a region's location quotients average 1; yours give {_avg:.4f}"
            )
            _all = _m.location_quotient(_latest, industry="sector").unstack()
            _close = ((_all - q1_lq.astype(float).reindex(_all.columns)).abs().max(axis=1) < 1e-6)
            assert _close.any(), "these are not the location quotients of any region in your data"
            """,
            "Q1",
            LOAD,
        ),
        md(
            f"""
            ## Q2 — Growth decomposed (2 points)

            Split the change in employment of each sector of `MY_REGION` between the first and the latest year
            into national share, industry mix and regional shift. Answer with a DataFrame indexed by sector code
            with the columns `{SHIFT}`. **In `clusterkit`:** `mapping.shift_share(first, latest,
            industry="sector")`, then your region's rows and those three columns.
            """
        ),
        answer(
            "q2_shift_share",
            f"""
            q2_shift_share = mapping.shift_share(first, latest, industry="sector").xs(MY_REGION, level=0)[{SHIFT}]
            """,
        ),
        check(
            "q2_shift_share",
            2,
            f"""
            g.expect_frame(q2_shift_share, "your shift-share table", columns={SHIFT}, numeric_columns={SHIFT})
            """,
            """
            from clusterkit import mapping as _m
            _ss = _m.shift_share(_first, _latest, industry="sector")
            _growth = _latest["employment"].sum() / _first["employment"].sum() - 1
            _mine = [r for r in _ss.index.get_level_values(0).unique()
                     if set(_ss.xs(r, level=0).index) == set(q2_shift_share.index)]
            _ok = False
            for _r in _mine:
                _x = _ss.xs(_r, level=0).reindex(q2_shift_share.index)
                _sum = q2_shift_share.astype(float).sum(axis=1)
                _ok = _ok or (
                    ((_sum - _x["actual_change"]).abs() < 1e-6).all()
                    and ((q2_shift_share["national_share"] - _x["employment_start"] * _growth).abs() < 1e-6).all()
                )
            assert _ok, "the three parts must add up to each sector's actual change, and the national share must be the start employment times the national growth rate"
            """,
            "Q2",
            LOAD,
        ),
        md(
            """
            ## Q3 — Value added along your cluster's chain (2 points)

            For each stage of `data/value_chain.csv`, compute the value added and the margin (value added /
            output). Answer with a DataFrame indexed by stage with the columns `value_added` and `margin`.
            **In `clusterkit`:** `valuechain.value_chain(value_chain)`.
            """
        ),
        answer(
            "q3_value_chain",
            """
            q3_value_chain = valuechain.value_chain(value_chain)[["value_added", "margin"]]
            """,
        ),
        check(
            "q3_value_chain",
            2,
            """
            g.expect_frame(
                q3_value_chain, "your value-chain table", columns=["value_added", "margin"],
                index=list(value_chain["stage"]), numeric_columns=["value_added", "margin"],
            )
            """,
            """
            from clusterkit import valuechain as _vc
            _chain = _pd.read_csv("data/value_chain.csv").set_index("stage")
            _va = _chain["output"] - _chain["bought_in_inputs"]
            g.expect_close(q3_value_chain["value_added"], _va, "your value added")
            g.expect_close(q3_value_chain["margin"], _va / _chain["output"], "your margins")
            g.expect_close(q3_value_chain, _vc.value_chain(_chain.reset_index())[["value_added", "margin"]], "your value-chain table")
            """,
            "Q3",
            "import pandas as _pd",
        ),
        md(
            """
            ## Q4 — Your cluster organisation's scores (2 points)

            Score the self-assessment in `data/self_assessment.csv` on the course's indicator set: the score of
            each area and the overall score, in percent. Answer with a Series indexed by the area names and
            `"overall"`. **In `clusterkit`:** `excellence.score(self_assessment)`.
            """
        ),
        answer(
            "q4_scores",
            """
            q4_scores = excellence.score(self_assessment)
            """,
        ),
        check(
            "q4_scores",
            2,
            """
            g.expect_series(q4_scores, "your scores", index=list(excellence.AREAS) + ["overall"], noun="area")
            g.expect_number(float(q4_scores.min()), "the lowest score", lower=0)
            g.expect_number(float(q4_scores.max()), "the highest score", upper=100)
            """,
            """
            from clusterkit import excellence as _ex
            _sa = _pd.read_csv("data/self_assessment.csv").set_index("indicator")["value"]
            g.expect_close(q4_scores, _ex.score(_sa), "your scores")
            """,
            "Q4",
            "import pandas as _pd",
        ),
        md(
            """
            ## W1 — Board memo (12 points, team)

            Write, as a team, a memo of 600–900 words to the board of your cluster organisation (or of the
            development agency that funds it). Use your results: where your region is specialised and growing
            (Q1, Q2), where value is made and where it leaks along the chain (Q3), and what holds the cluster
            organisation back (Q4). Recommend **three actions for the next two years**, each with one indicator
            and a target, name the main risk and how the board will watch it, and say plainly where your data
            are weak (sources, years, estimates).
            """
        ),
        written(
            "w1_memo",
            12,
            """
            Model answer (trainers): no single answer; see rubrics/ex7-capstone.md. A good memo cites the team's
            own figures correctly, links mapping, chain and management evidence, proposes three feasible actions
            with indicators and targets, and is honest about the data.
            """,
        ),
    ]
