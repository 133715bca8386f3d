"""Independent SciPy solution of the fed-batch E. coli overflow model (built-in model `ecoli-fedbatch`).

The equations are written here as the paper states them (Anane, Lopez, Neubauer and Cruz Bournazou, "Modelling
overflow metabolism in Escherichia coli by acetate cycling", Biochemical Engineering Journal 125 (2017) 23-30),
state by state, not from the model file's reaction channels, so that the test checks the channel decomposition of
twin-core/ReactorTwin.Core/Models/BuiltIn/ecoli-fedbatch.json as well as the integrator:

    qS   = qSmax / (1 + A/Kia) * S/(S + Ks)
    qSof = pAmax * qS/(qS + Kap)                  pA  = Yas * qSof
    qSox = (qS - qSof) * DOT/(DOT + Ko)           qSan = (qSox - qm) * Yem * Cx/Cs
    qsA  = qAmax / (1 + qS/Kis) * A/(A + Ksa)
    mu   = (qSox - qm) * Yem + qsA * Yxa + qSof * Yxsof
    qO   = Yos * (qSox - qSan) + qsA * Yoa

    dV/dt    = F
    dX/dt    = (mu - F/V) X
    dS/dt    = F/V (Sf - S) - qS X
    dA/dt    = (pA - qsA) X - F/V A
    dDOT/dt  = kLa (DOT* - DOT) - qO X H
    dDOTm/dt = 3600/tau (DOT - DOTm)

Scenario of tests/ReactorTwin.Core.Tests/Models/EcoliFedBatchModelTests.cs: the published initial state, a batch
(F = 0) to 10 h, then a constant feed F = 0.0087 L/h (the paper's initial feed, 0.145 mL/min) to 16 h. Radau IIA
at rtol 1e-12, atol 1e-14, restarted at the feed switch. Run: python3 benchmarks/scipy/ecoli_fedbatch_reference.py
"""
import numpy as np
from scipy.integrate import solve_ivp

# Parameter vector of the authors' simulation script for the paper; constants of the paper.
P = dict(Kap=0.5088, Ksa=0.0128, Ko=0.0001, Ks=0.0381, Kia=1.2602, Kis=1.8383, pAmax=0.2286, qAmax=0.1148,
         qm=0.0133, qSmax=0.635, Yas=0.8938, Yoa=0.5221, Yxa=0.5794, Yem=0.5321, Yos=1.5722, Yxsof=0.229,
         Cs=0.391, Cx=0.488, H=14000.0, DOTstar=99.0, kLa=220.0, tau=35.0, Sf=300.0)

FEED_START_H = 10.0
FEED_L_PER_H = 0.0087
TIMES = [1.0, 3.0, 6.0, 8.0, 9.0, 11.0, 13.0, 16.0]
# state order of the model: species V, S, A, DOT, DOTm, then the cell phase X
Y0 = [2.0, 4.94, 0.0129, 98.0, 98.0, 0.17]


def rhs(t, y, F):
    V, S, A, DOT, DOTm, X = y
    p = P
    qS = p["qSmax"] / (1 + A / p["Kia"]) * S / (S + p["Ks"])
    qSof = p["pAmax"] * qS / (qS + p["Kap"])
    pA = qSof * p["Yas"]
    qSox = (qS - qSof) * DOT / (DOT + p["Ko"])
    qSan = (qSox - p["qm"]) * p["Yem"] * p["Cx"] / p["Cs"]
    qsA = p["qAmax"] / (1 + qS / p["Kis"]) * A / (A + p["Ksa"])
    mu = (qSox - p["qm"]) * p["Yem"] + qsA * p["Yxa"] + qSof * p["Yxsof"]
    qO = p["Yos"] * (qSox - qSan) + qsA * p["Yoa"]
    D = F / V
    return [F,
            D * (p["Sf"] - S) - qS * X,
            (pA - qsA) * X - D * A,
            p["kLa"] * (p["DOTstar"] - DOT) - qO * X * p["H"],
            3600.0 / p["tau"] * (DOT - DOTm),
            (mu - D) * X]


def solve():
    batch_times = [t for t in TIMES if t <= FEED_START_H]
    fed_times = [t for t in TIMES if t > FEED_START_H]
    # the batch is also evaluated at the switch, whose state starts the fed phase
    a = solve_ivp(rhs, (0.0, FEED_START_H), Y0, method="Radau", t_eval=batch_times + [FEED_START_H], rtol=1e-12, atol=1e-14, args=(0.0,))
    b = solve_ivp(rhs, (FEED_START_H, TIMES[-1]), a.y[:, -1], method="Radau", t_eval=fed_times, rtol=1e-12, atol=1e-14, args=(FEED_L_PER_H,))
    assert a.success and b.success and a.t[-1] == FEED_START_H
    return np.hstack([a.y[:, :-1], b.y]).T


if __name__ == "__main__":
    rows = solve()
    print("// t (h): V, S, A, DOT, DOTm, X")
    for t, r in zip(TIMES, rows):
        print("{ " + ", ".join(f"{v:.12e}" for v in r) + " }, // t = %g h" % t)
