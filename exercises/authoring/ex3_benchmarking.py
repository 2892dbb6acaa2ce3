"""Exercise 3: a national cluster benchmarking index (SME Networking, National Benchmarking System)."""

from nbbuild import answer, check, code, md, written

NAME = "ex3-national-benchmarking-index"
TOTAL = 20

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

            **Total: 20 points** — 10 points for five autograded answers (Q1–Q5) and 10 points for two written
            answers (W1, W2) that a trainer grades by hand.

            One target of the SME Networking project was a *National Benchmarking System* covering at least 20
            sectoral clusters, so that public support programmes could compare clusters and follow their
            progress. Read the case study *SME Networking* (in the book's *Cases* part; file `cases/sme-networking-turkey/case.md`), in particular the
            benchmarking section. The data are the case's illustrative indicator table: 20 clusters, 13 indicators
            in six pillars; for two of them (public funding dependence, member drop-out) **lower is better**.

            You will build a composite index the way the OECD/JRC *Handbook on Constructing Composite Indicators*
            (2008) recommends — normalise, weight, aggregate — and then test how much the ranking depends on those
            choices.

            **How to work.** Each question has an answer cell that starts with `name = None`: replace the line
            `raise NotImplementedError()` with code that assigns your answer to that name, and run the cell. The
            locked cell below it checks the *form* of your answer and tells you in plain words what to fix; the
            *values* are checked when your work is graded. Use `clusterkit.benchmark` or plain pandas. Compute
            each answer from the data, not from another answer's variable.
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
            better". Answer with a DataFrame like `X` (clusters as rows, indicators as columns).
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
            ## Q2 — Equal weights, linear aggregation (2 points)

            Compute the composite index of each cluster as the **plain average of its 13 min-max normalised
            indicators** (equal weights, linear aggregation). Answer with a Series indexed by cluster.
            """
        ),
        answer(
            "q2_index_equal",
            """
            q2_index_equal = benchmark.composite_index(X, polarity, normalisation="minmax", weights="equal")
            """,
        ),
        check(
            "q2_index_equal",
            2,
            """
            g.expect_series(q2_index_equal, "the equal-weight index", index=CLUSTERS, noun="cluster")
            """,
            """
            g.expect_close(q2_index_equal, benchmark.composite_index(_X, _pol), "the equal-weight index")
            """,
            "Q2",
            LOAD,
        ),
        md(
            """
            ## Q3 — Equal weights per pillar (2 points)

            Equal weights per *indicator* let a pillar with many indicators dominate. Give each of the six
            **pillars** the same weight (1/6), shared equally among the indicators of that pillar, and compute the
            linear composite of the min-max normalised indicators again. Answer with a Series indexed by cluster.
            """
        ),
        answer(
            "q3_index_pillars",
            """
            pillar = indicators.set_index("indicator")["pillar"]
            w = 1.0 / pillar.map(pillar.value_counts()) / pillar.nunique()
            q3_index_pillars = benchmark.composite_index(X, polarity, weights=w)
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
            ## Q4 — Geometric aggregation and ranks (2 points)

            Linear aggregation lets a strong indicator fully compensate a weak one. Aggregate the min-max
            normalised indicators **geometrically** with equal weights, $CI = \\prod_i (x_i + 0.01)^{1/13}$ (the
            shift 0.01 keeps a zero from wiping out the product), and give each cluster's **rank** under this
            index (1 = best). Answer with a Series of ranks indexed by cluster.
            """
        ),
        answer(
            "q4_rank_geometric",
            """
            geo = benchmark.composite_index(X, polarity, aggregation="geometric", shift=0.01)
            q4_rank_geometric = geo.rank(ascending=False, method="min")
            """,
        ),
        check(
            "q4_rank_geometric",
            2,
            """
            g.expect_series(q4_rank_geometric, "the geometric ranks", index=CLUSTERS, noun="cluster")
            g.expect_number(float(q4_rank_geometric.min()), "the best rank", lower=1, upper=1)
            """,
            """
            _geo = benchmark.aggregate(benchmark.normalise(_X, "minmax", _pol), None, "geometric", shift=0.01)
            _ref = benchmark.rank_within(_geo)["rank"].astype(float)
            g.expect_close(q4_rank_geometric, _ref, "the geometric ranks")
            """,
            "Q4",
            LOAD,
        ),
        md(
            """
            ## Q5 — How robust is the ranking? (2 points)

            Run a Monte Carlo uncertainty analysis with `benchmark.sensitivity`: **1000 draws, `seed=2013`**, the
            default choices (normalisation drawn among min-max, z-score and rank; linear aggregation; random
            weights around equal weights). Answer with a DataFrame indexed by cluster with the columns
            `median_rank`, `rank_low` and `rank_high` (the 5th and 95th percentile of each cluster's rank).
            """
        ),
        answer(
            "q5_rank_intervals",
            """
            result = benchmark.sensitivity(X, polarity, n_draws=1000, seed=2013)
            q5_rank_intervals = result.summary[["median_rank", "rank_low", "rank_high"]]
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
            _s = benchmark.sensitivity(_X, _pol, n_draws=1000, seed=2013).summary
            g.expect_close(q5_rank_intervals, _s[["median_rank", "rank_low", "rank_high"]], "the rank intervals")
            """,
            "Q5",
            LOAD,
        ),
        md(
            """
            ## W1 — Which choices matter? (4 points)

            In 150–250 words: compare the rankings of Q2, Q3 and Q4 and the intervals of Q5. Which clusters keep
            their place whatever the method, and which move a lot? Which methodological choice (normalisation,
            weights, aggregation) changes the picture most, and why would that be?
            """
        ),
        written(
            "w1_robustness",
            4,
            """
            Model answer (trainers): the top (Ankara machinery) and bottom (Trabzon tourism) are stable, the
            middle moves; pillar weights raise the one-indicator services pillar from 1/13 to 1/6 and lower the
            three-indicator pillars; geometric aggregation penalises one very weak indicator. See the rubric.
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
