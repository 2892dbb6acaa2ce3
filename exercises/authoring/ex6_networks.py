"""Exercise 6: cooperation networks of the Balkan clusters (clusterkit.network)."""

from nbbuild import answer, check, code, md, written

NAME = "ex6-cooperation-networks"
TOTAL = 20

LOAD = """
from clusterkit import network as _net
from clusterkit.data import load_case as _load
_case = _load("balkan-cluster-network")
_und = _net.cooperation_network(_case["c2c_ties"], _case["clusters"])
_dir = _net.cooperation_network(_case["c2c_ties"], _case["clusters"], directed=True)
"""


def cells():
    return [
        md(
            """
            # Exercise 6 — Cooperation networks of the Balkan clusters

            **Total: 20 points** — 12 points for six autograded answers (Q1–Q6) and 8 points for one written
            answer (W1) that a trainer grades by hand. **Time: about 90 minutes** (50 for Q1–Q6, 40 for W1).

            The Balkan Cluster Network brings together cluster organisations from across South-East Europe. At the
            Sofia meeting the organisers warned that isolated clusters waste much of their potential. Read the case
            study *Clusters of clusters* (in the book's *Cases* part; file `cases/balkan-cluster-network/case.md`)
            and the chapter *Cooperation networks* first. The data are **illustrative**: 24 invented cluster
            organisations in eight countries and their cooperation ties. Each row of the tie table says that one
            cluster (`source`) led a joint project, hosted a study visit or organised a joint event for another
            (`target`), and how often (`weight`).

            **How to work.** Each question has an answer cell that starts with `name = None`: replace the line
            `raise NotImplementedError()` with code that assigns your answer to that name, and run the cell. The
            locked cell below it checks the *form* of your answer and tells you in plain words what to fix; the
            *values* are checked when your work is graded. Every question names the `clusterkit.network` function
            to use; one or two lines are enough. Compute each answer from the networks below, not from another
            answer's variable.
            """
        ),
        code(
            """
            import pandas as pd

            from clusterkit import grading as g
            from clusterkit import network
            from clusterkit.data import load_case

            case = load_case("balkan-cluster-network")
            clusters = case["clusters"]  # one row per cluster organisation: country, sector, size, staff
            ties = case["c2c_ties"]  # one row per directed tie: source, target, type, weight
            IDS = list(clusters["cluster_id"])

            # the two readings of the ties (see the chapter): mutual cooperation, and who offered what to whom
            cooperation = network.cooperation_network(ties, clusters)
            offers = network.cooperation_network(ties, clusters, directed=True)
            ties.head()
            """
        ),
        md(
            """
            ## Q1 — How dense is the network? (2 points)

            What share of all possible pairs of clusters cooperate? Compute the **density** of the undirected
            network `cooperation` with `network.density`. Answer with one number between 0 and 1.
            """
        ),
        answer(
            "q1_density",
            """
            q1_density = network.density(cooperation)
            """,
        ),
        check(
            "q1_density",
            2,
            'g.expect_number(q1_density, "the density", lower=0, upper=1)',
            'g.expect_close(q1_density, _net.density(_und), "the density")',
            "Q1",
            LOAD,
        ),
        md(
            """
            ## Q2 — Who stands between the others? (2 points)

            Give the **betweenness** of every cluster in `cooperation`: the column `"betweenness"` of
            `network.centrality`. Answer with a Series indexed by the cluster ids.
            """
        ),
        answer(
            "q2_betweenness",
            """
            q2_betweenness = network.centrality(cooperation)["betweenness"]
            """,
        ),
        check(
            "q2_betweenness",
            2,
            'g.expect_series(q2_betweenness, "the betweenness of each cluster", index=IDS, noun="cluster")',
            """
            _ref = _net.centrality(_und)["betweenness"]
            g.expect_close(q2_betweenness, _ref, "the betweenness of each cluster", atol=1e-9)
            """,
            "Q2",
            LOAD,
        ),
        md(
            """
            ## Q3 — Who cooperates mostly at home? (2 points)

            With `network.cross_border_share(cooperation, "country", per_node=True)`, find the share of each
            cluster's ties that cross a border. List the ids of the clusters for which this share is **at most
            one half** (0.5). Answer with a list of cluster ids.
            """
        ),
        answer(
            "q3_mostly_home",
            """
            share = network.cross_border_share(cooperation, "country", per_node=True)
            q3_mostly_home = list(share[share <= 0.5].index)
            """,
        ),
        check(
            "q3_mostly_home",
            2,
            """
            g.expect_list_of(q3_mostly_home, IDS, "your list of clusters", noun="cluster id")
            """,
            """
            _share = _net.cross_border_share(_und, "country", per_node=True)
            g.expect_same_set(q3_mostly_home, _share[_share <= 0.5].index, "your list of clusters", noun="cluster")
            """,
            "Q3",
            LOAD,
        ),
        md(
            """
            ## Q4 — How much of the cooperation crosses borders? (2 points)

            Counting **joint activities** rather than partners, what share of the network's cooperation links
            clusters of different countries? Use `network.cross_border_share` on `cooperation` with
            `weighted=True`. Answer with one number between 0 and 1.
            """
        ),
        answer(
            "q4_cross_border_activities",
            """
            q4_cross_border_activities = network.cross_border_share(cooperation, "country", weighted=True)
            """,
        ),
        check(
            "q4_cross_border_activities",
            2,
            'g.expect_number(q4_cross_border_activities, "the cross-border share of joint activities", lower=0, upper=1)',
            """
            _ref = _net.cross_border_share(_und, "country", weighted=True)
            g.expect_close(q4_cross_border_activities, _ref, "the cross-border share of joint activities")
            """,
            "Q4",
            LOAD,
        ),
        md(
            """
            ## Q5 — Liaisons between countries (2 points)

            Brokerage roles need the direction of the ties, so use the directed network `offers`. With
            `network.brokerage(offers, "country")`, give each cluster's number of **liaison** brokerages (open
            two-paths linking two countries other than its own). Answer with a Series indexed by the cluster ids.
            """
        ),
        answer(
            "q5_liaison",
            """
            q5_liaison = network.brokerage(offers, "country")["liaison"]
            """,
        ),
        check(
            "q5_liaison",
            2,
            'g.expect_series(q5_liaison, "the liaison counts", index=IDS, noun="cluster")',
            """
            g.expect_close(q5_liaison, _net.brokerage(_dir, "country")["liaison"], "the liaison counts", atol=0)
            """,
            "Q5",
            LOAD,
        ),
        md(
            """
            ## Q6 — The network's main broker (2 points)

            Which cluster brokers the most between countries, all five roles together? Use the column `"total"`
            of `network.brokerage(offers, "country")`. Answer with one cluster id, such as `"BG1"`.
            """
        ),
        answer(
            "q6_main_broker",
            """
            q6_main_broker = network.brokerage(offers, "country")["total"].idxmax()
            """,
        ),
        check(
            "q6_main_broker",
            2,
            'g.expect_choice(q6_main_broker, IDS, "the main broker")',
            """
            g.expect_equal(q6_main_broker, _net.brokerage(_dir, "country")["total"].idxmax(), "the main broker")
            """,
            "Q6",
            LOAD,
        ),
        md(
            """
            ## W1 — Advice to the network's board (8 points)

            In 200–300 words, advise the board of the Balkan Cluster Network. Which clusters are central and which
            are close to isolated (use your figures, and the chart `network.network_chart(cooperation, "country")`
            if it helps); does cooperation cross borders; which clusters hold the network together as brokers, and
            what is the risk in that? Propose one C2C action (study visits, joint projects or events) for the next
            year and say for which clusters. Say what these illustrative data, and network data in general, cannot
            tell you.
            """
        ),
        written(
            "w1_network_advice",
            8,
            """
            Model answer (trainers): the network is one component with a low density (about 0.18) and most ties
            cross borders (about 0.82 of ties and of activities); the Montenegrin clusters and TR3 are the least
            connected; SI1, RO1 and RO3 have the highest betweenness and SI1 is the main broker, mostly as a
            liaison, so the network depends on a few organisations. Action: e.g. study visits hosted by
            the brokers for the weakly connected clusters. Limits: illustrative data, boundary of the network,
            organisations versus people, counts versus quality of ties.
            """,
        ),
    ]
