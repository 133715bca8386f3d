"""The Kalman-LNA log-likelihood of ReactorTwin (docs/lna-and-likelihoods.md; seed 001 eq. 12-13, RAPTOR-GEN's
sequential filter) written independently with NumPy/SciPy: LNA mean and full covariance integrated by solve_ivp,
F = db/dz by complex-step differentiation of the drift, a Kalman update at each observation time, and the gradient by
central finite differences (what a SciPy user would do). Reads the model file and a long-format CSV
(batch,time_h,species,value); measurement variance per species = abs^2 + (rel*y)^2.

  /usr/bin/python3 benchmarks/scipy/kalman_lna.py MODEL.json DATA.csv --rel 0.02 --abs 1e-3 [--gradient i,j,...] [--repeat N] [--method RK45]
"""
import argparse
import csv
import math
import os
import statistics
import sys
import time

import numpy as np
from scipy.integrate import solve_ivp

sys.path.insert(0, os.path.dirname(__file__))
import modeljson  # noqa: E402


class KalmanLna:
    def __init__(self, model, rtol, atol, method):
        self.m = model
        self.n = len(model.state_names)
        self.ns = len(model.species)
        self.S = np.array(model.stoichiometry())  # species x channels
        self.rtol, self.atol, self.method = rtol, atol, method
        self.nfev = 0

    def rhs(self, t, y, theta):
        n, ns = self.n, self.ns
        eta = list(y[:n])
        psi = y[n:].reshape(n, n)
        b = self.m.drift(eta, theta)
        F = np.array(self.m.drift_jacobian(eta, theta))
        a = np.maximum(np.array(self.m.rates(eta, theta)), 0.0)
        D = np.zeros((n, n))
        D[:ns, :ns] = (self.S * a) @ self.S.T / self.m.system_size
        M = F @ psi
        return np.concatenate([b, (M + M.T + D).ravel()])

    def loglik(self, batches, theta, rel, absolute):
        ll = 0.0
        n = self.n
        for z0, obs in batches:
            eta, psi, t = np.array(z0, float), np.zeros((n, n)), 0.0
            for t1, comps, values in obs:
                if t1 > t:
                    s = solve_ivp(self.rhs, (t, t1), np.concatenate([eta, psi.ravel()]), method=self.method, rtol=self.rtol, atol=self.atol, args=(theta,))
                    if not s.success:
                        raise RuntimeError(s.message)
                    self.nfev += s.nfev
                    eta, psi = s.y[:n, -1], s.y[n:, -1].reshape(n, n)
                    psi = 0.5 * (psi + psi.T)
                    t = t1
                H = np.zeros((len(comps), n))
                H[np.arange(len(comps)), comps] = 1.0
                y = np.array(values)
                R = np.diag(absolute[comps] ** 2 + (rel[comps] * y) ** 2)
                v = y - H @ eta
                Sm = H @ psi @ H.T + R
                L = np.linalg.cholesky(Sm)
                w = np.linalg.solve(L, v)
                ll += -0.5 * (len(comps) * math.log(2 * math.pi) + 2 * np.sum(np.log(np.diag(L))) + w @ w)
                G = psi @ H.T
                K = np.linalg.solve(Sm, G.T).T
                eta = eta + K @ v
                psi = psi - K @ G.T
                psi = 0.5 * (psi + psi.T)
        return ll


def read_batches(model, path):
    rows = {}
    with open(path, newline="", encoding="utf-8") as f:
        for r in csv.DictReader(f):
            rows.setdefault(r["batch"], []).append((float(r["time_h"]), r["species"], float(r["value"])))
    batches = []
    for rs in rows.values():
        z0 = list(model.initial)
        times = {}
        for t, name, v in rs:
            i = model.state_names.index(name)
            if t == 0:
                z0[i] = v
            else:
                times.setdefault(t, {})[i] = v
        obs = [(t, np.array(sorted(d)), [d[i] for i in sorted(d)]) for t, d in sorted(times.items())]
        batches.append((z0, obs))
    return batches


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("model")
    ap.add_argument("data")
    ap.add_argument("--rel", type=float, default=0.02)
    ap.add_argument("--abs", type=float, default=1e-3)
    ap.add_argument("--rtol", type=float, default=1e-6)
    ap.add_argument("--atol", type=float, default=1e-9)
    ap.add_argument("--method", default="RK45")
    ap.add_argument("--gradient", default="")
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args()
    model = modeljson.Model(args.model)
    batches = read_batches(model, args.data)
    n = len(model.state_names)
    rel = np.array([args.rel if i < len(model.species) else 0.0 for i in range(n)])
    absolute = np.array([args.abs if i < len(model.species) else 0.0 for i in range(n)])
    k = KalmanLna(model, args.rtol, args.atol, args.method)
    theta = list(model.parameters)
    walls = []
    for _ in range(args.repeat):
        k.nfev = 0
        t0 = time.perf_counter()
        ll = k.loglik(batches, theta, rel, absolute)
        walls.append(time.perf_counter() - t0)
    print(f"scipy {args.method} loglik {ll:.12g} median {statistics.median(walls) * 1e6:.1f} us over {args.repeat}, nfev {k.nfev}")
    if args.gradient:
        idx = [int(i) for i in args.gradient.split(",")]
        walls = []
        for _ in range(max(1, args.repeat // 3)):
            t0 = time.perf_counter()
            base = k.loglik(batches, theta, rel, absolute)
            g = []
            for i in idx:
                h = 1e-5 * abs(theta[i])
                tp, tm = list(theta), list(theta)
                tp[i] += h
                tm[i] -= h
                g.append((k.loglik(batches, tp, rel, absolute) - k.loglik(batches, tm, rel, absolute)) / (2 * h))
            walls.append(time.perf_counter() - t0)
        print(f"scipy {args.method} loglik {base:.12g} + central-difference gradient ({2 * len(idx)} more logliks): median {statistics.median(walls) * 1e6:.1f} us; gradient " + " ".join(f"{x:.10g}" for x in g))

if __name__ == "__main__":
    main()
