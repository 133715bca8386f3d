using ReactorTwin.Core.Estimation;
using ReactorTwin.Core.Inference;
using ReactorTwin.Core.Models;
using ReactorTwin.Core.Numerics;
using ReactorTwin.Core.Simulation;
using ReactorTwin.Core.Tests.Numerics;

namespace ReactorTwin.Core.Tests.Estimation;

/// <summary>
/// The ODE likelihood in least-squares form (<see cref="OdeLikelihood.Residuals"/>, <see cref="OdeResiduals"/>) and the
/// multi-start Levenberg–Marquardt fit: c − ½‖r‖² and −Jᵀr equal the likelihood's ℓ and ∂ℓ/∂u, J equals central
/// differences of r, the LM optimum equals the BFGS-B optimum, and the evaluation allocates nothing. The model grows
/// X on S with a linear normal observable (OD600) and a log-normal one (L) besides the two states.
/// </summary>
public class OdeResidualsTests
{
    private static readonly OdeOptions Tight = new() { RelativeTolerance = 1e-10, AbsoluteTolerance = 1e-12 };

    private static ReactionNetwork Model(bool formulaNoise = false) => ReactionNetwork.CreateBuilder("lm-growth")
        .AddSpecies("X", "g/L", 0.5)
        .AddSpecies("S", "g/L", 10)
        .AddParameter("mu", 0.3, 0.01, 2)
        .AddParameter("K", 1.0, 0.01, 10)
        .AddParameter("a", 1.5, 0.1, 10)
        .AddReaction("growth", "mu*X*S/(K+S)", ("X", "1"), ("S", "-2"))
        .AddReaction("death", new() { ["X"] = -1 }, "0.05*X")
        .AddObservable("OD600", "2.6*X", formulaNoise ? new NoiseModel(Formula: "0.01 + 0.05*OD600") : new NoiseModel(Absolute: 0.05))
        .AddObservable("L", "a*X", new NoiseModel(NoiseDistribution.LogNormal, Absolute: 0.1))
        .Build();

    /// <summary>Mean-ODE values at θ = (0.3, 1, 1.5) with ±3 % alternating perturbations, states and observables mixed.</summary>
    private static ObservationSet Data(ReactionNetwork model)
    {
        double[] z0 = [0.5, 10];
        double[] times = [1, 2, 3, 4, 6, 8];
        var path = new double[times.Length * 2];
        Assert.True(new MeanOdeSimulator(model).Simulate(z0, [0.3, 1.0, 1.5], times, path).Succeeded);
        var obs = new List<ObservationTime>();
        for (int j = 0; j < times.Length; j++)
        {
            double x = path[2 * j], s = path[(2 * j) + 1];
            int[] channels = j % 2 == 0 ? [0, 1, 2] : [1, 3];
            var values = channels.Select((c, i) => (1 + (0.03 * (((i + j) % 2 == 0) ? 1 : -1))) * (c switch { 0 => x, 1 => s, 2 => 2.6 * x, _ => 1.5 * x })).ToArray();
            obs.Add(new ObservationTime(times[j], channels, values));
        }

        return ObservationSet.FromBatches(model, [new Batch("b1", z0, [0, 1], obs)]);
    }

    private static MeasurementNoise Noise(ReactionNetwork model) => MeasurementNoise.ForModel(model).SetAbsolute(0, 0.05).SetAbsolute(1, 0.2);

    [Fact]
    public void Residuals_SumOfSquaresAndGradient_EqualTheLikelihood()
    {
        var model = Model();
        var data = Data(model);
        var space = new ParameterSpace(model);
        var likelihood = new OdeLikelihood(model, space.Indices, Tight);
        var residuals = new OdeResiduals(space, likelihood, data, Noise(model));
        double[] u = [Math.Log(0.4), Math.Log(0.7), Math.Log(1.2)];
        int m = residuals.ResidualCount, d = 3;
        Assert.Equal(15, m);
        var r = new double[m];
        var jac = new double[m * d];
        Assert.True(residuals.Evaluate(u, r, jac, out double c));

        var density = new PosteriorDensity(space, new OdeDataLikelihood(likelihood, data, Noise(model)));
        var grad = new double[d];
        double ll = density.Evaluate(u, grad);
        Assert.Equal(ll, c - (0.5 * r.Sum(x => x * x)), 1e-9);
        for (int j = 0; j < d; j++)
        {
            double jtr = 0;
            for (int i = 0; i < m; i++)
            {
                jtr += jac[(i * d) + j] * r[i];
            }

            Assert.Equal(grad[j], -jtr, 1e-8 * Math.Max(1, Math.Abs(grad[j])));
        }
    }

