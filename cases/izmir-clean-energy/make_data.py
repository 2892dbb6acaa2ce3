"""Build the data pack of the İzmir clean-energy case (cases/izmir-clean-energy/data/).

Both tables are illustrative: a wind-energy value chain in İzmir (ordered stages with firms, jobs, output,
bought-in inputs and the share of inputs bought locally) and a six-sector regional input-output table that
satisfies the accounting identities exactly (row sums of Z + f = x; column sums of Z + imports + VA = x). Each
sector buys part of its inputs outside the region (the import row); for wind equipment (WEQ) the regional share
of its inputs equals the input-weighted local input share of the chain's equipment stages (components, assembly). Drawn with
``numpy.random.default_rng(SEED)`` and written with fixed formatting, so a rerun is byte-for-byte identical.

    python cases/izmir-clean-energy/make_data.py [--out DIR]
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from clusterkit.data import generator_main

SEED = 20200701
HERE = Path(__file__).resolve().parent

# order, stage, segment, firms, jobs, output (million EUR), bought-in input ratio, local input share
STAGES = [
    (1, "R&D and design engineering", "upstream", 14, 420, 38.0, 0.40, 0.45),
    (2, "Raw materials (steel plate, composites, resins)", "upstream", 9, 1500, 310.0, 0.82, 0.20),
    (3, "Blades", "components", 3, 2600, 420.0, 0.70, 0.30),
    (4, "Towers and steel structures", "components", 6, 1700, 260.0, 0.76, 0.55),
    (5, "Nacelle, gearbox, generator and electrical parts", "components", 11, 1300, 210.0, 0.72, 0.25),
    (6, "Turbine assembly", "assembly", 2, 600, 380.0, 0.88, 0.40),
    (7, "Project development and permitting", "downstream", 18, 260, 45.0, 0.35, 0.60),
    (8, "Installation, EPC and logistics", "downstream", 16, 1100, 190.0, 0.68, 0.50),
    (9, "Operation and maintenance", "downstream", 22, 1400, 140.0, 0.45, 0.65),
    (10, "Finance, insurance and consulting", "services", 25, 380, 60.0, 0.30, 0.70),
]

SECTORS = [
    ("AGR", "Agriculture and food", 9000.0, 20.0),
    ("MAN", "Other manufacturing", 30000.0, 11.0),
    ("WEQ", "Wind and clean-energy equipment", 2000.0, 4.5),
    ("ENE", "Electricity generation (incl. renewables)", 4000.0, 1.5),
    ("CON", "Construction", 8000.0, 17.5),
    ("SRV", "Trade, transport and other services", 45000.0, 20.0),
]  # code, name, target output (million EUR), jobs per million EUR of output

# technical coefficients a_ij (row i sells to column j), before noise
A0 = np.array(
    [
        [0.12, 0.08, 0.00, 0.00, 0.01, 0.03],
        [0.15, 0.30, 0.35, 0.05, 0.25, 0.06],
        [0.00, 0.01, 0.10, 0.08, 0.03, 0.00],
        [0.03, 0.04, 0.03, 0.10, 0.01, 0.02],
        [0.01, 0.01, 0.01, 0.04, 0.05, 0.02],
        [0.10, 0.12, 0.14, 0.10, 0.12, 0.20],
    ]
)


def build_value_chain(rng: np.random.Generator) -> pd.DataFrame:
    rows = []
    for order, stage, segment, firms, jobs, output, ratio, local in STAGES:
        out = round(output * rng.lognormal(0.0, 0.05), 1)
        inputs = round(out * min(0.95, ratio * rng.lognormal(0.0, 0.03)), 1)
        rows.append(
            {
                "stage_order": order,
                "stage": stage,
                "segment": segment,
                "firms": firms,
                "jobs": int(round(jobs * rng.lognormal(0.0, 0.05), -1)),
                "output_meur": out,
                "bought_in_inputs_meur": inputs,
                "local_input_share": round(float(np.clip(local + rng.normal(0.0, 0.03), 0.05, 0.95)), 2),
            }
        )
    return pd.DataFrame(rows)


# Per sector: intermediate inputs per euro of output (regional + imported) and the share of them bought in the
# region. WEQ's two numbers are not set here: they come from the wind value chain's equipment stages (below).
INPUT_RATIO = {"AGR": 0.45, "MAN": 0.65, "ENE": 0.55, "CON": 0.60, "SRV": 0.45}
LOCAL_SHARE = {"AGR": 0.70, "MAN": 0.45, "ENE": 0.55, "CON": 0.70, "SRV": 0.80}
WEQ_SEGMENTS = ("components", "assembly")  # the chain stages that make wind and clean-energy equipment


def weq_inputs(chain: pd.DataFrame) -> tuple[float, float]:
    """Input ratio and local input share of the equipment stages of the value chain (input-weighted)."""
    eq = chain[chain["segment"].isin(WEQ_SEGMENTS)]
    inputs = eq["bought_in_inputs_meur"]
    ratio = float(inputs.sum() / eq["output_meur"].sum())
    local = float((inputs * eq["local_input_share"]).sum() / inputs.sum())
    return ratio, local


def build_io(rng: np.random.Generator, chain: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    codes = [s[0] for s in SECTORS]
    ratio, local = dict(INPUT_RATIO), dict(LOCAL_SHARE)
    ratio["WEQ"], local["WEQ"] = weq_inputs(chain)
    a = A0 * rng.lognormal(0.0, 0.10, size=A0.shape)
    # scale each column so that its regional purchases are (input ratio x local share) of output
    regional = np.array([ratio[c] * local[c] for c in codes])
    a = a * (regional / a.sum(axis=0))[None, :]
    x_target = np.array([s[2] for s in SECTORS]) * rng.lognormal(0.0, 0.05, size=len(SECTORS))
    z = np.round(a * x_target[None, :], 1)
    f = np.round(x_target - z.sum(axis=1), 1)
    if (f <= 0).any():
        raise RuntimeError("the drawn coefficients leave negative final demand; change SEED or A0")
    # round each total to 1 decimal: the identities then hold up to float rounding of 1-decimal sums
    x = np.round(z.sum(axis=1) + f, 1)
    share = np.array([local[c] for c in codes])
    imports = np.round(z.sum(axis=0) * (1.0 - share) / share, 1)  # regional / (regional + imports) = share
    va = np.round(x - z.sum(axis=0) - imports, 1)
    if (va <= 0).any():
        raise RuntimeError("the drawn coefficients leave negative value added; change SEED or A0")
    trans = pd.DataFrame(z, columns=codes)
    trans.insert(0, "sector", codes)
    trans["final_demand"] = f
    trans["total_output"] = x
    jobs_per = np.array([s[3] for s in SECTORS]) * rng.lognormal(0.0, 0.05, size=len(SECTORS))
    sectors = pd.DataFrame(
        {
            "sector": codes,
            "sector_name": [s[1] for s in SECTORS],
            "imports": imports,
            "value_added": va,
            "jobs": np.rint(x * jobs_per).astype(int),
        }
    )
    return trans, sectors


def build() -> dict[str, pd.DataFrame]:
    rng = np.random.default_rng(SEED)
    chain = build_value_chain(rng)
    trans, sectors = build_io(rng, chain)
    return {"value_chain": chain, "io_transactions": trans, "io_sectors": sectors}


def main(argv: list[str] | None = None) -> int:
    return generator_main(build, HERE, __doc__.splitlines()[0], argv)


if __name__ == "__main__":
    raise SystemExit(main())
