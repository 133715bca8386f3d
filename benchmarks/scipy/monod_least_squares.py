"""The SciPy peer of `study monod-lsq`: the dynamic Monod model of benchmarks/models/monod-glc-ace.json fitted to the
three Enjalbert et al. (2017) batches (millard_all_shifted.csv) by scipy.optimize.least_squares.

Model (GLC, ACE in mM, X in gDW/L; u = log(mu, Ks, Yxs, Yas)):
    r = mu GLC/(Ks + GLC) X,   dX/dt = r,   dGLC/dt = -r/Yxs,   dACE/dt = Yas r/Yxs
Each batch starts from its t = 0 sample; the later samples are the data, with SDs GLC 0.5 mM, ACE 0.5 mM, X 0.2 g/L.
Residuals (y - z(t))/sd; log-likelihood c - cost, c = sum -1/2 log(2 pi sd^2), cost = 1/2 sum r^2.

The Jacobian comes from forward sensitivities integrated with the state (jac "sens", 15 equations, one solve gives
r and J, cached between least_squares' fun and jac calls) or from SciPy's "2-point" differences. The integrator is
solve_ivp (LSODA, automatic stiffness switching like ReactorTwin's, or any solve_ivp method) at rtol 1e-6,
atol 1e-9; least_squares is "trf" within the bounds, ftol = xtol = gtol = 1e-8 (its defaults).

  /usr/bin/python3 benchmarks/scipy/monod_least_squares.py DATA.csv STARTS.json [--jac sens|2-point] [--method LSODA] [--repeat N]

STARTS.json: {"starts": [[u...], ...], "lower": [...], "upper": [...]} (the study writes it: the same starts and
bounds as ReactorTwin's fit). Prints one JSON line: the best optimum, its log-likelihood, evaluations and the median
wall time over the repeats of the whole multi-start fit (sequential).
"""
import argparse
import csv
import json
import math
import statistics
import time

import numpy as np
from scipy.integrate import solve_ivp
from scipy.optimize import least_squares

SD = {"GLC": 0.5, "ACE": 0.5, "X": 0.2}
ORDER = ["GLC", "ACE", "X"]  # state order of the model file


def load(path):
    batches = {}
    with open(path) as f:
        for row in csv.DictReader(f):
            b = batches.setdefault(row["batch"], {})
            b.setdefault(float(row["time_h"]), {})[row["species"]] = float(row["value"])
    out = []
    for _, times in batches.items():
        ts = sorted(times)
        assert ts[0] == 0.0, "every batch needs its t = 0 sample"
        z0 = np.array([times[0.0][s] for s in ORDER])
        obs_t = ts[1:]
        rows = []  # (time index, state index, value, sd)
        for j, t in enumerate(obs_t):
            for i, s in enumerate(ORDER):
                if s in times[t]:
                    rows.append((j, i, times[t][s], SD[s]))
        out.append((z0, np.array(obs_t), rows))
    return out


def rhs_sens(t, y, mu, ks, yxs, yas):
    g, a, x = y[0], y[1], y[2]
    gp = max(g, 0.0)
    sat = gp / (ks + gp)
    r = mu * sat * x
    dy = np.empty(15)
    dy[0] = -r / yxs
    dy[1] = yas * r / yxs
    dy[2] = r
    # dr/dz and dr/dtheta (natural scale)
    dr_dg = mu * ks / (ks + gp) ** 2 * x if g > 0 else 0.0
    dr_dx = mu * sat
    dr_dth = (sat * x, -mu * gp / (ks + gp) ** 2 * x, 0.0, 0.0)
    for k in range(4):
        s = y[3 + 3 * k: 6 + 3 * k]
        drk = dr_dg * s[0] + dr_dx * s[2] + dr_dth[k]
        dy[3 + 3 * k] = -drk / yxs + (r / yxs ** 2 if k == 2 else 0.0)
        dy[4 + 3 * k] = yas * drk / yxs + (-yas * r / yxs ** 2 if k == 2 else 0.0) + (r / yxs if k == 3 else 0.0)
        dy[5 + 3 * k] = drk
    return dy


