"""Exercise 5: a field project in the style of the ECEI train-the-trainers programme (wedding textiles, İzmir)."""

from nbbuild import answer, check, code, md, written

NAME = "ex5-field-project"
TOTAL = 20

LOAD = """
from clusterkit.data import load_case as _load
_case = _load("ecei-field-projects")
_survey = _case["wedding_survey"]
"""
LOAD_VC = """
from clusterkit.data import load_case as _load
_vc = _load("ecei-field-projects")["wedding_value_chain"].sort_values("stage_order")
_stages = _vc.rename(
    columns={"output_meur": "output", "bought_in_inputs_meur": "bought_in_inputs", "local_input_share": "local_share"}
)
"""
SERVICES = '["joint_purchasing_interest", "joint_marketing_interest", "training_need"]'
READINESS = (
    '["trust_in_members", "information_sharing", "joint_purchasing_interest", "joint_marketing_interest"]'
)


def cells():
    return [
        md(
            """
            # Exercise 5 — Field project: a wedding-textile cluster initiative in İzmir

            **Total: 20 points** — 10 points for five autograded answers (Q1–Q5) and 10 points for two written
            answers (W1, W2) that a trainer grades by hand. **Time: about 150 minutes**
            (a team project: 10 minutes per autograded question, 40 for W1 and 50 for W2, 10 to agree).

            In the first programme in which the European Foundation for Cluster Excellence trained trainers
            (2012–2013), teams of participants applied the cluster-excellence method to 13 real cluster
            initiatives, one in each of 13 regions of Europe — from wicker in Rzeszów to wedding tourism in Killarney. One of
            them was **wedding textiles in İzmir**. Read the case study *ECEI field projects*
            (in the book's *Cases* part; file `cases/ecei-field-projects/case.md`) first.

            You are the field-project team. Like the original teams, you combine a **value-chain picture** of the
            cluster with a **needs-assessment survey** of its firms, check whether a cluster organisation could
            meet the label eligibility rules, and end with advice to the initiative's board. The value chain and
            the survey of 48 firms are the case's illustrative data.

            **How to work.** Each question has an answer cell that starts with `name = None`: replace the line
            `raise NotImplementedError()` with code that assigns your answer to that name, and run the cell. The
            locked cell below it checks the *form* of your answer and tells you in plain words what to fix; the
            *values* are checked when your work is graded. Compute each answer from the data, not from another
            answer's variable.
            """
        ),
        code(
            """
            import pandas as pd

            from clusterkit import benchmark, excellence, likert, valuechain
            from clusterkit import grading as g
            from clusterkit.data import load_case

            case = load_case("ecei-field-projects")
            projects = case["field_projects"]  # the 13 field projects of the programme
            chain = case["wedding_value_chain"].sort_values("stage_order")
            survey = case["wedding_survey"]  # one row per firm; statements scored 1 (disagree) to 5 (agree)
            STAGES = list(chain["stage"])
            projects
            """
        ),
        md(
            """
            ## Part A — The value chain

            As in exercise 2, `clusterkit.valuechain` wants the columns `stage`, `output`, `bought_in_inputs` and
            `local_share`; the local input share fills `local_share` (Q1 does not use it).
            """
        ),
        code(
            """
            stages = chain.rename(
                columns={"output_meur": "output", "bought_in_inputs_meur": "bought_in_inputs", "local_input_share": "local_share"}
            )
            stages
            """
        ),
        md(
            """
            ## Q1 — Where the value is made (2 points)

            For each stage compute its value added (million EUR) and its **share of the whole chain's value
            added**. Answer with a DataFrame indexed by stage with the columns `value_added` and
            `share_of_chain_va`. **In `clusterkit`:** `valuechain.value_chain(stages)`.
            """
        ),
        answer(
            "q1_chain",
            """
            q1_chain = valuechain.value_chain(stages)[["value_added", "share_of_chain_va"]]
            """,
        ),
        check(
            "q1_chain",
            2,
            """
            g.expect_frame(
                q1_chain, "the value-chain table", columns=["value_added", "share_of_chain_va"], index=STAGES,
                numeric_columns=["value_added", "share_of_chain_va"],
            )
            """,
            """
            _ref = valuechain.value_chain(_stages)[["value_added", "share_of_chain_va"]]
            g.expect_close(q1_chain, _ref, "the value-chain table")
            """,
            "Q1",
            LOAD_VC,
        ),
        md(
            f"""
            ## Part B — The needs-assessment survey

            ## Q2 — Readiness to cooperate, by stage (2 points)

            Give each firm a **cooperation-readiness score**: the average of its answers to the four statements
            `{READINESS}`. Then average the firms' scores **by their main stage**. Answer with a Series indexed by
            stage (only stages with surveyed firms). **In `clusterkit`:** `likert.mean_score(survey, statements,
            by="stage")`.
            """
        ),
        answer(
            "q2_readiness",
            f"""
            firm_score = benchmark.aggregate(survey.set_index("firm_id")[{READINESS}])
            q2_readiness = firm_score.groupby(survey.set_index("firm_id")["stage"]).mean()
            """,
        ),
        check(
            "q2_readiness",
            2,
            """
            g.expect_series(q2_readiness, "the readiness by stage", index=sorted(set(survey["stage"])), noun="stage")
            g.expect_number(float(q2_readiness.min()), "the lowest readiness score", lower=1)
            g.expect_number(float(q2_readiness.max()), "the highest readiness score", upper=5)
            """,
            f"""
            _s = _survey.set_index("firm_id")
            _ref = benchmark.aggregate(_s[{READINESS}], benchmark.weights_equal({READINESS}))
            g.expect_close(q2_readiness, _ref.groupby(_s["stage"]).mean(), "the readiness by stage")
            """,
            "Q2",
            LOAD,
        ),
        md(
            f"""
            ## Q3 — Which joint service do firms want? (2 points)

            For each of the three candidate services `{SERVICES}`, give the **share of firms that agree** (score
            4 or 5). Answer with a Series indexed by those three column names, values between 0 and 1.
            **In `clusterkit`:** `likert.share_agreeing(survey, statements)`.
            """
        ),
        answer(
            "q3_support",
            f"""
            q3_support = (survey[{SERVICES}] >= 4).mean()
            """,
        ),
        check(
            "q3_support",
            2,
            f"""
            g.expect_series(q3_support, "the shares of firms that agree", index={SERVICES}, noun="service")
            g.expect_number(float(q3_support.min()), "the smallest share", lower=0)
            g.expect_number(float(q3_support.max()), "the largest share", upper=1)
            """,
            f"""
            _ref = (_survey[{SERVICES}] >= 4).astype(float).mean()
            g.expect_close(q3_support, _ref, "the shares of firms that agree")
            """,
            "Q3",
            LOAD,
        ),
        md(
            """
            ## Part C — Could a cluster organisation be labelled?

            To be listed on the European Cluster Collaboration Platform and enter the excellence labels, a cluster
            organisation needs at least 0.5 FTE of management, at least 15 committed members and at least 2 types
            of member (the "triple helix": firms, research and education, public bodies).

            ## Q4 — Committed members (2 points)

            Count a firm as a **committed member** if it agrees (score 4 or 5) that it would pay a membership fee
            (`willingness_to_pay_fee`). How many committed members does the survey find? Answer with an integer.
            **In `clusterkit`:** `likert.count_agreeing(survey, "willingness_to_pay_fee")`.
            """
        ),
        answer(
            "q4_committed",
            """
            q4_committed = int((survey["willingness_to_pay_fee"] >= 4).sum())
            """,
        ),
        check(
            "q4_committed",
            2,
            """
            g.expect_number(q4_committed, "the number of committed members", lower=0, upper=len(survey))
            """,
            """
            _n = int((_survey["willingness_to_pay_fee"] >= 4).sum())
            g.expect_equal(q4_committed, _n, "the number of committed members")
            """,
            "Q4",
            LOAD,
        ),
        md(
            """
            ## Q5 — Eligible? (2 points)

            The initiative plans a cluster manager at **1.0 FTE**. Its members would be the committed firms of
            Q4 **plus** a university department and the chamber of commerce, which have both signed up: so the
            committed members are the committed firms + 2, and there are **3 member types** (firms, research and
            education, a public body). Would it meet the eligibility rules? Answer `True` or `False`.
            **In `clusterkit`:** `excellence.check_eligibility({"management_fte": 1.0, "committed_members": ...,
            "member_types": 3})` returns `(eligible, reasons)`.
            """
        ),
        answer(
            "q5_eligible",
            """
            committed = int((survey["willingness_to_pay_fee"] >= 4).sum()) + 2  # the firms + university + chamber
            ok, reasons = excellence.check_eligibility(
                {"management_fte": 1.0, "committed_members": committed, "member_types": 3}
            )
            q5_eligible = bool(ok)
            """,
        ),
        check(
            "q5_eligible",
            2,
            """
            g.expect_choice(q5_eligible, [True, False], "your eligibility answer")
            """,
            """
            _n = int((_survey["willingness_to_pay_fee"] >= 4).sum()) + 2  # committed firms + university + chamber
            _ok, _why = excellence.check_eligibility({"management_fte": 1.0, "committed_members": _n, "member_types": 3})
            g.expect_equal(q5_eligible, bool(_ok), "your eligibility answer")
            """,
            "Q5",
            LOAD,
        ),
        md(
            """
            ## W1 — The diagnosis (4 points)

            In 150–250 words, summarise your diagnosis of the wedding-textile cluster as the field-project team
            would present it: where the value is made and where it leaks, which stages are ready to cooperate, what
            the firms ask for, and whether a labelled cluster organisation is realistic now.
            """
        ),
        written(
            "w1_diagnosis",
            4,
            """
            Model answer (trainers): value concentrates in cutting and sewing and in brand/showroom/fairs;
            fabric supply is mostly bought outside the region; readiness differs by stage; joint marketing at
            foreign fairs has the broadest support; 13 committed firms plus the university department and the
            chamber make exactly 15 committed members: eligible, but with no margin (one firm leaving breaks it).
            """,
        ),
        md(
            """
            ## W2 — Advice to the initiative's board (6 points)

            In 200–300 words, advise the board of the wedding-textile cluster initiative on its **first-year action
            plan**: one flagship joint service to launch, how to grow the committed membership (and to which
            stages to reach out), and one indicator the board should track to know whether the plan works.
            """
        ),
        written(
            "w2_recommendation",
            6,
            """
            Model answer (trainers): start with the service that most firms support (a common stand at foreign
            fairs), use it to recruit committed members among the ready stages, bring in the fabric suppliers to
            tackle leakage later; track e.g. committed members or export sales of participating firms.
            """,
        ),
    ]