    [Fact]
    public void Residuals_Jacobian_MatchesCentralDifferences()
    {
        var model = Model();
        var data = Data(model);
        var space = new ParameterSpace(model);
        var residuals = new OdeResiduals(space, new OdeLikelihood(model, space.Indices, Tight), data, Noise(model));
        double[] u = [Math.Log(0.4), Math.Log(0.7), Math.Log(1.2)];
        int m = residuals.ResidualCount, d = 3;
        var r = new double[m];
        var jac = new double[m * d];
        Assert.True(residuals.Evaluate(u, r, jac, out _));
        const double h = 1e-5;
        var rp = new double[m];
        var rm = new double[m];
        var scratch = new double[m * d];
        for (int j = 0; j < d; j++)
        {
            var up = (double[])u.Clone();
            var um = (double[])u.Clone();
            up[j] += h;
            um[j] -= h;
            Assert.True(residuals.Evaluate(up, rp, scratch, out _));
            Assert.True(residuals.Evaluate(um, rm, scratch, out _));
            for (int i = 0; i < m; i++)
            {
                double fd = (rp[i] - rm[i]) / (2 * h);

                // Central differences: O(h²) ≈ 1e−10 truncation, 1e−12/h ≈ 1e−7 from the integration tolerance.
                Assert.True(Math.Abs(jac[(i * d) + j] - fd) <= 1e-6 * Math.Max(1, Math.Abs(fd)), $"J[{i},{j}] = {jac[(i * d) + j]}, central difference {fd}");
            }
        }
    }

    [Fact]
    public void Residuals_Evaluation_AllocatesNothing()
    {
        var model = Model();
        var data = Data(model);
        var space = new ParameterSpace(model);
        var residuals = new OdeResiduals(space, new OdeLikelihood(model, space.Indices), data, Noise(model));
        double[] u = [Math.Log(0.4), Math.Log(0.7), Math.Log(1.2)];
        var r = new double[residuals.ResidualCount];
        var jac = new double[r.Length * 3];
        Assert.Equal(0, AllocationTests.AllocatedInSteadyState(() => residuals.Evaluate(u, r, jac, out _)));
    }

    [Fact]
    public void Residuals_SdFormula_IsRefusedNamingTheChannel()
    {
        var model = Model(formulaNoise: true);
        var data = Data(model);
        var space = new ParameterSpace(model);
        var ex = Assert.Throws<ArgumentException>(() => new OdeResiduals(space, new OdeLikelihood(model, space.Indices), data, MeasurementNoise.ForModel(model).SetAbsolute(0, 0.05).SetAbsolute(1, 0.2)));
        Assert.Contains("OD600", ex.Message);
        Assert.Contains("formula", ex.Message);
    }

    [Fact]
    public void MultiStartLm_SameStartsAsBfgs_FindsTheSameOptimum()
    {
        var model = Model();
        var data = Data(model);
        var space = new ParameterSpace(model, [0.5, 2.0, 1.0]);
        var options = new MultiStartMleOptions { Starts = 3, Seed = 7, StartHalfWidth = Math.Log(2), GradientTolerance = 1e-10 };
        var bfgs = MultiStartMle.Fit(new PosteriorDensity(space, new OdeDataLikelihood(new OdeLikelihood(model, space.Indices, Tight), data, Noise(model))), space, options);
        var lm = MultiStartMle.Fit(() => new OdeResiduals(space, new OdeLikelihood(model, space.Indices, Tight), data, Noise(model)), space, options);
        Assert.False(lm.Partial, lm.Exit);
        Assert.Equal(3, lm.Starts.Count);
        Assert.All(lm.Starts, s => Assert.True(s.Evaluations > 0 && s.Iterations > 0));
        Assert.Equal(bfgs.LogLikelihood, lm.LogLikelihood, 1e-7);
        for (int j = 0; j < space.Dimension; j++)
        {
            Assert.Equal(bfgs.Optimum[j], lm.Optimum[j], 1e-4);
        }

        Assert.True(lm.Evaluations < bfgs.Evaluations, $"LM {lm.Evaluations} evaluations, BFGS {bfgs.Evaluations}");
    }

    [Fact]
    public void MultiStartLm_Unbounded_IsRefused()
    {
        var model = Model();
        var space = new ParameterSpace(model);
        Assert.Throws<ArgumentException>(() => MultiStartMle.Fit(() => new OdeResiduals(space, new OdeLikelihood(model, space.Indices), Data(model), Noise(model)), space, new MultiStartMleOptions { Bounded = false }));
    }
}