def rhs(t, y, mu, ks, yxs, yas):
    g, a, x = y
    gp = max(g, 0.0)
    r = mu * gp / (ks + gp) * x
    return [-r / yxs, yas * r / yxs, r]


class Problem:
    def __init__(self, batches, method):
        self.batches = batches
        self.method = method
        self.m = sum(len(rows) for _, _, rows in batches)
        self.constant = sum(-0.5 * math.log(2 * math.pi * sd * sd) for _, _, rows in batches for (_, _, _, sd) in rows)
        self.nsolve = 0
        self._x = None

    def evaluate(self, u, with_jac):
        theta = np.exp(u)
        r = np.empty(self.m)
        jac = np.empty((self.m, 4)) if with_jac else None
        i = 0
        for z0, ts, rows in self.batches:
            self.nsolve += 1
            if with_jac:
                y0 = np.concatenate([z0, np.zeros(12)])
                s = solve_ivp(rhs_sens, (0.0, ts[-1]), y0, method=self.method, rtol=1e-6, atol=1e-9, t_eval=ts, args=tuple(theta))
            else:
                s = solve_ivp(rhs, (0.0, ts[-1]), z0, method=self.method, rtol=1e-6, atol=1e-9, t_eval=ts, args=tuple(theta))
            if not s.success:
                raise RuntimeError(s.message)
            for (j, c, y, sd) in rows:
                r[i] = (y - s.y[c, j]) / sd
                if with_jac:
                    for k in range(4):
                        jac[i, k] = -s.y[3 + 3 * k + c, j] / sd * theta[k]  # d/du_k = theta_k d/dtheta_k
                i += 1
        return r, jac

    def fun_sens(self, u):
        r, j = self.evaluate(u, True)
        self._x, self._j = np.array(u), j
        return r

    def jac_sens(self, u):
        if self._x is None or not np.array_equal(u, self._x):
            self.fun_sens(u)
        return self._j

    def fun_plain(self, u):
        return self.evaluate(u, False)[0]


def fit(problem, starts, lower, upper, jac):
    best = None
    nfev = njev = 0
    results = []
    for u0 in starts:
        if jac == "sens":
            res = least_squares(problem.fun_sens, u0, jac=problem.jac_sens, bounds=(lower, upper), method="trf")
        else:
            res = least_squares(problem.fun_plain, u0, jac="2-point", bounds=(lower, upper), method="trf")
        nfev += res.nfev
        njev += res.njev or 0
        results.append({"cost": res.cost, "nfev": res.nfev, "njev": res.njev, "status": res.status})
        if best is None or res.cost < best.cost:
            best = res
    return best, nfev, njev, results


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("data")
    ap.add_argument("starts")
    ap.add_argument("--jac", default="sens", choices=["sens", "2-point"])
    ap.add_argument("--method", default="LSODA")
    ap.add_argument("--repeat", type=int, default=3)
    a = ap.parse_args()
    with open(a.starts) as f:
        spec = json.load(f)
    batches = load(a.data)
    walls = []
    for _ in range(a.repeat):
        problem = Problem(batches, a.method)
        t0 = time.perf_counter()
        best, nfev, njev, results = fit(problem, spec["starts"], spec["lower"], spec["upper"], a.jac)
        walls.append(time.perf_counter() - t0)
    print(json.dumps({
        "peer": f"scipy least_squares trf, jac {a.jac}, solve_ivp {a.method}",
        "loglik": problem.constant - best.cost,
        "optimum": list(best.x),
        "residuals": problem.m,
        "nfev": nfev,
        "njev": njev,
        "odeSolves": problem.nsolve,
        "wallSeconds": statistics.median(walls),
        "starts": results,
    }))


if __name__ == "__main__":
    main()
