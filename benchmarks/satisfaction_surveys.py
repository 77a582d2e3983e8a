"""Key-driver analysis on two real satisfaction surveys, with both methods and their timing.

    .venv/bin/python benchmarks/satisfaction_surveys.py

* ECSI mobile phone survey (Tenenhaus et al. 2005; 250 respondents): satisfaction = mean of
  CUSA1-3, drivers = the means of the image (IMAG1-5), expectation (CUEX1-3), perceived quality
  (PERQ1-7) and perceived value (PERV1-2) blocks.
* Corporate reputation survey (Hair et al., PLS-SEM primer; 344 respondents): ``cusa`` against
  the global items ``qual_global``, ``perf_global``, ``csor_global``, ``attr_global`` and the
  likeability / competence means; -99 is missing (answers with a missing value are left out).

Prints importance (summing to R^2) and shares for LMG and relative weights, the number of
complete answers and the seconds per analysis, LMG against relative weights (the baseline)
in the same run. Skips when the data are absent.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

from kamlib.sections.satisfaction import key_drivers

DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "surveys"


def blocks(df: pd.DataFrame, spec: dict[str, list[str]]) -> pd.DataFrame:
    return pd.DataFrame({name: df[cols].mean(axis=1, skipna=False) for name, cols in spec.items()})


def analyse(name: str, df: pd.DataFrame, target: str, drivers: list[str]) -> None:
    out = {}
    seconds = {}
    for method in ("lmg", "relative_weights"):
        start = time.perf_counter()
        table = key_drivers(df, target, drivers, method)
        seconds[method] = time.perf_counter() - start
        out[method] = table
    joined = pd.concat({m: t[["importance", "share"]] for m, t in out.items()}, axis=1)
    print(f"\n{name}: {out['lmg'].attrs['n']} complete answers, R^2 = {out['lmg'].attrs['r2']:.4f}")
    print(joined.round(4).to_string())
    print(
        f"seconds: LMG {seconds['lmg']:.4f}, relative weights {seconds['relative_weights']:.4f} "
        f"(ratio {seconds['lmg'] / seconds['relative_weights']:.1f}x)"
    )
    start = time.perf_counter()
    boot = key_drivers(df, target, drivers, "lmg", bootstrap=1000)
    boot_seconds = time.perf_counter() - start
    print("LMG share with its 95 % percentile bootstrap interval (1000 resamples):")
    print(boot[["share", "share_low", "share_high"]].round(3).to_string())
    print(
        f"seconds: bootstrap {boot_seconds:.3f} ({boot_seconds / seconds['lmg']:.0f}x one LMG fit)"
    )


def main() -> int:
    if not DATA.is_dir():
        print(f"survey data not found at {DATA}: benchmark skipped")
        return 0
    ecsi = pd.read_csv(DATA / "ecsi_mobi.csv")
    spec = {
        "satisfaction": ["CUSA1", "CUSA2", "CUSA3"],
        "image": [f"IMAG{i}" for i in range(1, 6)],
        "expectations": ["CUEX1", "CUEX2", "CUEX3"],
        "quality": [f"PERQ{i}" for i in range(1, 8)],
        "value": ["PERV1", "PERV2"],
    }
    analyse(
        "ECSI mobile phone survey",
        blocks(ecsi, spec),
        "satisfaction",
        ["image", "expectations", "quality", "value"],
    )
    corp = pd.read_csv(DATA / "corp_rep.csv").replace(-99, np.nan)
    corp = corp.assign(
        likeability=corp[["like_1", "like_2", "like_3"]].mean(axis=1, skipna=False),
        competence=corp[["comp_1", "comp_2", "comp_3"]].mean(axis=1, skipna=False),
    )
    analyse(
        "Corporate reputation survey",
        corp,
        "cusa",
        ["qual_global", "perf_global", "csor_global", "attr_global", "likeability", "competence"],
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
