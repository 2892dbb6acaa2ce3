"""Exercise 1: mapping leading sectors in the SME Networking pilot provinces."""

from nbbuild import answer, check, code, md, written

NAME = "ex1-mapping-leading-sectors"
TOTAL = 22

LOAD = 'from clusterkit.data import load_case as _load\n_emp = _load("sme-networking-turkey")["employment"]'


def cells():
    return [
        md(
            """
            # Exercise 1 — Mapping the leading sectors of the pilot provinces

            **Total: 22 points** — 12 points for six autograded answers (Q1–Q6) and 10 points for two written
            answers (W1, W2) that a trainer grades by hand. **Time: about 120 minutes**
            (15 minutes per autograded question, 20 for W1 and 30 for W2).

            The SME Networking project (Ministry of Economy, 2011–2013) opened a *Clusters Info Spot* in each of five
            pilot provinces — Çorum, Trabzon, Samsun, Kahramanmaraş and Gaziantep — and set out to identify each
            province's leading sectors before launching pilot cluster activities in them. Read the case study
            *SME Networking* (in the book's *Cases* part; file `cases/sme-networking-turkey/case.md`) first. The data are the case's illustrative
            registered-employment table by province and sector for 2011 and 2013.

            **How to work.** Each question has an answer cell that starts with `name = None`: replace the line
            `raise NotImplementedError()` with code that assigns your answer to that name, and run the cell. The
            locked cell below it checks the *form* of your answer (type, labels, shape) and tells you in plain
            words what to fix; the *values* are checked when your work is graded. Use `clusterkit` (its functions
            are documented in the book's *clusterkit API reference*, in the Reference part) or plain pandas — both are fine. Do not reuse one answer's
            variable in another answer: compute each answer from the data.
            """
        ),
        code(
            """
            import pandas as pd

            from clusterkit import grading as g
            from clusterkit import mapping
            from clusterkit.data import load_case

            case = load_case("sme-networking-turkey")
            employment = case["employment"]  # province, sector_code, year, employment, establishments
            sectors = case["sectors"]  # sector_code, sector_name, traded
            PILOTS = sorted(case["provinces"].query("pilot")["province"])
            SECTOR_CODES = sorted(sectors["sector_code"])
            PILOTS
            """
        ),
        md(
            """
            `clusterkit.mapping` expects a long table with columns `region`, `industry` and `employment` (other
            names can be passed as keyword arguments, e.g. `region="province"`). The next cell makes the two
            yearly tables in that shape.
            """
        ),
        code(
            """
            def year_table(year):
                t = employment[employment["year"] == year]
                return t.rename(columns={"province": "region", "sector_code": "industry"})[
                    ["region", "industry", "employment", "establishments"]
                ]


            emp_2011, emp_2013 = year_table(2011), year_table(2013)
            emp_2013.head()
            """
        ),
        md(
            """
            **Explore (not graded).** Pick a province and a location-quotient threshold: the explorer lists the
            sectors whose 2011 location quotient reaches it. It uses 2011, so it does not answer the questions
            below, which are about 2013.
            """
        ),
        code(
            """
            import ipywidgets as widgets
            from IPython.display import display

            lq_2011 = mapping.location_quotient(emp_2011)


            def explore(province, threshold):
                lq = lq_2011.xs(province, level=0)
                display(lq[lq >= threshold].sort_values(ascending=False).round(2).to_frame("LQ 2011"))


            widgets.interactive(
                explore,
                province=widgets.Dropdown(options=PILOTS, description="Province"),
                threshold=widgets.FloatSlider(value=1.25, min=0.5, max=3.0, step=0.05, description="LQ ≥"),
            )
            """
        ),
        md(
            """
            ## Q1 — Location quotients of Çorum (2 points)

            Compute the location quotient of **every sector in Çorum in 2013**, with Türkiye (all provinces in the
            table) as the reference: $LQ_{ir} = (E_{ir}/E_r)/(E_i/E)$. Answer with a pandas Series indexed by
            sector code (e.g. `"NMM"`), one value per sector. **In `clusterkit`:** `mapping.location_quotient(emp_2013)` gives every
            province's quotients; take Çorum's rows with `.xs("Çorum", level=0)`.
            """
        ),
        answer(
            "q1_lq_corum",
            """
            lq = mapping.location_quotient(emp_2013)
            q1_lq_corum = lq.xs("Çorum", level=0)
            """,
        ),
        check(
            "q1_lq_corum",
            2,
            'g.expect_series(q1_lq_corum, "Çorum\'s location quotients", index=SECTOR_CODES, noun="sector")',
            """
            _t = _emp[_emp["year"] == 2013]
            _ref = mapping.location_quotient(_t, region="province", industry="sector_code").xs("Çorum", level=0)
            g.expect_close(q1_lq_corum, _ref, "Çorum's location quotients")
            """,
            "Q1",
            LOAD,
        ),
        md(
            """
            ## Q2 — Cluster stars of Kahramanmaraş (2 points)

            The European Cluster Observatory gives a region one star for each of *size* (top 10% of regions by
            employment in the sector), *specialisation* ($LQ \\ge 2$) and *focus* (the province–sector cell is among the
            top 10% of **all** province–sector cells by the sector's share of the province's employment). Give the **number of stars (0–3) of every sector in Kahramanmaraş in
            2013**, comparing all provinces in the table, as a Series indexed by sector code. **In `clusterkit`:**
            `mapping.cluster_stars(emp_2013)`, then Kahramanmaraş's rows and the column `"stars"`.
            """
        ),
        answer(
            "q2_stars_kahramanmaras",
            """
            stars = mapping.cluster_stars(emp_2013)
            q2_stars_kahramanmaras = stars.xs("Kahramanmaraş", level=0)["stars"]
            """,
        ),
        check(
            "q2_stars_kahramanmaras",
            2,
            """
            g.expect_series(q2_stars_kahramanmaras, "the star counts of Kahramanmaraş", index=SECTOR_CODES, noun="sector")
            g.expect_number(float(q2_stars_kahramanmaras.min()), "the smallest star count", lower=0)
            g.expect_number(float(q2_stars_kahramanmaras.max()), "the largest star count", upper=3)
            """,
            """
            _t = _emp[_emp["year"] == 2013]
            _ref = mapping.cluster_stars(_t, region="province", industry="sector_code").xs("Kahramanmaraş", level=0)
            g.expect_close(q2_stars_kahramanmaras, _ref["stars"].astype(float), "the star counts of Kahramanmaraş")
            """,
            "Q2",
            LOAD,
        ),
        md(
            """
            ## Q3 — The leading sector of each pilot province (2 points)

            For each of the five pilot provinces, name its **leading traded sector in 2013**: among the sectors
            marked `traded` in `sectors`, the one with the most stars; break ties by the higher location quotient.
            Answer with a Series indexed by province (the five names in `PILOTS`) holding sector codes.
            **In `clusterkit`:** `mapping.leading_sectors(emp_2013, traded=..., regions=PILOTS)`, with the `traded` flags
            of `sectors` as a Series indexed by sector code.
            """
        ),
        answer(
            "q3_leading",
            """
            traded = set(sectors.loc[sectors["traded"], "sector_code"])
            rated = mapping.cluster_stars(emp_2013).reset_index()
            rated = rated[rated["industry"].isin(traded) & rated["region"].isin(PILOTS)]
            best = rated.sort_values(["region", "stars", "lq"], ascending=[True, False, False])
            q3_leading = best.groupby("region")["industry"].first()
            """,
        ),
        check(
            "q3_leading",
            2,
            """
            g.expect_series(q3_leading, "the leading sectors", index=PILOTS, numeric=False, noun="province")
            for _p, _s in q3_leading.items():
                g.expect_choice(_s, SECTOR_CODES, f"the leading sector of {_p}")
            """,
            """
            _sec = _load("sme-networking-turkey")["sectors"]
            _t = _emp[_emp["year"] == 2013]
            _r = mapping.cluster_stars(_t, region="province", industry="sector_code").reset_index()
            _r = _r[_r["sector_code"].isin(_sec.loc[_sec["traded"], "sector_code"]) & _r["province"].isin(PILOTS)]
            _r = _r.sort_values(["province", "stars", "lq"], ascending=[True, False, False])
            _ref = _r.groupby("province")["sector_code"].first()
            for _p in _ref.index:
                g.expect_equal(q3_leading[_p], _ref[_p], f"the leading sector of {_p}")
            """,
            "Q3",
            LOAD,
        ),
        md(
            """
            ## Q4 — Shift-share analysis of Gaziantep (3 points)

            Decompose the change in employment of **each sector of Gaziantep between 2011 and 2013** into the
            national share $NS = E_{ir,0}\\,g_N$, the industry mix $IM = E_{ir,0}(g_{i} - g_N)$ and the regional
            shift $RS = E_{ir,0}(g_{ir} - g_{i})$, with growth rates measured over all provinces in the table.
            Answer with a DataFrame indexed by sector code with the columns `national_share`, `industry_mix` and
            `regional_shift`. **In `clusterkit`:** `mapping.shift_share(emp_2011, emp_2013)`, then Gaziantep's rows and those three
            columns.
            """
        ),
        answer(
            "q4_shift_share_gaziantep",
            """
            ss = mapping.shift_share(emp_2011, emp_2013)
            q4_shift_share_gaziantep = ss.xs("Gaziantep", level=0)[["national_share", "industry_mix", "regional_shift"]]
            """,
        ),
        check(
            "q4_shift_share_gaziantep",
            3,
            """
            g.expect_frame(
                q4_shift_share_gaziantep,
                "Gaziantep's shift-share table",
                columns=["national_share", "industry_mix", "regional_shift"],
                index=SECTOR_CODES,
                numeric_columns=["national_share", "industry_mix", "regional_shift"],
            )
            """,
            """
            _ss = mapping.shift_share(
                _emp[_emp["year"] == 2011], _emp[_emp["year"] == 2013], region="province", industry="sector_code"
            ).xs("Gaziantep", level=0)
            _ref = _ss[["national_share", "industry_mix", "regional_shift"]]
            g.expect_close(q4_shift_share_gaziantep, _ref, "Gaziantep's shift-share table", rtol=1e-3, atol=0.5)
            """,
            "Q4",
            LOAD,
        ),
        md(
            """
            ## Q5 — Trabzon's competitive shift (1 point)

            What is Trabzon's **total regional shift** 2011–2013 — the sum of the regional-shift component over all
            its sectors, in jobs? Answer with one number. **In `clusterkit`:** `mapping.shift_share(emp_2011, emp_2013,
            totals=True)` sums the components by province.
            """
        ),
        answer(
            "q5_regional_shift_trabzon",
            """
            totals = mapping.shift_share(emp_2011, emp_2013, totals=True)
            q5_regional_shift_trabzon = float(totals.loc["Trabzon", "regional_shift"])
            """,
        ),
        check(
            "q5_regional_shift_trabzon",
            1,
            'g.expect_number(q5_regional_shift_trabzon, "Trabzon\'s total regional shift")',
            """
            _tot = mapping.shift_share(
                _emp[_emp["year"] == 2011], _emp[_emp["year"] == 2013], totals=True,
                region="province", industry="sector_code",
            )
            g.expect_close(q5_regional_shift_trabzon, _tot.loc["Trabzon", "regional_shift"], "Trabzon's total regional shift")
            """,
            "Q5",
            LOAD,
        ),
        md(
            """
            ## Q6 — Strong clusters by the US rule (2 points)

            The US Cluster Mapping Project calls a traded cluster *strong* in a region when its location quotient
            (over **traded** employment) is in the top quarter of the regions that have the cluster, its employment
            and its establishments are above the bottom quarter, and its LQ is at least 1. Use
            `mapping.strong_clusters(emp_2013, traded=...)`, passing the `traded` flags of `sectors` as a Series
            indexed by sector code, and list the **sector codes that are strong clusters in Samsun in 2013**.
            Compare them with the sectors that earn at least two European stars in Samsun (Q2's method) before
            you answer W1: the two verdicts do not always agree. Answer with a list of sector codes.
            """
        ),
        answer(
            "q6_strong_samsun",
            """
            strong = mapping.strong_clusters(emp_2013, traded=sectors.set_index("sector_code")["traded"])
            q6_strong_samsun = sorted(strong.xs("Samsun", level=0).query("strong").index)
            """,
        ),
        check(
            "q6_strong_samsun",
            2,
            """
            g.expect_list_of(q6_strong_samsun, SECTOR_CODES, "the list of strong clusters", noun="sector")
            """,
            """
            _t = _emp[_emp["year"] == 2013]
            _tr = _load("sme-networking-turkey")["sectors"].set_index("sector_code")["traded"]
            _sc = mapping.strong_clusters(_t, traded=_tr, region="province", industry="sector_code").xs("Samsun", level=0)
            g.expect_same_set(q6_strong_samsun, list(_sc.index[_sc["strong"]]), "the list of strong clusters", noun="sector")
            """,
            "Q6",
            LOAD,
        ),
        md(
            """
            ## W1 — What the map says (4 points)

            In 150–250 words: which sectors stand out as leading sectors in the five pilot provinces, and how
            confident are you? Use your star ratings, the US strong-cluster verdict of Q6 (where does it disagree
            with the stars, and why?) and the shift-share results (is a sector growing because the
            whole country grows, because its industry grows, or because the province does better?). Name at least
            one limitation of mapping with registered employment data.
            """
        ),
        written(
            "w1_interpretation",
            4,
            """
            Model answer (trainers): the pilot provinces' leading traded sectors combine a specialisation star with
            size or focus; a positive regional shift shows a local competitive advantage beyond national and
            industry growth. Limitations: registered employment misses informal work, sector codes are broad,
            one period of two years is short, LQ is unstable for small provinces. In Samsun the US rule also calls
            BAS and BUS strong (traded-employment LQ, peer percentiles) where the stars do not. See rubrics/.
            """,
        ),
        md(
            """
            ## W2 — Recommendation to the board (6 points)

            You advise the board of the Clusters Info Spot in **one** pilot province of your choice. In 200–300
            words, recommend which sector's pilot cluster activity to launch first, justified with your figures,
            and say what the board should check on the ground (firms, value chain, willingness to cooperate)
            before committing money.
            """
        ),
        written(
            "w2_recommendation",
            6,
            """
            Model answer (trainers): picks one province and its leading traded sector (Q3), cites stars, LQ and the
            regional shift, weighs a fast-growing smaller sector against the established one, and proposes
            concrete field checks (interviews, supplier mapping, a first joint project). See rubrics/.
            """,
        ),
    ]
