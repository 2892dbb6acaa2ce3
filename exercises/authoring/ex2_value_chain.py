"""Exercise 2: the clean-energy value chain of İzmir (BEST For Energy): value added, capture, gaps, IO."""

from nbbuild import answer, check, code, md, written

NAME = "ex2-clean-energy-value-chain"
TOTAL = 20

LOAD_VC = """
from clusterkit.data import load_case as _load
_vc = _load("izmir-clean-energy")["value_chain"].sort_values("stage_order")
_stages = _vc.rename(
    columns={"output_meur": "output", "bought_in_inputs_meur": "bought_in_inputs", "local_input_share": "local_share"}
)
"""
LOAD_IO = """
from clusterkit.data import load_case as _load
_io = _load("izmir-clean-energy")
_t = _io["io_transactions"].set_index("sector")
_sec = list(_t.index)
_Z, _x, _f = _t[_sec], _t["total_output"], _t["final_demand"]
_L = inputoutput.leontief_inverse(inputoutput.technical_coefficients(_Z, _x))
_jobs = _io["io_sectors"].set_index("sector")["jobs"]
"""


def cells():
    return [
        md(
            """
            # Exercise 2 — The clean-energy value chain of İzmir

            **Total: 20 points** — 12 points for six autograded answers (Q1–Q6) and 8 points for two written
            answers (W1, W2) that a trainer grades by hand. **Time: about 120 minutes**
            (10–15 minutes per autograded question, 20 for W1 and 25 for W2).

            The BEST For Energy project (İzmir Development Agency with ENSİA, from July 2020, EU-funded) set out to
            build a competitive clean-energy and clean-technology cluster in İzmir, starting with a value-chain
            and cluster analysis of wind, solar, geothermal and biomass energy. Read the case study *BEST For
            Energy* (in the book's *Cases* part; file `cases/izmir-clean-energy/case.md`) first. You work with the case's illustrative data: the wind-energy
            value chain in ten stages, and a six-sector regional input-output table (million EUR, one year).

            **How to work.** Each question has an answer cell that starts with `name = None`: replace the line
            `raise NotImplementedError()` with code that assigns your answer to that name, and run the cell. The
            locked cell below it checks the *form* of your answer and tells you in plain words what to fix; the
            *values* are checked when your work is graded. Use `clusterkit.valuechain` and
            `clusterkit.inputoutput`, or plain pandas/numpy. Compute each answer from the data, not from another
            answer's variable.
            """
        ),
        code(
            """
            import numpy as np
            import pandas as pd

            from clusterkit import grading as g
            from clusterkit import inputoutput, valuechain
            from clusterkit.data import load_case

            case = load_case("izmir-clean-energy")
            chain = case["value_chain"].sort_values("stage_order")
            STAGES = list(chain["stage"])
            chain
            """
        ),
        md(
            """
            `clusterkit.valuechain` expects the columns `stage`, `output`, `bought_in_inputs` and `local_share`;
            the next cell renames the case's columns (the local input share fills `local_share`, which Q1 does not
            use).
            """
        ),
        code(
            """
            stages = chain.rename(
                columns={"output_meur": "output", "bought_in_inputs_meur": "bought_in_inputs", "local_input_share": "local_share"}
            )
            stages[["stage", "firms", "output", "bought_in_inputs", "local_share"]]
            """
        ),
        md(
            """
            ## Q1 — Value added and margin by stage (2 points)

            For each stage compute the value added (output − bought-in inputs, million EUR) and the margin (value
            added / output). Answer with a DataFrame indexed by stage name with the columns `value_added` and
            `margin`. **In `clusterkit`:** `valuechain.value_chain(stages)` returns both columns (and more).
            """
        ),
        answer(
            "q1_value_added",
            """
            q1_value_added = valuechain.value_chain(stages)[["value_added", "margin"]]
            """,
        ),
        check(
            "q1_value_added",
            2,
            """
            g.expect_frame(
                q1_value_added, "the value-added table", columns=["value_added", "margin"], index=STAGES,
                numeric_columns=["value_added", "margin"],
            )
            """,
            """
            _ref = valuechain.value_chain(_stages)[["value_added", "margin"]]
            g.expect_close(q1_value_added, _ref, "the value-added table")
            """,
            "Q1",
            LOAD_VC,
        ),
        md(
            """
            ## Q2 — Purchases leaking out of İzmir (2 points)

            The case measures how value leaks out of the region through **inputs bought elsewhere**: for each
            stage, leakage = bought-in inputs × (1 − local input share), in million EUR. Compute it for every
            stage. Answer with a Series indexed by stage name. **In `clusterkit`:** `valuechain.input_leakage(chain,
            inputs="bought_in_inputs_meur")`.
            """
        ),
        answer(
            "q2_input_leakage",
            """
            by_stage = chain.set_index("stage")
            q2_input_leakage = by_stage["bought_in_inputs_meur"] * (1 - by_stage["local_input_share"])
            """,
        ),
        check(
            "q2_input_leakage",
            2,
            """
            g.expect_series(q2_input_leakage, "the leakage by stage", index=STAGES, noun="stage")
            g.expect_number(float(q2_input_leakage.min()), "the smallest leakage", lower=0)
            """,
            """
            _ref = valuechain.input_leakage(_vc, inputs="bought_in_inputs_meur")
            g.expect_close(q2_input_leakage, _ref, "the leakage by stage")
            """,
            "Q2",
            LOAD_VC,
        ),
        md(
            """
            ## Q3 — The main leaks (2 points)

            Rank the stages by the leakage of Q2 and list the **fewest stages that together account for at least
            half of the chain's total leakage**. These are the first candidates for a supplier-development
            programme. Answer with a list of stage names. **In `clusterkit`:** `valuechain.main_leaks(chain,
            inputs="bought_in_inputs_meur")`.
            """
        ),
        answer(
            "q3_main_leaks",
            """
            by_stage = chain.set_index("stage")
            leak = (by_stage["bought_in_inputs_meur"] * (1 - by_stage["local_input_share"])).sort_values(ascending=False)
            before = leak.cumsum().shift(fill_value=0.0) / leak.sum()
            q3_main_leaks = list(leak.index[before < 0.5])
            """,
        ),
        check(
            "q3_main_leaks",
            2,
            """
            g.expect_list_of(q3_main_leaks, STAGES, "the list of main leaks", noun="stage")
            """,
            """
            _leak = valuechain.input_leakage(_vc, inputs="bought_in_inputs_meur").sort_values(ascending=False)
            _ref = list(_leak.index[(_leak.cumsum() - _leak) < 0.5 * _leak.sum()])
            g.expect_same_set(q3_main_leaks, _ref, "the list of main leaks", noun="stage")
            """,
            "Q3",
            LOAD_VC,
        ),
        md(
            """
            ## The input-output table

            Rows sell, columns buy; the six sector columns are the inter-industry flows $Z$, `final_demand` is $f$
            and `total_output` is $x$. `io_sectors` gives value added and jobs per sector.
            """
        ),
        code(
            """
            io = case["io_transactions"].set_index("sector")
            SECTORS = list(io.index)
            Z, x, f = io[SECTORS], io["total_output"], io["final_demand"]
            io_sectors = case["io_sectors"].set_index("sector")
            io
            """
        ),
        md(
            """
            ## Q4 — Output multipliers (2 points)

            Compute the technical coefficients $A = Z\\,\\mathrm{diag}(x)^{-1}$, the Leontief inverse
            $L = (I - A)^{-1}$ and the **output multiplier** of each sector (the column sums of $L$). Answer with a
            Series indexed by sector code. **In `clusterkit`:** `inputoutput.technical_coefficients(Z, x)`,
            `inputoutput.leontief_inverse(A)`, `inputoutput.output_multipliers(L)`.
            """
        ),
        answer(
            "q4_output_multipliers",
            """
            A = inputoutput.technical_coefficients(Z, x)
            L = inputoutput.leontief_inverse(A)
            q4_output_multipliers = inputoutput.output_multipliers(L)
            """,
        ),
        check(
            "q4_output_multipliers",
            2,
            """
            g.expect_series(q4_output_multipliers, "the output multipliers", index=SECTORS, noun="sector")
            g.expect_number(float(q4_output_multipliers.min()), "the smallest output multiplier", lower=1)
            """,
            """
            g.expect_close(q4_output_multipliers, inputoutput.output_multipliers(_L), "the output multipliers")
            """,
            "Q4",
            LOAD_IO,
        ),
        md(
            """
            ## Q5 — Backward and forward linkages (2 points)

            Compute the Rasmussen indices: backward $BL_j = n \\sum_i l_{ij} / \\sum_{ij} l_{ij}$ (power of
            dispersion) and forward $FL_i = n \\sum_j l_{ij} / \\sum_{ij} l_{ij}$ (sensitivity of dispersion).
            Answer with a DataFrame indexed by sector with the columns `backward` and `forward`. **In `clusterkit`:**
            `inputoutput.rasmussen_linkages(L)`, with `L` from `inputoutput.leontief_inverse` as in Q4.
            """
        ),
        answer(
            "q5_linkages",
            """
            L5 = inputoutput.leontief_inverse(inputoutput.technical_coefficients(Z, x))
            q5_linkages = inputoutput.rasmussen_linkages(L5)
            """,
        ),
        check(
            "q5_linkages",
            2,
            """
            g.expect_frame(
                q5_linkages, "the linkage table", columns=["backward", "forward"], index=SECTORS,
                numeric_columns=["backward", "forward"],
            )
            """,
            """
            g.expect_close(q5_linkages[["backward", "forward"]], inputoutput.rasmussen_linkages(_L), "the linkage table")
            """,
            "Q5",
            LOAD_IO,
        ),
        md(
            """
            ## Q6 — Jobs from new wind-equipment orders (2 points)

            Suppose a new wind-farm programme raises final demand for **Wind and clean-energy equipment (`WEQ`)
            by 100 million EUR**. Assuming constant jobs per unit of output in every sector, how many jobs does it
            support **in the whole regional economy** (all sectors together)? Answer with one number.
            **In `clusterkit`:** `inputoutput.employment_multipliers(L, io_sectors["jobs"], x)` gives the jobs per million
            EUR of final demand for each sector.
            """
        ),
        answer(
            "q6_wind_jobs",
            """
            L6 = inputoutput.leontief_inverse(inputoutput.technical_coefficients(Z, x))
            impact = inputoutput.demand_shock_impact(L6, pd.Series({"WEQ": 100.0}), x=x, jobs=io_sectors["jobs"])
            q6_wind_jobs = float(impact["delta_jobs"].sum())
            """,
        ),
        check(
            "q6_wind_jobs",
            2,
            'g.expect_number(q6_wind_jobs, "the number of jobs supported", lower=0)',
            """
            _m = inputoutput.employment_multipliers(_L, _jobs, _x)
            g.expect_close(q6_wind_jobs, 100.0 * _m["WEQ"], "the number of jobs supported")
            """,
            "Q6",
            LOAD_IO,
        ),
        md(
            """
            ## W1 — Reading the chain and the table (4 points)

            In 150–250 words: does İzmir's wind chain show a "smile" (more value at the ends than in the middle)?
            Where does the chain lose most purchases to other regions, and is the wind-equipment sector a *key
            sector* of the regional economy? Use the worked example's definition, `inputoutput.key_sectors(L, Z=Z,
            x=x)`: Rasmussen backward linkage and Ghosh forward linkage, **both strictly above 1** (the average).
            Is buying inputs outside the region always a loss?
            """
        ),
        written(
            "w1_interpretation",
            4,
            """
            Model answer (trainers): margins are thinnest in assembly and raw materials and thickest at the ends
            (finance, project development, R&D, O&M): a smile. Blades, raw materials and assembly leak most
            purchases. With key_sectors(L, Z=Z, x=x), WEQ's backward (about 0.97) and Ghosh forward (about 0.99)
            linkages are both below 1: weakly linked, not a key sector, because about 60% of its inputs are
            imported (the chain's leak). Imports can be the efficient choice.
            """,
        ),
        md(
            """
            ## W2 — Recommendation to the cluster's board (4 points)

            In 200–300 words, recommend to the board of the İzmir clean-energy cluster **one** stage of the chain
            to develop or attract first, using your figures (value added, margin, leakage, multipliers, jobs), and name
            one risk of the recommendation and how the board could watch it.
            """
        ),
        written(
            "w2_recommendation",
            4,
            """
            Model answer (trainers): e.g. the blades' supply chain (largest value added and largest leak) or
            operation and maintenance (high margin, many jobs, grows with the installed base); WEQ's jobs
            multiplier is low because its inputs are imported, and supplier development would raise it; risk: a
            few turbine makers decide.
            """,
        ),
    ]
