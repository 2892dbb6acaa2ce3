"""Build the illustrative tables of the ECEI field-projects case (cases/ecei-field-projects/data/).

The field-project list (field_projects.csv) and the programme facts (facts.csv) are transcribed by hand
from the seed. This script draws the illustrative data of one field project, the wedding-textile cluster
initiative in İzmir: its value chain and a needs-assessment survey of its firms, with
``numpy.random.default_rng(SEED)`` and fixed formatting, so a rerun is byte-for-byte identical.

    python cases/ecei-field-projects/make_data.py [--out DIR]
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from clusterkit.data import generator_main

SEED = 20130719
HERE = Path(__file__).resolve().parent

# order, stage, firms, output (million EUR), input ratio, local input share, export share
STAGES = [
    (1, "Design and pattern making", 18, 9.0, 0.35, 0.70, 0.25),
    (2, "Fabrics, lace and tulle supply", 12, 32.0, 0.78, 0.25, 0.10),
    (3, "Embroidery and beading", 40, 21.0, 0.55, 0.80, 0.15),
    (4, "Cutting and sewing", 65, 58.0, 0.72, 0.75, 0.35),
    (5, "Finishing and quality control", 14, 8.0, 0.50, 0.85, 0.05),
    (6, "Brand, showroom and trade fairs", 22, 40.0, 0.60, 0.65, 0.55),
    (7, "Export sales and distribution", 16, 36.0, 0.80, 0.60, 0.90),
]
SIZE_CLASSES = [
    ("micro", 1, 9, 0.45),
    ("small", 10, 49, 0.38),
    ("medium", 50, 249, 0.14),
    ("large", 250, 600, 0.03),
]
QUESTIONS = ["trust_in_members", "information_sharing", "joint_purchasing_interest", "joint_marketing_interest",
             "training_need", "willingness_to_pay_fee"]  # fmt: skip
N_FIRMS = 48


def build_value_chain(rng: np.random.Generator) -> pd.DataFrame:
    rows = []
    for order, stage, firms, output, ratio, local, export in STAGES:
        out = round(output * rng.lognormal(0.0, 0.06), 1)
        rows.append(
            {
                "stage_order": order,
                "stage": stage,
                "firms": firms,
                "output_meur": out,
                "bought_in_inputs_meur": round(out * ratio * rng.lognormal(0.0, 0.04), 1),
                "local_input_share": round(float(np.clip(local + rng.normal(0.0, 0.04), 0.05, 0.95)), 2),
                "export_share": round(float(np.clip(export + rng.normal(0.0, 0.04), 0.0, 0.98)), 2),
            }
        )
    return pd.DataFrame(rows)


def build_survey(rng: np.random.Generator) -> pd.DataFrame:
    stage_names = [s[1] for s in STAGES]
    stage_weights = np.array([s[2] for s in STAGES], dtype=float)
    size_p = np.array([s[3] for s in SIZE_CLASSES])
    rows = []
    for k in range(N_FIRMS):
        stage = stage_names[rng.choice(len(STAGES), p=stage_weights / stage_weights.sum())]
        size_idx = int(rng.choice(len(SIZE_CLASSES), p=size_p))
        size, lo, hi, _ = SIZE_CLASSES[size_idx]
        employees = int(rng.integers(lo, hi + 1))
        export = float(np.clip(rng.beta(1.2, 3.0) + 0.08 * size_idx, 0.0, 1.0))
        # firms that export and are larger trust a little more and want joint marketing more
        base = rng.normal(0.0, 0.8)
        means = (
            np.array([2.6, 2.4, 3.4, 3.1 + 1.2 * export, 3.8 - 0.3 * size_idx, 2.5 + 0.3 * size_idx])
            + 0.4 * base
        )
        scores = np.clip(np.rint(means + rng.normal(0.0, 0.7, size=len(QUESTIONS))), 1, 5).astype(int)
        rows.append(
            {
                "firm_id": f"F{k + 1:02d}",
                "stage": stage,
                "size_class": size,
                "employees": employees,
                "export_share": round(export, 2),
                **dict(zip(QUESTIONS, scores.tolist(), strict=True)),
            }
        )
    return pd.DataFrame(rows)


def build() -> dict[str, pd.DataFrame]:
    rng = np.random.default_rng(SEED)
    return {"wedding_value_chain": build_value_chain(rng), "wedding_survey": build_survey(rng)}


def main(argv: list[str] | None = None) -> int:
    return generator_main(build, HERE, __doc__.splitlines()[0], argv)


if __name__ == "__main__":
    raise SystemExit(main())
