"""Exercise 0: foundations - sectoral policy, a logframe, a force-field analysis and a stakeholder grid."""

from nbbuild import answer, check, code, md, written

NAME = "ex0-foundations"
TOTAL = 16

FORCES = """
forces = pd.DataFrame(
    {
        "force": [
            "buyers ask for certified fabric",
            "a regional grant pays half the first year",
            "two large firms already buy together",
            "firms distrust competitors with their prices",
            "no one has time to run the tenders",
            "members fear losing their own suppliers",
        ],
        "direction": ["driving", "driving", "driving", "restraining", "restraining", "restraining"],
        "strength": [4, 3, 2, 5, 3, 2],
    }
).set_index("force")
"""
STAKEHOLDERS = """
stakeholders = pd.DataFrame(
    {
        "stakeholder": [
            "development agency", "large member firms", "small member firms", "fabric suppliers",
            "chamber of commerce", "local press",
        ],
        "power": [5, 4, 2, 4, 3, 1],
        "interest": [4, 5, 5, 2, 3, 2],
    }
).set_index("stakeholder")
"""


def _hidden_data(text: str) -> str:
    """The same table under a private name for the hidden tests, written on one line (so that no hidden-test line
    repeats a line of the released notebook, which the release's leak check would flag)."""
    import pandas as pd

    ns: dict = {"pd": pd}
    exec(text, ns)
    name = "forces" if "forces =" in text else "stakeholders"
    df = ns[name]
    return f"_{name} = pd.DataFrame({df.reset_index().to_dict(orient='list')!r}).set_index({df.index.name!r})"


def cells():
    return [
        md(
            """
            # Exercise 0 — Foundations: policy, projects and change

            **Total: 16 points** — 4 points for two autograded answers (Q1, Q2) and 12 points for three written
            answers (W1–W3) that a trainer grades by hand. **Time: about 75 minutes** (10 for Q1–Q2, 20 for each
            written answer, 5 to reread).

            This exercise goes with the four *Foundations* chapters of the book (clusters and competitiveness,
            sectoral clustering policy, cluster project management, change management). It uses two cases: the
            Sofia meeting of the Balkan Cluster Network (file `cases/balkan-cluster-network/case.md`) and the
            study tour of İŞİM in France (file `cases/isim-clustem-gold-label/case.md`). Q1, Q2 and W3 are about
            **Ege Gelinlik**, a *fictional* wedding-dress cluster initiative: its board wants members to buy
            fabric together. The scores in the two tables below are invented for this exercise.

            **How to work.** Each question names the `clusterkit` function that answers it in one line: replace
            `raise NotImplementedError()` with that line and run the cell; the locked cell below it checks the
            *form* of your answer. Written answers go in the markdown cells marked *YOUR ANSWER HERE*.
            """
        ),
        code(
            "import pandas as pd\n\nfrom clusterkit import change\nfrom clusterkit import grading as g\n"
            + FORCES
            + STAKEHOLDERS
            + "\nforces"
        ),
        md(
            """
            ## Q1 — Force-field balance (2 points)

            The board scored each force for and against joint purchasing from 1 (weak) to 5 (strong), in the table
            `forces` above. What is the **balance**, driving minus restraining? Use
            `change.force_field_balance(forces)`, which returns the two totals and the balance. Answer with one
            number.
            """
        ),
        answer(
            "q1_balance",
            """
            q1_balance = float(change.force_field_balance(forces)["balance"])
            """,
        ),
        check(
            "q1_balance",
            2,
            'g.expect_number(q1_balance, "the force-field balance", lower=-30, upper=30)',
            """
            g.expect_close(q1_balance, float(_change.force_field_balance(_forces)["balance"]), "the force-field balance")
            """,
            "Q1",
            "import pandas as pd\nfrom clusterkit import change as _change\n" + _hidden_data(FORCES),
        ),
        md(
            """
            ## Q2 — Whom to manage closely (2 points)

            The table `stakeholders` scores each stakeholder's power over the project and interest in it from 1
            to 5. Place them on the power-interest grid with `change.stakeholder_grid(stakeholders)` (a score above
            3 is high). Answer with the Series of strategies indexed by stakeholder.
            """
        ),
        answer(
            "q2_grid",
            """
            q2_grid = change.stakeholder_grid(stakeholders)
            """,
        ),
        check(
            "q2_grid",
            2,
            """
            g.expect_series(q2_grid, "the stakeholder strategies", index=list(stakeholders.index), numeric=False, noun="stakeholder")
            """,
            """
            _ref = _change.stakeholder_grid(_stakeholders)
            _bad = [s for s in _ref.index if q2_grid[s] != _ref[s]]
            assert not _bad, f"the strategy is not right for {_bad}"
            """,
            "Q2",
            "import pandas as pd\nfrom clusterkit import change as _change\n" + _hidden_data(STAKEHOLDERS),
        ),
        md(
            """
            ## W1 — Sectoral clustering policy (4 points)

            In 150–250 words: the Sofia meeting listed a legal framework for clusters, national cluster strategies
            and regional planning as open questions for South-East Europe; İŞİM found in France annual contracts
            with the state, grants against a business plan and a top-up for projects the cluster endorses. Advise a
            ministry in the region which **one** instrument to introduce first, why a public actor should act at
            all (which failure it corrects), and what the instrument might cost the clusters in independence.
            """
        ),
        written(
            "w1_policy",
            4,
            """
            Model answer (trainers): names one instrument (e.g. a multi-year contract tied to a strategy, or a
            light legal definition of a cluster organisation) and the failure it addresses (coordination,
            information, missing collective goods); notes the French model's price: the state steers, endorsement
            rights give the cluster power over members. See rubrics/.
            """,
        ),
        md(
            """
            ## W2 — A logframe for a cluster project (4 points)

            Draft the logical framework of one project of a cluster you know (or of Ege Gelinlik's joint purchasing):
            the overall objective, the project purpose, two results and two activities, each with **one indicator**
            and its **means of verification**, and **one assumption** per level. A table in markdown is fine.
            """
        ),
        written(
            "w2_logframe",
            4,
            """
            Model answer (trainers): a vertical logic that holds (activities lead to results, results to the
            purpose), indicators that are measurable and dated, sources that exist, assumptions outside the
            project's control. See rubrics/.
            """,
        ),
        md(
            """
            ## W3 — Leading the change (4 points)

            In 150–250 words, using your answers to Q1 and Q2: should the board launch joint purchasing now? Which
            restraining force would you work on first, and how? What would you do with each stakeholder you must
            manage closely? Say what trust has to do with it.
            """
        ),
        written(
            "w3_change",
            4,
            """
            Model answer (trainers): the balance is negative, so not yet at full scale: weaken the strongest
            restraining force (distrust of prices: a neutral buyer, sealed bids, start with a non-sensitive input)
            rather than push harder; manage the agency and the large firms closely (early involvement, a role in
            the design); trust between people inside firms, built by small successes. See rubrics/.
            """,
        ),
    ]
