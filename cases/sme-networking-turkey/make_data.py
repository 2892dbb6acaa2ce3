"""Build the data pack of the SME Networking case (cases/sme-networking-turkey/data/).

Illustrative tables (employment by province x sector x year; the benchmarking indicators of 20 sectoral
clusters) are drawn with ``numpy.random.default_rng(SEED)`` and written with fixed formatting, so a rerun
reproduces the committed files byte-for-byte. The province list and NUTS codes are the official Turkish
classification; populations are rounded orders of magnitude used only to scale the invented employment.

    python cases/sme-networking-turkey/make_data.py [--out DIR]
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from clusterkit.data import generator_main

SEED = 20130526
HERE = Path(__file__).resolve().parent
YEARS = (2011, 2013)

# province, NUTS-2, population (millions, rounded, 2012 order of magnitude)
PROVINCES = [
    ("İstanbul", "TR10", 13.9), ("Tekirdağ", "TR21", 0.87), ("Edirne", "TR21", 0.40), ("Kırklareli", "TR21", 0.34),
    ("Balıkesir", "TR22", 1.15), ("Çanakkale", "TR22", 0.49), ("İzmir", "TR31", 4.0), ("Aydın", "TR32", 1.0),
    ("Denizli", "TR32", 0.94), ("Muğla", "TR32", 0.85), ("Manisa", "TR33", 1.35), ("Afyonkarahisar", "TR33", 0.70),
    ("Kütahya", "TR33", 0.57), ("Uşak", "TR33", 0.34), ("Bursa", "TR41", 2.7), ("Eskişehir", "TR41", 0.80),
    ("Bilecik", "TR41", 0.21), ("Kocaeli", "TR42", 1.6), ("Sakarya", "TR42", 0.90), ("Düzce", "TR42", 0.35),
    ("Bolu", "TR42", 0.28), ("Yalova", "TR42", 0.21), ("Ankara", "TR51", 5.0), ("Konya", "TR52", 2.0),
    ("Karaman", "TR52", 0.24), ("Antalya", "TR61", 2.1), ("Isparta", "TR61", 0.42), ("Burdur", "TR61", 0.25),
    ("Adana", "TR62", 2.1), ("Mersin", "TR62", 1.7), ("Hatay", "TR63", 1.5), ("Kahramanmaraş", "TR63", 1.06),
    ("Osmaniye", "TR63", 0.49), ("Kırıkkale", "TR71", 0.27), ("Aksaray", "TR71", 0.38), ("Niğde", "TR71", 0.34),
    ("Nevşehir", "TR71", 0.29), ("Kırşehir", "TR71", 0.22), ("Kayseri", "TR72", 1.27), ("Sivas", "TR72", 0.62),
    ("Yozgat", "TR72", 0.45), ("Zonguldak", "TR81", 0.60), ("Karabük", "TR81", 0.22), ("Bartın", "TR81", 0.19),
    ("Kastamonu", "TR82", 0.36), ("Çankırı", "TR82", 0.18), ("Sinop", "TR82", 0.20), ("Samsun", "TR83", 1.25),
    ("Tokat", "TR83", 0.61), ("Çorum", "TR83", 0.53), ("Amasya", "TR83", 0.32), ("Trabzon", "TR90", 0.76),
    ("Ordu", "TR90", 0.74), ("Giresun", "TR90", 0.42), ("Rize", "TR90", 0.32), ("Artvin", "TR90", 0.17),
    ("Gümüşhane", "TR90", 0.14), ("Erzurum", "TRA1", 0.78), ("Erzincan", "TRA1", 0.22), ("Bayburt", "TRA1", 0.08),
    ("Ağrı", "TRA2", 0.55), ("Kars", "TRA2", 0.30), ("Iğdır", "TRA2", 0.19), ("Ardahan", "TRA2", 0.11),
    ("Malatya", "TRB1", 0.76), ("Elazığ", "TRB1", 0.56), ("Bingöl", "TRB1", 0.26), ("Tunceli", "TRB1", 0.09),
    ("Van", "TRB2", 1.05), ("Muş", "TRB2", 0.41), ("Bitlis", "TRB2", 0.34), ("Hakkari", "TRB2", 0.27),
    ("Gaziantep", "TRC1", 1.8), ("Adıyaman", "TRC1", 0.60), ("Kilis", "TRC1", 0.13), ("Şanlıurfa", "TRC2", 1.7),
    ("Diyarbakır", "TRC2", 1.6), ("Mardin", "TRC3", 0.77), ("Batman", "TRC3", 0.53), ("Şırnak", "TRC3", 0.46),
    ("Siirt", "TRC3", 0.31),
]  # fmt: skip
PILOTS = {
    "Çorum": ("NMM", "MAC"),
    "Trabzon": ("FOO", "TOU"),
    "Samsun": ("MED", "MAC"),
    "Kahramanmaraş": ("TEX", "APP"),
    "Gaziantep": ("TEX", "FOO"),
}
# Other well-known specialisations, so that the pilot provinces have realistic competition in the peer group.
OTHER_SPECIALISATIONS = {
    "İstanbul": ("APP", "BUS"), "Bursa": ("AUT", "TEX"), "Kocaeli": ("CHE", "AUT"), "Denizli": ("TEX",),
    "Antalya": ("TOU",), "Muğla": ("TOU",), "Zonguldak": ("MIN",), "Karabük": ("BAS",), "Kayseri": ("FUR", "ELE"),
    "Konya": ("MAC", "AUT"), "Manisa": ("ELE", "FOO"), "İzmir": ("FOO", "CHE"), "Ankara": ("MAC", "BUS"),
    "Eskişehir": ("NMM", "AUT"), "Kütahya": ("NMM",), "Uşak": ("TEX", "LEA"), "Tekirdağ": ("TEX", "FOO"),
    "Sakarya": ("AUT",), "Hatay": ("BAS", "LOG"), "Mersin": ("LOG", "FOO"), "Adana": ("TEX", "FOO"),
    "Ordu": ("FOO",), "Giresun": ("FOO",), "Rize": ("FOO",), "Malatya": ("TEX",), "Nevşehir": ("TOU",),
    "Afyonkarahisar": ("NMM", "FOO"), "Bilecik": ("NMM",), "Düzce": ("FUR",), "Bolu": ("FOO",),
}  # fmt: skip

# code, name, traded, national share of registered employment (2011, order of magnitude), average firm size,
# national growth 2011->2013
SECTORS = [
    ("AGF", "Agriculture, forestry and fishing", True, 0.020, 8.0, 0.02),
    ("MIN", "Mining and quarrying", True, 0.011, 25.0, 0.01),
    ("FOO", "Food and beverage processing", True, 0.045, 12.0, 0.07),
    ("TEX", "Textiles (yarn, fabric, carpets)", True, 0.038, 22.0, 0.03),
    ("APP", "Apparel", True, 0.042, 14.0, 0.00),
    ("LEA", "Leather and footwear", True, 0.010, 9.0, -0.02),
    ("FUR", "Wood products and furniture", True, 0.020, 7.0, 0.06),
    ("CHE", "Chemicals, rubber and plastics", True, 0.030, 18.0, 0.08),
    ("NMM", "Non-metallic minerals (brick, tile, ceramics, cement, glass)", True, 0.022, 15.0, 0.05),
    ("BAS", "Basic metals", True, 0.012, 40.0, 0.02),
    ("FAB", "Fabricated metal products", True, 0.030, 8.0, 0.07),
    ("MAC", "Machinery and equipment (incl. agricultural and milling)", True, 0.024, 11.0, 0.09),
    ("ELE", "Electrical equipment and electronics", True, 0.016, 20.0, 0.08),
    ("MED", "Medical and precision instruments", True, 0.004, 9.0, 0.12),
    ("AUT", "Motor vehicles and other transport equipment", True, 0.020, 35.0, 0.10),
    ("TOU", "Accommodation and tourism services", True, 0.035, 10.0, 0.09),
    ("LOG", "Logistics and freight transport", True, 0.050, 6.0, 0.08),
    ("BUS", "Professional and business services", True, 0.070, 5.0, 0.11),
    ("CON", "Construction", False, 0.120, 6.0, 0.12),
    ("RET", "Wholesale and retail trade", False, 0.190, 3.5, 0.07),
    ("FSV", "Food and beverage service (restaurants)", False, 0.060, 3.0, 0.09),
    ("HEA", "Health and social work", False, 0.050, 9.0, 0.10),
    ("EDU", "Education (private)", False, 0.030, 12.0, 0.08),
    ("PER", "Personal, repair and other local services", False, 0.080, 2.5, 0.06),
]  # fmt: skip

# The 20 sectoral clusters of the benchmarking exercise: cluster, province, sector.
BENCH_CLUSTERS = [
    ("Çorum brick and tile", "Çorum", "NMM"), ("Çorum milling machinery", "Çorum", "MAC"),
    ("Trabzon hazelnut and food", "Trabzon", "FOO"), ("Trabzon tourism", "Trabzon", "TOU"),
    ("Samsun medical devices", "Samsun", "MED"), ("Samsun agricultural machinery", "Samsun", "MAC"),
    ("Kahramanmaraş textiles", "Kahramanmaraş", "TEX"), ("Kahramanmaraş apparel", "Kahramanmaraş", "APP"),
    ("Gaziantep machine carpets", "Gaziantep", "TEX"), ("Gaziantep food", "Gaziantep", "FOO"),
    ("Bursa automotive suppliers", "Bursa", "AUT"), ("Denizli home textiles", "Denizli", "TEX"),
    ("Kayseri furniture", "Kayseri", "FUR"), ("Konya agricultural machinery", "Konya", "MAC"),
    ("Eskişehir ceramics", "Eskişehir", "NMM"), ("Ankara machinery", "Ankara", "MAC"),
    ("İstanbul fashion", "İstanbul", "APP"), ("İzmir organic food", "İzmir", "FOO"),
    ("Antalya tourism", "Antalya", "TOU"), ("Manisa electronics", "Manisa", "ELE"),
]  # fmt: skip

# indicator, pillar, unit, polarity, meaning, generator (mean, sd, lo, hi, decimals)
INDICATORS = [
    ("members", "structure", "firms", 1, "member firms of the cluster organisation", (45, 25, 12, 160, 0)),
    ("sme_share", "structure", "%", 1, "share of members that are SMEs", (82, 9, 55, 99, 1)),
    ("exporter_share", "performance", "%", 1, "share of members that export", (48, 18, 10, 95, 1)),
    ("export_sales_share", "performance", "%", 1, "exports as a share of members' sales", (28, 14, 3, 75, 1)),
    ("employment_growth", "performance", "% per year", 1, "members' employment growth", (4.0, 3.5, -6, 15, 1)),
    ("rd_staff_per_100", "innovation", "FTE per 100 employees", 1, "R&D staff of members", (1.6, 1.1, 0.1, 6.0, 2)),
    ("new_products", "innovation", "per 10 members per year", 1, "new products or processes introduced", (3.0, 1.8, 0.2, 9, 1)),
    ("cooperation_projects", "cooperation", "projects per year", 1, "joint projects among members", (5, 3, 0, 18, 0)),
    ("university_links", "cooperation", "agreements", 1, "cooperation agreements with universities and research centres", (3, 2, 0, 10, 0)),
    ("training_days", "services", "days per member per year", 1, "training delivered to members", (2.2, 1.3, 0.2, 7, 1)),
    ("management_fte", "governance", "FTE", 1, "staff of the cluster management", (2.0, 1.2, 0.5, 6, 1)),
    ("public_funding_share", "governance", "%", -1, "public grants as a share of the cluster budget (dependence)", (62, 18, 20, 95, 1)),
    ("member_dropout", "governance", "% per year", -1, "members leaving per year", (8, 5, 0, 25, 1)),
]  # fmt: skip


def build_provinces() -> pd.DataFrame:
    rows = []
    for prov, nuts2, pop in PROVINCES:
        rows.append(
            {
                "province": prov,
                "nuts2": nuts2,
                "nuts1": nuts2[:3],
                "population_m": pop,
                "pilot": prov in PILOTS,
            }
        )
    return pd.DataFrame(rows)


def build_sectors() -> pd.DataFrame:
    return pd.DataFrame(
        [{"sector_code": c, "sector_name": n, "traded": t} for c, n, t, *_ in SECTORS],
    )


def build_employment(rng: np.random.Generator) -> pd.DataFrame:
    codes = [s[0] for s in SECTORS]
    share = np.array([s[3] for s in SECTORS])
    share = share / share.sum()
    firm_size = np.array([s[4] for s in SECTORS])
    growth = np.array([s[5] for s in SECTORS])
    traded = np.array([s[2] for s in SECTORS])
    idx = {c: i for i, c in enumerate(codes)}
    rows = []
    for prov, nuts2, pop in PROVINCES:
        # registered employment per inhabitant: higher in the industrial west, lower in the east
        rate = {"TR1": 0.26, "TR2": 0.19, "TR3": 0.18, "TR4": 0.20, "TR5": 0.17, "TR6": 0.15, "TR7": 0.12,
                "TR8": 0.12, "TR9": 0.11, "TRA": 0.08, "TRB": 0.08, "TRC": 0.09}[nuts2[:3]]  # fmt: skip
        total = pop * 1e6 * rate * rng.lognormal(0.0, 0.08)
        # traded sectors vary a lot between provinces, local (population-serving) sectors little
        weights = share * rng.lognormal(0.0, np.where(traded, 0.35, 0.10))
        for k, code in enumerate(PILOTS.get(prov, ())):
            weights[idx[code]] = share[idx[code]] * (6.0, 4.0)[k]  # leading sectors, noise-free
        for code in OTHER_SPECIALISATIONS.get(prov, ()):
            weights[idx[code]] *= 3.5
        # small eastern provinces have little heavy manufacturing
        if nuts2[:3] in ("TRA", "TRB") or pop < 0.25:
            for code in ("AUT", "BAS", "ELE", "MED"):
                if code not in PILOTS.get(prov, ()) + OTHER_SPECIALISATIONS.get(prov, ()):
                    weights[idx[code]] *= 0.15
        emp0 = total * weights / weights.sum()
        g = growth + rng.normal(0.0, 0.05, size=len(codes))
        for code in PILOTS.get(prov, ()):
            g[idx[code]] += 0.08  # the pilot provinces' leading sectors outgrow the nation
        emp1 = emp0 * (1.0 + g)
        for year, emp in zip(YEARS, (emp0, emp1), strict=True):
            emp_i = np.rint(emp).astype(int)
            est = np.rint(emp / (firm_size * rng.lognormal(0.0, 0.15, size=len(codes)))).astype(int)
            est = np.where(emp_i > 0, np.maximum(est, 1), 0)
            for code, e, n in zip(codes, emp_i, est, strict=True):
                rows.append(
                    {
                        "province": prov,
                        "sector_code": code,
                        "year": year,
                        "employment": int(e),
                        "establishments": int(n),
                    }
                )
    return pd.DataFrame(rows)


def build_benchmark(rng: np.random.Generator) -> tuple[pd.DataFrame, pd.DataFrame]:
    ind = pd.DataFrame(
        [
            {"indicator": i, "pillar": p, "unit": u, "polarity": pol, "description": d}
            for i, p, u, pol, d, _ in INDICATORS
        ]
    )
    # a latent "maturity" per cluster makes the indicators positively correlated, as in real benchmarking data
    maturity = rng.normal(0.0, 1.0, size=len(BENCH_CLUSTERS))
    data = {}
    for name, _p, _u, pol, _d, (mean, sd, lo, hi, dec) in INDICATORS:
        v = mean + sd * (0.6 * pol * maturity + 0.8 * rng.normal(0.0, 1.0, size=len(BENCH_CLUSTERS)))
        v = np.clip(v, lo, hi)
        data[name] = np.round(v, dec).astype(int) if dec == 0 else np.round(v, dec)
    clusters = pd.DataFrame(
        {
            "cluster": [c for c, _, _ in BENCH_CLUSTERS],
            "province": [p for _, p, _ in BENCH_CLUSTERS],
            "sector_code": [s for _, _, s in BENCH_CLUSTERS],
            **data,
        }
    )
    return clusters, ind


def build() -> dict[str, pd.DataFrame]:
    rng = np.random.default_rng(SEED)
    employment = build_employment(rng)
    clusters, indicators = build_benchmark(rng)
    return {
        "provinces": build_provinces(),
        "sectors": build_sectors(),
        "employment": employment,
        "benchmark_clusters": clusters,
        "benchmark_indicators": indicators,
    }


def main(argv: list[str] | None = None) -> int:
    return generator_main(build, HERE, __doc__.splitlines()[0], argv)


if __name__ == "__main__":
    raise SystemExit(main())
