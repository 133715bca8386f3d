"""Checks the hand translation benchmarks/models/millard2021-ecoli.json against the SBML file it was written from:
the SBML's right-hand side (function definitions, local parameters, assignment and rate rules, compartment sizes,
evaluated straight from its MathML) and the model file's drift must agree at random states.
Run: /usr/bin/python3 benchmarks/scipy/millard_sbml_check.py PATH/Millard2020_Ecoli_glc_ace_kinetic_model.xml"""
import math
import os
import random
import sys
import xml.etree.ElementTree as ET

sys.path.insert(0, os.path.dirname(__file__))
import modeljson  # noqa: E402

S = "{http://www.sbml.org/sbml/level3/version1/core}"
M = "{http://www.w3.org/1998/Math/MathML}"


class Sbml:
    def __init__(self, path):
        model = ET.parse(path).getroot().find(S + "model")
        self.functions = {}
        for f in model.find(S + "listOfFunctionDefinitions"):
            lam = f.find(M + "math").find(M + "lambda")
            args = [b.find(M + "ci").text.strip() for b in lam.findall(M + "bvar")]
            body = [c for c in lam if c.tag != M + "bvar"][0]
            self.functions[f.get("id")] = (args, body)
        self.values = {c.get("id"): float(c.get("size")) for c in model.find(S + "listOfCompartments")}
        self.species = {s.get("id"): s for s in model.find(S + "listOfSpecies")}
        for p in model.find(S + "listOfParameters"):
            self.values[p.get("id")] = float(p.get("value"))
        self.inits = [(a.get("symbol"), a.find(M + "math")[0]) for a in model.find(S + "listOfInitialAssignments")]
        self.assignments, self.rate_rules = [], {}
        for r in model.find(S + "listOfRules"):
            target = (r.get("variable"), r.find(M + "math")[0])
            (self.assignments.append(target) if r.tag == S + "assignmentRule" else self.rate_rules.__setitem__(*target))
        self.reactions = []
        for rx in model.find(S + "listOfReactions"):
            kl = rx.find(S + "kineticLaw")
            local = {p.get("id"): float(p.get("value")) for p in (kl.find(S + "listOfLocalParameters") or [])}
            refs = lambda tag: [(a.get("species"), float(a.get("stoichiometry"))) for a in (rx.find(S + tag) or [])]
            self.reactions.append((rx.get("id"), refs("listOfReactants"), refs("listOfProducts"), kl.find(M + "math")[0], local))

    def ev(self, e, env):
        tag = e.tag.replace(M, "")
        if tag == "ci":
            return env[e.text.strip()]
        if tag == "cn":
            return float(e.text)
        ch = list(e)
        op = ch[0].tag.replace(M, "")
        args = [self.ev(c, env) for c in ch[1:]]
        if op == "ci":
            names, body = self.functions[ch[0].text.strip()]
            return self.ev(body, dict(env, **dict(zip(names, args))))
        if op == "plus":
            return sum(args)
        if op == "minus":
            return -args[0] if len(args) == 1 else args[0] - args[1]
        if op == "times":
            return math.prod(args)
        if op == "divide":
            return args[0] / args[1]
        if op == "power":
            return args[0] ** args[1]
        raise ValueError(op)

    def rhs(self, state):
        env = dict(self.values)
        for sym, e in self.inits:
            env[sym] = self.ev(e, env)
        env.update(state)
        # Assignment rules hold at all times and may refer to reaction rates (v_sink = sink) that other rates use
        # (growth uses v_sink): evaluate rates and rules alternately until nothing changes (acyclic, so 3 passes).
        rates = {}
        for _ in range(3):
            for rid, _, _, law, local in self.reactions:
                rates[rid] = self.ev(law, dict(env, **local))
            env.update(rates)
            for var, e in self.assignments:
                env[var] = self.ev(e, env)
        d = {}
        for sid, sp in self.species.items():
            if sp.get("boundaryCondition") == "true":
                d[sid] = self.ev(self.rate_rules[sid], env) if sid in self.rate_rules else 0.0
            else:
                d[sid] = sum(c * rates[r] for r, reac, prod, _, _ in self.reactions for s, c in prod if s == sid) \
                    - sum(c * rates[r] for r, reac, prod, _, _ in self.reactions for s, c in reac if s == sid)
        return d


def main():
    sbml = Sbml(sys.argv[1])
    model = modeljson.Model(os.path.join(os.path.dirname(__file__), "..", "models", "millard2021-ecoli.json"))
    rng = random.Random(7)
    worst = 0.0
    for _ in range(2000):
        z = [math.exp(rng.uniform(math.log(1e-3), math.log(50))) for _ in model.state_names]
        ref = sbml.rhs(dict(zip(model.state_names, z)))
        got = model.drift(z)
        for i, name in enumerate(model.state_names):
            scale = max(abs(ref[name]), 1e-300)
            worst = max(worst, abs(got[i] - ref[name]) / scale)
    print(f"max relative difference over 2000 random states: {worst:.3e}")
    sys.exit(0 if worst < 1e-12 else 1)


if __name__ == "__main__":
    main()
