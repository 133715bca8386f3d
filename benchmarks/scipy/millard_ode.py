"""The mean ODE of benchmarks/models/millard2021-ecoli.json over the 1 mM acetate batch of Enjalbert et al. (2017):
initial Glc, Ace_out and X from the batch's first sample (millard2021_data_1mM.txt), intracellular AcP, Ace, AcCoA
from the SBML, outputs at the batch's sampling times (0 to 4.25 h).

  /usr/bin/python3 benchmarks/scipy/millard_ode.py reference     # Radau IIA at rtol 1e-12: the test's reference
  /usr/bin/python3 benchmarks/scipy/millard_ode.py bench [N]     # BDF/LSODA/Radau at rtol 1e-6, atol 1e-9: median wall time of N solves
"""
import os
import statistics
import sys
import time

import numpy as np
from scipy.integrate import solve_ivp

sys.path.insert(0, os.path.dirname(__file__))
import modeljson  # noqa: E402

MODEL = modeljson.Model(os.path.join(os.path.dirname(__file__), "..", "models", "millard2021-ecoli.json"))
# state order Glc, AcP, Ace, AcCoA, Ace_out, X
INITIAL = [12.6597333333333, 1.0, 1.0, 1.46, 0.958577777777778, 0.06308]
TIMES = [0.0, 0.75, 1.25, 1.58, 1.92, 2.25, 2.58, 2.92, 3.25, 3.58, 3.92, 4.25]


def rhs(t, z):
    return MODEL.drift(z)


def reference():
    s = solve_ivp(rhs, (0.0, TIMES[-1]), INITIAL, method="Radau", rtol=1e-12, atol=1e-14, t_eval=TIMES)
    assert s.success, s.message
    print(f"# Radau rtol 1e-12: nfev {s.nfev}")
    for j, t in enumerate(TIMES):
        print(f"[{t!r}, " + ", ".join(f"{v:.17g}" for v in s.y[:, j]) + "],")


def bench(repeats):
    for method in ("BDF", "LSODA", "Radau"):
        walls = []
        for _ in range(repeats):
            t0 = time.perf_counter()
            s = solve_ivp(rhs, (0.0, TIMES[-1]), INITIAL, method=method, rtol=1e-6, atol=1e-9, t_eval=TIMES)
            walls.append(time.perf_counter() - t0)
        assert s.success, s.message
        print(f"scipy {method}: median {statistics.median(walls) * 1e3:.3f} ms over {repeats} solves, nfev {s.nfev}, njev {s.njev}")


if __name__ == "__main__":
    if sys.argv[1:2] == ["reference"]:
        reference()
    else:
        bench(int(sys.argv[2]) if len(sys.argv) > 2 else 20)
