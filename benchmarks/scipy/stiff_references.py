"""Reference solutions of the stiff test problems (ROBER, Van der Pol mu = 1000, HIRES) used by
tests/ReactorTwin.Core.Tests/StiffProblemTests.cs, computed once with a second method: SciPy's Radau IIA (order 5)
at rtol 1e-13 with an analytic Jacobian. Run: /usr/bin/python3 benchmarks/scipy/stiff_references.py"""
import numpy as np
from scipy.integrate import solve_ivp


def rober(t, y):
    return [-0.04 * y[0] + 1e4 * y[1] * y[2], 0.04 * y[0] - 1e4 * y[1] * y[2] - 3e7 * y[1] ** 2, 3e7 * y[1] ** 2]


def rober_jac(t, y):
    return [[-0.04, 1e4 * y[2], 1e4 * y[1]],
            [0.04, -1e4 * y[2] - 6e7 * y[1], -1e4 * y[1]],
            [0.0, 6e7 * y[1], 0.0]]


MU = 1000.0


def vdp(t, y):
    return [y[1], MU * (1 - y[0] ** 2) * y[1] - y[0]]


def vdp_jac(t, y):
    return [[0.0, 1.0], [-2 * MU * y[0] * y[1] - 1.0, MU * (1 - y[0] ** 2)]]


def hires(t, y):
    y1, y2, y3, y4, y5, y6, y7, y8 = y
    return [-1.71 * y1 + 0.43 * y2 + 8.32 * y3 + 0.0007,
            1.71 * y1 - 8.75 * y2,
            -10.03 * y3 + 0.43 * y4 + 0.035 * y5,
            8.32 * y2 + 1.71 * y3 - 1.12 * y4,
            -1.745 * y5 + 0.43 * y6 + 0.43 * y7,
            -280.0 * y6 * y8 + 0.69 * y4 + 1.71 * y5 - 0.43 * y6 + 0.69 * y7,
            280.0 * y6 * y8 - 1.81 * y7,
            -280.0 * y6 * y8 + 1.81 * y7]


def hires_jac(t, y):
    j = np.zeros((8, 8))
    j[0, [0, 1, 2]] = [-1.71, 0.43, 8.32]
    j[1, [0, 1]] = [1.71, -8.75]
    j[2, [2, 3, 4]] = [-10.03, 0.43, 0.035]
    j[3, [1, 2, 3]] = [8.32, 1.71, -1.12]
    j[4, [4, 5, 6]] = [-1.745, 0.43, 0.43]
    j[5, [3, 4, 5, 6, 7]] = [0.69, 1.71, -280.0 * y[7] - 0.43, 0.69, -280.0 * y[5]]
    j[6, [5, 6, 7]] = [280.0 * y[7], -1.81, 280.0 * y[5]]
    j[7, [5, 6, 7]] = [-280.0 * y[7], 1.81, -280.0 * y[5]]
    return j


def run(name, f, jac, y0, times, atol):
    s = solve_ivp(f, (0.0, times[-1]), y0, method="Radau", jac=jac, rtol=1e-13, atol=atol, t_eval=times, dense_output=False)
    assert s.success, s.message
    print(f"{name}: nfev={s.nfev} njev={s.njev}")
    for j, t in enumerate(times):
        print(f"  t={t!r}: [" + ", ".join(f"{v:.17g}" for v in s.y[:, j]) + "]")


run("ROBER", rober, rober_jac, [1.0, 0.0, 0.0], [0.4, 4.0, 40.0, 400.0, 4000.0, 4e4, 4e5], 1e-22)
run("VDP1000", vdp, vdp_jac, [2.0, 0.0], [250.0, 500.0, 1000.0, 1500.0, 2000.0, 2500.0, 3000.0], 1e-14)
run("HIRES", hires, hires_jac, [1.0, 0, 0, 0, 0, 0, 0, 0.0057], [5.0, 50.0, 321.8122, 421.8122], 1e-16)
