"""Exercise 3: a national cluster benchmarking index (SME Networking, National Benchmarking System)."""

from nbbuild import answer, check, code, md, written

NAME = "ex3-national-benchmarking-index"
TOTAL = 22

LOAD = """
from clusterkit.data import load_case as _load
_case = _load("sme-networking-turkey")
_ind = _case["benchmark_indicators"]
_X = _case["benchmark_clusters"].set_index("cluster")[list(_ind["indicator"])]
_pol = _ind.set_index("indicator")["polarity"]
"""


def cells():
    return [
        md(
            """
            # Exercise 3 — A national cluster benchmarking index

            **Total: 22 points** — 12 points for six autograded answers (Q1–Q6) and 10 points for two written
            answers (W1, W2) that a trainer grades by hand. **Time: about 120 minutes** (60 for Q1–Q6, 25 for W1,
            35 for W2).

            One target of the SME Networking project was a *National Benchmarking System* covering at least 20
            sectoral clusters, so that public support programmes could compare clusters and follow their
            progress. Read the case study *SME Networking* (in the book's *Cases* part; file `cases/sme-networking-turkey/case.md`), in particular the
            benchmarking section. The data are the case's illustrative indicator table (invented figures, made
            by a script with a seed): 20 clusters, 13 indicators in six pillars; for two of them (public funding
            dependence, member drop-out) **lower is better**.

            You will choose indicators, build a composite index the way the OECD/JRC *Handbook on Constructing
            Composite Indicators* (2008) recommends — normalise, weight, aggregate, level by level from
            indicators to pillars to the index — and then measure, with a global sensitivity analysis, how much
            the ranking depends on those choices.

            **How to work.** Each question has an answer cell that starts with `name = None`: replace the line
            `raise NotImplementedError()` with code that assigns your answer to that name, and run the cell. The
            locked cell below it checks the *form* of your answer and tells you in plain words what to fix; the
            *values* are checked when your work is graded. Each question names the `clusterkit.benchmark`
            function to use; one or two lines are enough. Compute each answer from the data, not from another
            answer's variable.
            """
        ),
        code(
            """
            import pandas as pd

            from clusterkit import benchmark
            from clusterkit import grading as g
            from clusterkit.data import load_case

            case = load_case("sme-networking-turkey")
            indicators = case["benchmark_indicators"]  # indicator, pillar, unit, polarity (+1 / -1), description
            clusters = case["benchmark_clusters"].set_index("cluster")
            INDICATORS = list(indicators["indicator"])
            PILLARS = list(dict.fromkeys(indicators["pillar"]))
            CLUSTERS = list(clusters.index)
            X = clusters[INDICATORS]  # raw indicator values, one row per cluster
            polarity = indicators.set_index("indicator")["polarity"]
            indicators
            """
        ),
        md(
            """
            ## Q1 — Min-max normalisation (2 points)

            Normalise every indicator to $[0, 1]$ with the min-max method so that **higher always means better**:
            $(x - \\min)/(\\max - \\min)$ for "higher is better" and $(\\max - x)/(\\max - \\min)$ for "lower is
            better". Use `benchmark.normalise`. Answer with a DataFrame like `X` (clusters as rows, indicators as
            columns).
            """
        ),
        answer(
            "q1_minmax",
            """
            q1_minmax = benchmark.normalise(X, "minmax", polarity)
            """,
        ),
        check(
            "q1_minmax",
            2,
            """
            g.expect_frame(q1_minmax, "the normalised table", columns=INDICATORS, index=CLUSTERS, numeric_columns=INDICATORS)
            g.expect_number(float(q1_minmax.min().min()), "the smallest normalised value", lower=-1e-9)
            g.expect_number(float(q1_minmax.max().max()), "the largest normalised value", upper=1 + 1e-9)
            """,
            """
            g.expect_close(q1_minmax, benchmark.normalise(_X, "minmax", _pol), "the normalised table")
            """,
            "Q1",
            LOAD,
        ),
        md(
            """
            ## Q2 — Choose the indicators and their direction (2 points)

            Step 2 of the Handbook is choosing the indicators, and for each one deciding whether more is better or
            worse. The steering board wants a new **governance** sub-index that rewards exactly three things:
            *financial independence from grants*, *keeping member firms*, and *a stable professional management
            team*. Nothing else belongs in it. These are the candidate indicators proposed to the board:

            | code | what it measures |
            |---|---|
            | `grant_share` | share of the cluster organisation's budget that comes from public grants |
            | `fee_income_share` | share of the budget earned from member fees and paid services |
            | `member_retention` | share of last year's member firms that renewed their membership |
            | `manager_turnover` | cluster-management staff who left during the year, per staff post |
            | `province_population` | population of the cluster's province |
            | `member_export_share` | share of member firms that export |
            | `board_meetings` | number of board meetings held in the year |

            Choose the indicators that measure one of the three things, and give each its direction: `1` if a
            higher value is better, `-1` if a lower value is better. Answer with a Series indexed by the codes
            you chose, e.g. `pd.Series({"code_a": 1, "code_b": -1})` (`benchmark.polarity_signs` turns such a
            Series into the polarity the other functions use).
            """
        ),
        answer(
            "q2_direction",
            """
            q2_direction = pd.Series({"grant_share": -1, "fee_income_share": 1, "member_retention": 1, "manager_turnover": -1})
            """,
        ),
        check(
            "q2_direction",
            2,
            """
            CANDIDATES = ["grant_share", "fee_income_share", "member_retention", "manager_turnover",
                          "province_population", "member_export_share", "board_meetings"]
            g.expect_series(q2_direction, "your chosen indicators and directions", noun="indicator")
            for _code, _direction in q2_direction.items():
                g.expect_choice(_code, CANDIDATES, "each chosen code")
                g.expect_choice(float(_direction), [1.0, -1.0], f"the direction of {_code}")
            """,
            """
            _ref = benchmark.polarity_signs(
                {"grant_share": "lower", "fee_income_share": "higher", "member_retention": "higher", "manager_turnover": "lower"},
                ["grant_share", "fee_income_share", "member_retention", "manager_turnover"],
            ).astype(float)
            g.expect_same_set(list(q2_direction.index), list(_ref.index), "your choice of indicators", noun="indicator")
            g.expect_close(q2_direction.astype(float), _ref, "the directions you gave")
            """,
            "Q2",
            LOAD,
        ),
        md(
            """
            ## Q3 — Equal weights per pillar, through the index structure (2 points)

            Equal weights per *indicator* let a pillar with many indicators dominate. The index is built instead
            in two levels: each **pillar** is the linear average of its min-max normalised indicators, and the
            **index** is the linear average of the six pillars. Describe that structure with
            `benchmark.hierarchy(indicators, ["indicator", "pillar"])` (equal weights within each pillar and
            across pillars unless you give others) and pass it to `benchmark.composite_index(..., structure=...)`.
            Answer with the index of each cluster (the result's `.composite`), a Series indexed by cluster.
            """
        ),
        answer(
            "q3_index_pillars",
            """
            structure = benchmark.hierarchy(indicators, ["indicator", "pillar"])
            q3_index_pillars = benchmark.composite_index(X, polarity, structure=structure).composite
            """,
        ),
        check(
            "q3_index_pillars",
            2,
            """
            g.expect_series(q3_index_pillars, "the pillar-weighted index", index=CLUSTERS, noun="cluster")
            """,
            """
            _pil = _ind.set_index("indicator")["pillar"]
            _w = pd.Series({i: 1.0 / (_pil == _pil[i]).sum() / _pil.nunique() for i in _pil.index})
            _ref = benchmark.aggregate(benchmark.normalise(_X, "minmax", _pol), _w, "linear")
            g.expect_close(q3_index_pillars, _ref, "the pillar-weighted index")
            """,
            "Q3",
            LOAD,
        ),
        md(
            """
            ## Q4 — A geometric index, and ranks at every level (2 points)

            Linear aggregation lets a strong pillar fully compensate a weak one. Keep the pillars linear but
            aggregate the six pillars into the index **geometrically**, $CI = \\prod_p (y_p + 0.01)^{1/6}$ (the
            shift 0.01 keeps a pillar score of zero from wiping out the product): give `benchmark.hierarchy` the
            argument `aggregation={"pillar": "linear", "index": "geometric"}` and `benchmark.composite_index` the
            argument `shift=0.01`. The result's `.ranks` holds each cluster's rank (1 = best) in every indicator,
            pillar and the index. Answer with the ranks in the six pillars and the index: a DataFrame indexed by cluster with
            the columns `PILLARS + ["index"]`.
            """
        ),
        answer(
            "q4_rank_geometric",
            """
            geo = benchmark.hierarchy(indicators, ["indicator", "pillar"], aggregation={"pillar": "linear", "index": "geometric"})
            q4_rank_geometric = benchmark.composite_index(X, polarity, structure=geo, shift=0.01).ranks[PILLARS + ["index"]]
            """,
        ),
        check(
            "q4_rank_geometric",
            2,
            """
            g.expect_frame(
                q4_rank_geometric, "the ranks", columns=PILLARS + ["index"], index=CLUSTERS, numeric_columns=PILLARS + ["index"]
            )
            g.expect_number(float(q4_rank_geometric["index"].min()), "the best rank in the index", lower=1, upper=1)
            """,
            """
            _pil = _ind.set_index("indicator")["pillar"]
            _pillars = benchmark.normalise(_X, "minmax", _pol).T.groupby(_pil).mean().T
            _geo = benchmark.aggregate(_pillars, None, "geometric", shift=0.01)
            _ref = pd.concat([_pillars, _geo.rename("index")], axis=1)
            _ref = _ref.apply(lambda col: benchmark.rank_within(col)["rank"]).astype(float)
            g.expect_close(q4_rank_geometric.astype(float), _ref[list(q4_rank_geometric.columns)], "the ranks")
            """,
            "Q4",
            LOAD,
        ),
        md(
            """
            ## Q5 — How robust is the ranking? (2 points)

            Every choice above could reasonably have been made differently. Run the **global sensitivity
            analysis** `benchmark.sensitivity_sobol(X, polarity, structure, seed=2013)` with the two-level
            structure of Q3 and the default uncertain choices: the normalisation (min-max or ranks), the weights
            (each weight varied by up to ±25 % around equal pillar weights) and the aggregation (linear or
            geometric at every level). It recomputes the ranking for 5,120 combinations drawn by SALib. Its
            `.summary` gives for every cluster the median rank and the 5th and 95th percentile of its rank.
            Answer with a DataFrame indexed by cluster with the columns `median_rank`, `rank_low` and `rank_high`.
            """
        ),
        answer(
            "q5_rank_intervals",
            """
            structure = benchmark.hierarchy(indicators, ["indicator", "pillar"])
            q5_rank_intervals = benchmark.sensitivity_sobol(X, polarity, structure, seed=2013).summary[["median_rank", "rank_low", "rank_high"]]
            """,
        ),
        check(
            "q5_rank_intervals",
            2,
            """
            g.expect_frame(
                q5_rank_intervals,
                "the rank intervals",
                columns=["median_rank", "rank_low", "rank_high"],
                index=CLUSTERS,
                numeric_columns=["median_rank", "rank_low", "rank_high"],
            )
            """,
            """
            _h = benchmark.hierarchy(_ind, ["indicator", "pillar"])
            _s = benchmark.sensitivity_sobol(_X, _pol, _h, seed=2013).summary
            g.expect_close(q5_rank_intervals, _s[["median_rank", "rank_low", "rank_high"]], "the rank intervals")
            """,
            "Q5",
            LOAD,
        ),
        md(
            """
            ## Q6 — Which choice moves the ranking? (2 points)

            The same analysis apportions the variance of the ranking to the choices (Sobol indices). For the
            *mean absolute rank shift* (how far, on average, the clusters move from the nominal ranking), its
            `.rank_shift` table gives for each choice the first-order index `S1` (the share of the variance the
            choice explains on its own) and the total index `ST` (on its own and together with the other
            choices). Run the analysis of Q5 again (`benchmark.sensitivity_sobol`, same structure and seed) and
            answer with a DataFrame indexed by choice with the columns `S1` and `ST`.
            `benchmark.sobol_chart(result)` draws them.
            """
        ),
        answer(
            "q6_sobol_indices",
            """
            structure = benchmark.hierarchy(indicators, ["indicator", "pillar"])
            q6_sobol_indices = benchmark.sensitivity_sobol(X, polarity, structure, seed=2013).rank_shift[["S1", "ST"]]
            """,
        ),
        check(
            "q6_sobol_indices",
            2,
            """
            g.expect_frame(
                q6_sobol_indices,
                "the Sobol indices",
                columns=["S1", "ST"],
                index=["normalisation", "weights", "aggregation"],
                numeric_columns=["S1", "ST"],
            )
            """,
            """
            _h = benchmark.hierarchy(_ind, ["indicator", "pillar"])
            _r = benchmark.sensitivity_sobol(_X, _pol, _h, seed=2013).rank_shift
            g.expect_close(q6_sobol_indices, _r[["S1", "ST"]], "the Sobol indices")
            """,
            "Q6",
            LOAD,
        ),
        md(
            """
            ## W1 — Which choices matter? (4 points)

            In 150–250 words: compare the ranks of Q3 and Q4 and the intervals of Q5, and use the indices of Q6.
            Which clusters keep their place whatever the method, and which move a lot? Which methodological choice
            (normalisation, weights, aggregation) moves the ranking most, and why would that be?
            """
        ),
        written(
            "w1_robustness",
            4,
            """
            Model answer (trainers): the first and last clusters and the very top of the table do not move; the
            middle of the table moves by a few places. The aggregation has the largest indices (S1 about 0.5,
            ST about 0.7), then the weights, the normalisation least on its own; geometric aggregation penalises
            one very weak pillar. See the rubric.
            """,
        ),
        md(
            """
            ## W2 — Advice to the steering board of the National Benchmarking System (6 points)

            In 200–300 words, advise the board that will publish the benchmarking results each year: which index
            should it publish (method and weights), should it publish exact ranks or bands, and what should it tell
            a cluster that comes out near the bottom? Use your results, including at least one specific cluster.
            """
        ),
        written(
            "w2_recommendation",
            6,
            """
            Model answer (trainers): publish a documented index with its uncertainty (bands or intervals, not a
            single league table), justify the weights (pillar-equal or agreed with stakeholders), and use the
            results for learning: show each cluster its gaps to peers instead of naming and shaming.
            """,
        ),
    ]
