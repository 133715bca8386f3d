"""Reference solution of the Millard 2021 SBML model (Millard2020_Ecoli_glc_ace_kinetic_model.xml, BioModels
MODEL2005050001) for the C# SBML import test: the right-hand side evaluated straight from the SBML's MathML by
millard_sbml_check.Sbml (function definitions, local parameters, assignment and rate rules; nothing from the C#
importer or the hand-written JSON), solved by SciPy's BDF at rtol 1e-10, atol 1e-12 (and checked against Radau at the
same tolerances), at the sampling times of the three batches of Enjalbert et al. (2017).

Scenarios (all with the SBML's published parameters):
  sbml        the SBML's own initial state, at the 1 mM batch's sampling times
  1mM/10mM/30mM  Glc, Ace_out and X from the batch's first sample, AcP, Ace, AcCoA from the SBML; times from the
              first sample (t - t0)
The event pulse_acetate (X >= 10000) cannot fire at these states and is not simulated.

  /usr/bin/python3 benchmarks/scipy/millard_sbml_reference.py SBML DATA_DIR OUT.csv
writes scenario,time_h,species,value (17 significant digits). The run takes about 30 s."""
import csv
import os
import sys

import numpy as np
from scipy.integrate import solve_ivp

sys.path.insert(0, os.path.dirname(__file__))
from millard_sbml_check import Sbml  # noqa: E402

STATE = ["Glc", "AcP", "Ace", "AcCoA", "X", "Ace_out"]
BATCHES = ["1mM", "10mM", "30mM"]


def sbml_initial(sbml):
    return {s: float(sp.get("initialConcentration")) for s, sp in sbml.species.items()}


def read_batch(data_dir, name):
    with open(os.path.join(data_dir, f"millard2021_data_{name}.txt"), encoding="utf-8") as f:
        rows = list(csv.DictReader(f, delimiter="\t"))
    times = [float(r["time"]) for r in rows]
    first = rows[0]
    return times, {"Glc": float(first["Glc"]), "Ace_out": float(first["Ace"]), "X": float(first["X"])}


def solve(sbml, initial, times, method):
    def rhs(t, z):
        d = sbml.rhs(dict(zip(STATE, z)))
        return [d[s] for s in STATE]

    y0 = [initial[s] for s in STATE]
    sol = solve_ivp(rhs, (0.0, times[-1]), y0, method=method, rtol=1e-10, atol=1e-12, t_eval=times)
    assert sol.success, sol.message
    return sol.y


def main():
    sbml_path, data_dir, out = sys.argv[1:4]
    sbml = Sbml(sbml_path)
    scenarios = []
    times_1mm, _ = read_batch(data_dir, "1mM")
    scenarios.append(("sbml", sbml_initial(sbml), times_1mm))
    for name in BATCHES:
        times, first = read_batch(data_dir, name)
        scenarios.append((name, dict(sbml_initial(sbml), **first), [t - times[0] for t in times]))
    with open(out, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["scenario", "time_h", "species", "value"])
        for name, initial, times in scenarios:
            bdf = solve(sbml, initial, times, "BDF")
            radau = solve(sbml, initial, times, "Radau")
            # relative to max(|value|, 1e-6 mM): glucose runs out (to ~1e-15) in the 10 mM batch
            worst = float(np.max(np.abs(bdf - radau) / np.maximum(np.abs(radau), 1e-6)))
            print(f"{name}: BDF vs Radau max difference {worst:.2e} relative (to max(|value|, 1e-6))", file=sys.stderr)
            assert worst < 1e-6, worst
            for j, t in enumerate(times):
                for i, s in enumerate(STATE):
                    w.writerow([name, repr(t), s, f"{bdf[i, j]:.17g}"])


if __name__ == "__main__":
    main()
