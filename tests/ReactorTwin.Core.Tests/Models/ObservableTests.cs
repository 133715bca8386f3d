using ReactorTwin.Core.Models;

namespace ReactorTwin.Core.Tests.Models;

/// <summary>Observables and their noise models: compiled values and derivatives, validation, the JSON form.</summary>
public class ObservableTests
{
    private static ReactionNetwork Model(params (string Name, string Formula, NoiseModel? Noise)[] observables)
    {
        var b = ReactionNetwork.CreateBuilder("obs")
            .AddSpecies("X", "g/L", 0.5)
            .AddSpecies("S", "g/L", 10)
            .AddParameter("mu", 0.3, 0.01, 2)
            .AddParameter("K", 1.0, 0.01, 10)
            .AddParameter("sa", 0.02, 1e-4, 1)
            .AddInput("F", "L/h", 0.1)
            .AddReaction("growth", "mu*X*S/(K+S)", ("X", "1"), ("S", "-2"));
        foreach (var (name, formula, noise) in observables)
        {
            b.AddObservable(name, formula, noise);
        }

        return b.Build();
    }

    [Fact]
    public void Linear_observable_values_and_jacobians_are_exact()
    {
        var m = Model(("OD600", "2.6*X", new NoiseModel(Relative: 0.05)));
        var h = m.CompiledObservables;
        Assert.True(h.IsLinear);
        Assert.Equal(2, m.StateDimension);
        Assert.Equal(["X", "S", "OD600"], m.ChannelNames);
        Assert.Equal(2, m.IndexOfChannel("OD600"));
        double[] z = [1.7, 3.0];
        double[] args = Arguments(m, 0.4);
        double[] mu = new double[1], jz = new double[2], jp = new double[3];
        h.Values(z, args, mu);
        h.StateJacobian(z, args, jz);
        h.ParameterJacobian(z, args, jp);
        Assert.Equal(2.6 * 1.7, mu[0], 15);
        Assert.Equal([2.6, 0.0], jz);
        Assert.Equal([0.0, 0.0, 0.0], jp);
    }

    [Fact]
    public void Nonlinear_observable_derivatives_match_central_differences()
    {
        // h = X*S/(K+S) + mu*t + F: depends on state, parameters, time and input.
        var m = Model(("Y", "X*S/(K+S) + mu*t + F", new NoiseModel(Formula: "sa + 0.1*Y*Y")));
        var h = m.CompiledObservables;
        Assert.False(h.IsLinear);
        double[] z = [1.3, 2.2];
        double[] args = Arguments(m, 0.7);
        double[] jz = new double[2], jp = new double[3], sz = new double[2], sp = new double[3];
        h.StateJacobian(z, args, jz);
        h.ParameterJacobian(z, args, jp);
        h.StandardDeviationJacobians(z, args, sz, sp);
        const double step = 1e-6, tol = 1e-8; // central differences: O(step²) truncation, O(ε/step) rounding
        for (int j = 0; j < 2; j++)
        {
            Assert.Equal(Central(v => Eval(h, Perturb(z, j, v), args), z[j], step, 0), jz[j], tol);
            Assert.Equal(Central(v => Eval(h, Perturb(z, j, v), args), z[j], step, 1), sz[j], tol);
        }

        for (int k = 0; k < 3; k++)
        {
            Assert.Equal(Central(v => Eval(h, z, Perturb(args, k, v)), args[k], step, 0), jp[k], tol);
            Assert.Equal(Central(v => Eval(h, z, Perturb(args, k, v)), args[k], step, 1), sp[k], tol);
        }

        // σ = sa + 0.1 μ² with μ the observable's own prediction.
        double[] mu = new double[1], sd = new double[1];
        h.Values(z, args, mu);
        h.StandardDeviations(z, args, sd);
        Assert.Equal(0.02 + (0.1 * mu[0] * mu[0]), sd[0], 14);
        Assert.True(h.HasSdFormula[0]);
    }

    [Fact]
    public void Bad_noise_models_are_refused_with_their_path()
    {
        var ex = Assert.Throws<ModelDefinitionException>(() => Model(("OD", "2.6*X", new NoiseModel(NoiseDistribution.LogNormal, Absolute: 0.1, Relative: 0.05))));
        Assert.Contains(ex.Errors, e => e.Path == "$.observables[0].noise.relative" && e.Message.Contains("log-normal", StringComparison.Ordinal));
        ex = Assert.Throws<ModelDefinitionException>(() => Model(("OD", "2.6*X", new NoiseModel())));
        Assert.Contains(ex.Errors, e => e.Path == "$.observables[0].noise" && e.Message.Contains("needs an 'sd'", StringComparison.Ordinal));
        ex = Assert.Throws<ModelDefinitionException>(() => Model(("OD", "2.6*Q", new NoiseModel(Absolute: 0.1))));
        Assert.Contains(ex.Errors, e => e.Path == "$.observables[0].formula" && e.Message.Contains('Q', StringComparison.Ordinal));
    }

    [Fact]
    public void Json_round_trip_keeps_observables_and_reports_bad_noise_with_line()
    {
        var m = Model(("OD600", "2.6*X", new NoiseModel(Absolute: 0.01, Relative: 0.05)), ("logS", "S", new NoiseModel(NoiseDistribution.LogNormal, Formula: "sa")));
        var back = ModelJson.Parse(ModelJson.Write(m), "round.json");
        Assert.Equal(m.Observables, back.Observables);
        const string bad = """
            {
              "name": "b",
              "species": [ { "name": "X", "unit": "g/L", "initial": 1 } ],
              "parameters": [],
              "reactions": [],
              "observables": [
                { "name": "OD600", "formula": "2.6*X",
                  "noise": { "distribution": "poisson", "sd": 0.1 } }
              ]
            }
            """;
        var ex = Assert.Throws<ModelDefinitionException>(() => ModelJson.Parse(bad, "bad.json"));
        var err = Assert.Single(ex.Errors);
        Assert.Equal("$.observables[0].noise.distribution", err.Path);
        Assert.Equal("bad.json", err.Source);
        Assert.Equal(8, err.Line);
        Assert.Contains("poisson", err.Message, StringComparison.Ordinal);
    }

    private static double[] Arguments(ReactionNetwork m, double t)
    {
        var a = new double[m.Compiled.ArgumentCount];
        for (int k = 0; k < m.Parameters.Count; k++)
        {
            a[k] = m.Parameters[k].Value;
        }

        a[m.Compiled.TimeSlot] = t;
        a[m.Compiled.TimeSlot + 1] = 0.1;
        return a;
    }

    private static double[] Perturb(double[] x, int i, double v)
    {
        var y = (double[])x.Clone();
        y[i] = v;
        return y;
    }

    private static (double Mu, double Sd) Eval(CompiledObservables h, double[] z, double[] args)
    {
        double[] mu = new double[1], sd = new double[1];
        h.Values(z, args, mu);
        h.StandardDeviations(z, args, sd);
        return (mu[0], sd[0]);
    }

    private static double Central(Func<double, (double Mu, double Sd)> f, double x, double step, int which)
    {
        var (a, b) = (f(x + step), f(x - step));
        return which == 0 ? (a.Mu - b.Mu) / (2 * step) : (a.Sd - b.Sd) / (2 * step);
    }
}
