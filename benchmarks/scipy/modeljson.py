"""Loads a ReactorTwin model file (docs/model-format.md) and builds its drift b(z; theta) = S a(z; theta) as a
Python function of (t, z) for SciPy, by generating straight-line Python code from the rate formulas (the way one
would write the right-hand side by hand). Independent of the C# parser and compiler: it is the SciPy side of the
benchmarks and of the translation checks."""
import cmath
import json
import math
import re


def _strip_comments(text):
    out = []
    for line in text.splitlines():
        s, in_str, i = [], False, 0
        while i < len(line):
            c = line[i]
            if c == '"' and (i == 0 or line[i - 1] != '\\'):
                in_str = not in_str
            if not in_str and line.startswith("//", i):
                break
            s.append(c)
            i += 1
        out.append("".join(s))
    return re.sub(r",(\s*[}\]])", r"\1", "\n".join(out))


def load(path):
    with open(path, encoding="utf-8") as f:
        return json.loads(_strip_comments(f.read()))


def _to_python(formula):
    return formula.replace("^", "**")


class Model:
    """state names, parameter names and values, and the compiled drift."""

    def __init__(self, path):
        m = load(path)
        self.raw = m
        self.species = [s["name"] for s in m["species"]]
        self.phases = [p["name"] for p in m.get("cellPhases", [])]
        self.state_names = self.species + self.phases
        self.initial = [s["initial"] for s in m["species"]] + [p["initial"] for p in m.get("cellPhases", [])]
        self.parameter_names = [p["name"] for p in m.get("parameters", [])]
        self.parameters = [p["value"] for p in m.get("parameters", [])]
        self.system_size = m.get("systemSize", 1.0)
        channels = []  # (stoichiometry dict, rate expression)
        for rx in m["reactions"]:
            if "rate" in rx:
                rate = "(" + _to_python(rx["rate"]) + ")"
            else:
                rate = " + ".join(f"{ph}*({_to_python(f)})" for ph, f in rx["perPhaseRates"].items())
            channels.append((rx["stoichiometry"], rate))
        for tr in m.get("transitions", []):
            channels.append(({tr["from"]: -1, tr["to"]: 1}, f"({_to_python(tr['rate'])})*{tr['from']}"))
        self.channels = channels
        lines = ["def _rates(z, p):"]
        for i, name in enumerate(self.state_names):
            lines.append(f"    {name} = z[{i}]")
        for k, name in enumerate(self.parameter_names):
            lines.append(f"    {name} = p[{k}]")
        lines.append("    return [" + ", ".join(rate for _, rate in channels) + "]")
        lines.append("def _drift(z, p):")
        lines.append("    a = _rates(z, p)")
        lines.append(f"    d = [0.0] * {len(self.state_names)}")
        for r, (st, _) in enumerate(channels):
            for name, c in st.items():
                lines.append(f"    d[{self.state_names.index(name)}] += {float(c)!r} * a[{r}]")
        lines.append("    return d")
        self.source = "\n".join(lines)
        mm = lambda x, k: x / (k + x)  # noqa: E731
        hill = lambda x, k, n: x ** n / (k ** n + x ** n)  # noqa: E731
        ns = {"exp": math.exp, "log": math.log, "ln": math.log, "sqrt": math.sqrt, "pow": math.pow, "mm": mm, "hill": hill}
        exec(compile(self.source, path, "exec"), ns)
        self._rates, self._drift = ns["_rates"], ns["_drift"]
        # The same code over complex numbers, for complex-step derivatives (exact to rounding for analytic rates).
        cns = {"exp": cmath.exp, "log": cmath.log, "ln": cmath.log, "sqrt": cmath.sqrt, "pow": lambda a, b: a ** b, "mm": mm, "hill": hill}
        exec(compile(self.source, path, "exec"), cns)
        self._crates, self._cdrift = cns["_rates"], cns["_drift"]

    def rates(self, z, p=None):
        return self._rates(z, self.parameters if p is None else p)

    def drift(self, z, p=None):
        return self._drift(z, self.parameters if p is None else p)

    def drift_jacobian(self, z, p=None):
        """F = db/dz by the complex-step method: F[:, j] = Im b(z + i h e_j) / h, h = 1e-30 (no cancellation)."""
        p = self.parameters if p is None else p
        n = len(z)
        jac = [[0.0] * n for _ in range(n)]
        for j in range(n):
            zc = [complex(v) for v in z]
            zc[j] += 1e-30j
            d = self._cdrift(zc, p)
            for i in range(n):
                jac[i][j] = d[i].imag / 1e-30
        return jac

    def stoichiometry(self):
        """species rows x channels (the N of seed 001: cell-phase rows excluded)."""
        ns = len(self.species)
        return [[float(st.get(self.state_names[i], 0.0)) for st, _ in self.channels] for i in range(ns)]
