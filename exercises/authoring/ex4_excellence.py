"""Exercise 4: cluster-management excellence of a fictional machinery cluster (Anka) against gold-label peers."""

from nbbuild import answer, check, code, md, written

NAME = "ex4-cluster-management-excellence"
TOTAL = 20

LOAD = """
from clusterkit.data import load_case as _load
_case = _load("isim-clustem-gold-label")
_sa = _case["self_assessment"].set_index(["cluster", "year"])
_ids = [i for i in excellence.load_indicator_set().index if i in _sa.columns]
_own17 = _sa.loc[("Anka", 2017), _ids].astype(float)
_own19 = _sa.loc[("Anka", 2019), _ids].astype(float)
_gold = _sa[_sa["label"] == "gold"].droplevel("year")[_ids].astype(float)
"""


def cells():
    return [
        md(
            """
            # Exercise 4 — Cluster-management excellence: a machinery cluster against gold-label peers

            **Total: 20 points** — 10 points for five autograded answers (Q1–Q5) and 10 points for two written
            answers (W1, W2) that a trainer grades by hand. **Time: about 105 minutes**
            (10 minutes per autograded question, 20 for W1 and 30 for W2).

            İŞİM, the Turkish construction- and work-machinery cluster association, took part in the EU project
            CLUSTEM with partner clusters in Italy, Spain and the UK. In 2017 its team visited gold-label clusters in
            Mulhouse and Lyon to learn how they are managed. Read the case study *CLUSTEM and the gold label*
            (in the book's *Cases* part; file `cases/isim-clustem-gold-label/case.md`) first.

            The data are an **invented** self-assessment of **Anka**, a fictional Turkish machinery cluster in İŞİM's
            position (2017, and 2019 after an improvement plan), and of
            six anonymised peers on the course's own excellence indicator set (`clusterkit/resources/`), which is
            modelled on the public descriptions of the European labels: 31 quality indicators with a threshold each,
            an overall score of at least 80% for a Gold-style result, and eligibility minimums (0.5 FTE management,
            15 committed members, 2 member types). They are *not* the official label indicators, which are not
            public.

            **How to work.** Each question has an answer cell that starts with `name = None`: replace the line
            `raise NotImplementedError()` with code that assigns your answer to that name, and run the cell. The
            locked cell below it checks the *form* of your answer and tells you in plain words what to fix; the
            *values* are checked when your work is graded. Use `clusterkit.excellence` (its functions are documented in the book's *clusterkit API reference*; read it for
            the scoring rule). Compute each answer from the data, not from another answer's variable.
            """
        ),
        code(
            """
            import pandas as pd

            from clusterkit import excellence
            from clusterkit import grading as g
            from clusterkit.data import load_case

            case = load_case("isim-clustem-gold-label")
            indicator_set = excellence.load_indicator_set()  # id -> area, name, unit, polarity, kind, threshold, points
            assessment = case["self_assessment"].set_index(["cluster", "year"])
            IDS = [i for i in indicator_set.index if i in assessment.columns]
            AREAS = list(excellence.AREAS) + ["overall"]
            assessment[["country", "sector", "label"]]
            """
        ),
        md(
            """
            ## Q1 — Anka's scores in 2017 (2 points)

            Score Anka's **2017** self-assessment with the course's indicator set: the score of each of the six
            areas and the overall score, in percent. Answer with a Series indexed by the area names and
            `"overall"` (the labels in `AREAS`). **In `clusterkit`:** `excellence.score(values, indicator_set)`, with `values`
            the row `assessment.loc[("Anka", 2017), IDS]`.
            """
        ),
        answer(
            "q1_scores_2017",
            """
            own_2017 = assessment.loc[("Anka", 2017), IDS].astype(float)
            q1_scores_2017 = excellence.score(own_2017, indicator_set)
            """,
        ),
        check(
            "q1_scores_2017",
            2,
            """
            g.expect_series(q1_scores_2017, "Anka's 2017 scores", index=AREAS, noun="area")
            g.expect_number(float(q1_scores_2017.max()), "the highest score (percent)", upper=100)
            """,
            """
            g.expect_close(q1_scores_2017, excellence.score(_own17), "Anka's 2017 scores")
            """,
            "Q1",
            LOAD,
        ),
        md(
            """
            ## Q2 — How far from the Gold pass mark in 2019? (2 points)

            After its improvement plan, how many **percentage points** does Anka's **2019** overall score still lack
            to reach the Gold-style pass mark of 80%? (0 if it passes.) Answer with one number. **In `clusterkit`:**
            `excellence.verdict(values).points_to_pass`.
            """
        ),
        answer(
            "q2_points_to_pass",
            """
            q2_points_to_pass = excellence.verdict(assessment.loc[("Anka", 2019), IDS].astype(float)).points_to_pass
            """,
        ),
        check(
            "q2_points_to_pass",
            2,
            'g.expect_number(q2_points_to_pass, "the points still needed", lower=0, upper=100)',
            """
            g.expect_close(q2_points_to_pass, excellence.verdict(_own19).points_to_pass, "the points still needed")
            """,
            "Q2",
            LOAD,
        ),
        md(
            """
            ## Q3 — What holds Anka back? (2 points)

            List the ids of the **five quality indicators that cost Anka the most points in 2019** (points lost =
            points of the indicator × the part of its threshold not reached; break ties by id). Answer with a list
            of five indicator ids such as `"MG-Q1"`. **In `clusterkit`:** `excellence.verdict(values).holding_back` lists
            them, largest loss first.
            """
        ),
        answer(
            "q3_holding_back",
            """
            v = excellence.verdict(assessment.loc[("Anka", 2019), IDS].astype(float))
            q3_holding_back = list(v.holding_back.index[:5])
            """,
        ),
        check(
            "q3_holding_back",
            2,
            """
            g.expect_list_of(q3_holding_back, IDS, "your list of indicators", noun="indicator id")
            g.expect_number(len(q3_holding_back), "the number of indicators listed", lower=5, upper=5)
            """,
            """
            _ref = list(excellence.verdict(_own19).holding_back.index[:5])
            g.expect_same_set(q3_holding_back, _ref, "your list of the five indicators", noun="indicator")
            """,
            "Q3",
            LOAD,
        ),
        md(
            """
            ## Q4 — Gap to the gold-label peers (2 points)

            Compare Anka's **2019** area scores with those of the three peers modelled as holding the **gold**
            label (`label == "gold"`): for each area and overall, give Anka's score **minus the peers' median
            score** (negative = behind). Answer with a Series indexed like `AREAS`. **In `clusterkit`:**
            `excellence.compare_to_peers(values, peers, indicator_set)`, column `"gap_to_median"`.
            """
        ),
        answer(
            "q4_gap_to_gold",
            """
            gold = assessment[assessment["label"] == "gold"].droplevel("year")[IDS].astype(float)
            table = excellence.compare_to_peers(assessment.loc[("Anka", 2019), IDS].astype(float), gold, indicator_set)
            q4_gap_to_gold = table["gap_to_median"]
            """,
        ),
        check(
            "q4_gap_to_gold",
            2,
            'g.expect_series(q4_gap_to_gold, "the gaps to the gold peers\' median", index=AREAS, noun="area")',
            """
            _ref = excellence.score(_own19) - excellence.score(_gold).median()
            g.expect_close(q4_gap_to_gold, _ref, "the gaps to the gold peers' median", atol=1e-6)
            """,
            "Q4",
            LOAD,
        ),
        md(
            """
            ## Q5 — Who sits on the board? (2 points)

            Indicator `MG-Q2` is the share of board seats held by **member companies** (large firms and SMEs).
            Compute it for Anka in **2019** from the board table `case["board"]`, in percent. Answer with one
            number. **In `clusterkit`:** `excellence.board_share(board_rows, ["member large firms", "member SMEs"])`, with
            `board_rows` the rows of Anka in 2019 (e.g. `case["board"].query("cluster == 'Anka' and year ==
            2019")`).
            """
        ),
        answer(
            "q5_board_share",
            """
            board = case["board"]
            b19 = board[(board["cluster"] == "Anka") & (board["year"] == 2019)]
            companies = b19["seat_type"].isin(["member large firms", "member SMEs"])
            q5_board_share = 100.0 * b19.loc[companies, "seats"].sum() / b19["seats"].sum()
            """,
        ),
        check(
            "q5_board_share",
            2,
            'g.expect_number(q5_board_share, "the member companies\' share of board seats", lower=0, upper=100)',
            """
            g.expect_close(q5_board_share, _own19["MG-Q2"], "the member companies' share of board seats", rtol=2e-3)
            """,
            "Q5",
            LOAD,
        ),
        md(
            """
            ## W1 — Progress and gaps (4 points)

            In 150–250 words: how did Anka's scores change between 2017 and 2019, in which areas is it furthest
            behind the gold-label peers, and what do the indicators holding it back have in common? Say what a
            self-assessment like this cannot tell you.
            """
        ),
        written(
            "w1_progress",
            4,
            """
            Model answer (trainers): the overall score rose but stays below 80%; management and governance is the
            weakest area (no written strategy, no member survey, a board dominated by public bodies); the gaps are
            about governance routines rather than size. Self-assessed, invented data, no on-site audit.
            """,
        ),
        md(
            """
            ## W2 — Recommendation to Anka's board (6 points)

            A Silver-style re-assessment checks **three improvement areas** against the Gold criteria. In 200–300
            words, recommend to Anka's board the three improvements to commit to for the next two years, justify
            them with your figures (points at stake, gaps to peers), and draw on what the gold-label clusters
            visited in France do differently (see the case).
            """
        ),
        written(
            "w2_recommendation",
            6,
            """
            Model answer (trainers): e.g. adopt a written strategy with KPIs, run a member satisfaction survey,
            rebalance the board towards member companies, diversify funding (fees and paid services, multi-year
            plan); cite the points each would recover and the French clusters' annual contract and member-led
            boards.
            """,
        ),
    ]
