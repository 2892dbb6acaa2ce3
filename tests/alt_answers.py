"""One- or two-line `clusterkit` answers to every autograded question of the exercises (the non-programmer path).

``tests/test_exercises.py`` puts each answer in place of the model solution and autogrades the result: it must earn
full marks. It also checks that each answer is at most two lines, calls clusterkit, and that the question names the
functions it calls. Keys: assignment -> grade id -> code.
"""

from __future__ import annotations

_L = "L = inputoutput.leontief_inverse(inputoutput.technical_coefficients(Z, x))"
_READY = (
    '["trust_in_members", "information_sharing", "joint_purchasing_interest", "joint_marketing_interest"]'
)
_SERVICES = '["joint_purchasing_interest", "joint_marketing_interest", "training_need"]'
_A17 = 'assessment.loc[("Anka", 2017), IDS].astype(float)'
_A19 = 'assessment.loc[("Anka", 2019), IDS].astype(float)'
_PILLARS = 'structure = benchmark.hierarchy(indicators, ["indicator", "pillar"])'

ALT_ANSWERS: dict[str, dict[str, str]] = {
    "ex0-foundations": {
        "q1_balance": 'q1_balance = change.force_field_balance(forces)["balance"]',
        "q2_grid": "q2_grid = change.stakeholder_grid(stakeholders)",
    },
    "ex1-mapping-leading-sectors": {
        "q1_lq_corum": 'q1_lq_corum = mapping.location_quotient(emp_2013).xs("Çorum", level=0)',
        "q2_stars_kahramanmaras": (
            'q2_stars_kahramanmaras = mapping.cluster_stars(emp_2013).xs("Kahramanmaraş", level=0)["stars"]'
        ),
        "q3_leading": (
            'q3_leading = mapping.leading_sectors(emp_2013, traded=sectors.set_index("sector_code")["traded"], '
            "regions=PILOTS)"
        ),
        "q4_shift_share_gaziantep": (
            'q4_shift_share_gaziantep = mapping.shift_share(emp_2011, emp_2013).xs("Gaziantep", level=0)'
            '[["national_share", "industry_mix", "regional_shift"]]'
        ),
        "q5_regional_shift_trabzon": (
            'q5_regional_shift_trabzon = mapping.shift_share(emp_2011, emp_2013, totals=True).loc["Trabzon", '
            '"regional_shift"]'
        ),
        "q6_strong_samsun": (
            'strong = mapping.strong_clusters(emp_2013, traded=sectors.set_index("sector_code")["traded"])\n'
            'q6_strong_samsun = list(strong.xs("Samsun", level=0).query("strong").index)'
        ),
    },
    "ex2-clean-energy-value-chain": {
        "q1_value_added": 'q1_value_added = valuechain.value_chain(stages)[["value_added", "margin"]]',
        "q2_input_leakage": 'q2_input_leakage = valuechain.input_leakage(chain, inputs="bought_in_inputs_meur")',
        "q3_main_leaks": 'q3_main_leaks = valuechain.main_leaks(chain, inputs="bought_in_inputs_meur")',
        "q4_output_multipliers": f"{_L}\nq4_output_multipliers = inputoutput.output_multipliers(L)",
        "q5_linkages": f"{_L}\nq5_linkages = inputoutput.rasmussen_linkages(L)",
        "q6_wind_jobs": (
            f'{_L}\nq6_wind_jobs = 100 * inputoutput.employment_multipliers(L, io_sectors["jobs"], x)["WEQ"]'
        ),
    },
    "ex3-national-benchmarking-index": {
        "q1_minmax": 'q1_minmax = benchmark.normalise(X, "minmax", polarity)',
        "q2_direction": (
            'chosen = {"grant_share": "lower", "fee_income_share": "higher", "member_retention": "higher", '
            '"manager_turnover": "lower"}\n'
            "q2_direction = benchmark.polarity_signs(chosen, list(chosen))"
        ),
        "q3_index_pillars": (
            f"{_PILLARS}\nq3_index_pillars = benchmark.composite_index(X, polarity, structure=structure).composite"
        ),
        "q4_rank_geometric": (
            'geo = benchmark.hierarchy(indicators, ["indicator", "pillar"], aggregation={"pillar": "linear", '
            '"index": "geometric"})\n'
            'q4_rank_geometric = benchmark.composite_index(X, polarity, structure=geo, shift=0.01).ranks[PILLARS + ["index"]]'
        ),
        "q5_rank_intervals": (
            f"{_PILLARS}\nq5_rank_intervals = benchmark.sensitivity_sobol(X, polarity, structure, seed=2013)"
            '.summary[["median_rank", "rank_low", "rank_high"]]'
        ),
        "q6_sobol_indices": (
            f"{_PILLARS}\n"
            'q6_sobol_indices = benchmark.sensitivity_sobol(X, polarity, structure, seed=2013).rank_shift[["S1", "ST"]]'
        ),
    },
    "ex4-cluster-management-excellence": {
        "q1_scores_2017": f"q1_scores_2017 = excellence.score({_A17}, indicator_set)",
        "q2_points_to_pass": f"q2_points_to_pass = excellence.verdict({_A19}).points_to_pass",
        "q3_holding_back": f"q3_holding_back = list(excellence.verdict({_A19}).holding_back.index[:5])",
        "q4_gap_to_gold": (
            'peers = assessment[assessment["label"] == "gold"].droplevel("year")[IDS].astype(float)\n'
            f'q4_gap_to_gold = excellence.compare_to_peers({_A19}, peers, indicator_set)["gap_to_median"]'
        ),
        "q5_board_share": (
            'q5_board_share = excellence.board_share(case["board"].query("cluster == \'Anka\' and year == 2019"), '
            '["member large firms", "member SMEs"])'
        ),
    },
    "ex5-field-project": {
        "q1_chain": 'q1_chain = valuechain.value_chain(stages)[["value_added", "share_of_chain_va"]]',
        "q2_readiness": f'q2_readiness = likert.mean_score(survey, {_READY}, by="stage")',
        "q3_support": f"q3_support = likert.share_agreeing(survey, {_SERVICES})",
        "q4_committed": 'q4_committed = likert.count_agreeing(survey, "willingness_to_pay_fee")',
        "q5_eligible": (
            'members = likert.count_agreeing(survey, "willingness_to_pay_fee") + 2\n'
            'q5_eligible = excellence.check_eligibility({"management_fte": 1.0, "committed_members": members, '
            '"member_types": 3})[0]'
        ),
    },
    "ex6-cooperation-networks": {
        "q1_density": "q1_density = network.density(cooperation)",
        "q2_betweenness": 'q2_betweenness = network.centrality(cooperation)["betweenness"]',
        "q3_mostly_home": (
            'share = network.cross_border_share(cooperation, "country", per_node=True)\n'
            "q3_mostly_home = list(share[share <= 0.5].index)"
        ),
        "q4_cross_border_activities": (
            'q4_cross_border_activities = network.cross_border_share(cooperation, "country", weighted=True)'
        ),
        "q5_liaison": 'q5_liaison = network.brokerage(offers, "country")["liaison"]',
        "q6_main_broker": 'q6_main_broker = network.brokerage(offers, "country")["total"].idxmax()',
    },
    "ex7-capstone": {
        "q1_lq": 'q1_lq = mapping.location_quotient(latest, industry="sector").xs(MY_REGION, level=0)',
        "q2_shift_share": (
            'q2_shift_share = mapping.shift_share(first, latest, industry="sector").xs(MY_REGION, level=0)'
            '[["national_share", "industry_mix", "regional_shift"]]'
        ),
        "q3_value_chain": 'q3_value_chain = valuechain.value_chain(value_chain)[["value_added", "margin"]]',
        "q4_scores": "q4_scores = excellence.score(self_assessment)",
    },
}
