using ReactorTwin.Core.Estimation;
using ReactorTwin.Core.Inference;
using ReactorTwin.Core.Models;
using ReactorTwin.Core.Numerics;
using ReactorTwin.Core.Simulation;

namespace ReactorTwin.Core.Tests.Estimation;

public sealed class EstimationTests
{
    [Fact]
    public void AdamStep_MatchesSeedEquation11WrittenAsSums()
    {
        // Independent formulation of seed 001 eq. 11: after k steps the update uses
        // (1−ξ1) Σ_l ξ1^{k−l} G_l / (1−ξ1^k) over sqrt((1−ξ2) Σ_l ξ2^{k−l} G_l² / (1−ξ2^k)) + ε.
        double[] lambda = [0.1, 2.0, 3e-5];
        var adam = new AdamOptimizer(lambda);
        var rng = new Random(3);
        var history = new List<double[]>();
        var x = new double[] { 1.0, -2.0, 0.5 };
        for (int k = 1; k <= 25; k++)
        {
            var g = new[] { rng.NextDouble() - 0.5, 10 * (rng.NextDouble() - 0.3), 1e-3 * rng.NextDouble() };
            history.Add(g);
            var expected = (double[])x.Clone();
            for (int j = 0; j < 3; j++)
            {
                double m = 0, v = 0;
                for (int l = 1; l <= k; l++)
                {
                    m += Math.Pow(0.9, k - l) * history[l - 1][j];
                    v += Math.Pow(0.999, k - l) * history[l - 1][j] * history[l - 1][j];
                }

                m *= 0.1 / (1 - Math.Pow(0.9, k));
                v *= 0.001 / (1 - Math.Pow(0.999, k));
                expected[j] += lambda[j] * m / (Math.Sqrt(v) + 1e-8);
            }

            adam.Step(x, g);
            for (int j = 0; j < 3; j++)
            {
                Assert.Equal(expected[j], x[j], 1e-11 * (Math.Abs(expected[j]) + lambda[j])); // recursion vs sums: rounding of x and of one step of size ≤ λ
            }
        }
    }

    [Fact]
    public void Adam_OnConcaveQuadratic_ConvergesToMaximum()
    {
        var adam = new AdamOptimizer([0.05, 0.05]);
        var x = new double[] { 3, -4 };
        var g = new double[2];
        for (int i = 0; i < 3000; i++)
        {
            g[0] = -2 * (x[0] - 1);
            g[1] = -10 * (x[1] + 0.5);
            adam.Step(x, g);
        }

        Assert.Equal(1.0, x[0], 0.01);   // Adam oscillates within about λ of the optimum
        Assert.Equal(-0.5, x[1], 0.01);
    }

    [Fact]
    public void ParameterSpace_RoundTripAndChainRule()
    {
        var cho = BuiltInModels.Load("cho");
        var space = new ParameterSpace(cho);
        Assert.Equal(7, space.Dimension); // β0, β1 are not estimated (seed 001 section 6.2)
        var theta = cho.NominalParameters();
        var u = new double[7];
        space.ToUnconstrained(theta, u);
        var back = new double[theta.Length];
        space.ToNatural(u, back);
        for (int k = 0; k < theta.Length; k++)
        {
            Assert.Equal(theta[k], back[k], theta[k] * 1e-14);
        }

        var gTheta = Enumerable.Range(1, 7).Select(i => (double)i).ToArray();
        var gU = new double[7];
        space.ChainRule(u, gTheta, gU);
        for (int j = 0; j < 7; j++)
        {
            Assert.Equal(gTheta[j] * theta[space.Indices[j]], gU[j], Math.Abs(gU[j]) * 1e-14); // d/du = θ d/dθ on log scale
        }

        Assert.True(space.InBounds(u));
        u[2] = space.Upper[2] + 1;
        Assert.False(space.InBounds(u));
    }

    [Fact]
    public void PosteriorDensity_GradientWithPriors_MatchesFiniteDifferences()
    {
        var (model, data) = ImmigrationDeathData(seed: 8, batches: 3, omega: 50, step: 0.05);
        var space = new ParameterSpace(model);
        var em = new EulerMaruyamaLikelihood(model, space.Indices.ToArray());
        ParameterPrior[] priors = [new LogNormalPrior(8, 0.5), new BoundedUniformPrior()];
        var density = new PosteriorDensity(space, new EulerMaruyamaDataLikelihood(em, data), priors);
        var u = new[] { Math.Log(9.0), Math.Log(1.2) };
        var g = new double[2];
        double f0 = density.Evaluate(u, g);
        Assert.True(double.IsFinite(f0));
        var scratch = new double[2];
        for (int j = 0; j < 2; j++)
        {
            const double h = 1e-6;
            var up = (double[])u.Clone();
            up[j] += h;
            var um = (double[])u.Clone();
            um[j] -= h;
            double fd = (density.Evaluate(up, scratch) - density.Evaluate(um, scratch)) / (2 * h);
            Assert.True(Math.Abs(fd - g[j]) <= 1e-6 * Math.Max(1, Math.Abs(g[j])), $"u{j}: {g[j]} vs {fd}"); // central difference error O(h²)·f'''
        }

        var outside = new[] { space.Upper[0] + 0.1, u[1] };
        Assert.Equal(double.NegativeInfinity, density.Evaluate(outside, scratch));
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void NormalPrior_Derivative_MatchesFiniteDifferences(bool logScale)
    {
        var prior = new NormalPrior(1.0, 0.5);
        foreach (double u in new[] { -1.0, 0.2, 0.9 })
        {
            prior.LogDensity(u, logScale, out double d);
            const double h = 1e-6;
            double fd = (prior.LogDensity(u + h, logScale, out _) - prior.LogDensity(u - h, logScale, out _)) / (2 * h);
            Assert.Equal(fd, d, 1e-7); // central difference error O(h²) on a smooth function of size O(1)
        }

        // On log scale the density of u = log θ carries the Jacobian θ: log p = −(θ − 1)²/(2·0.25) + u.
        Assert.Equal(-0.5 * 4 * (Math.E - 1) * (Math.E - 1) + (logScale ? 1.0 : 0.0), prior.LogDensity(logScale ? 1.0 : Math.E, logScale, out _), 1e-12);
    }

    [Fact]
    public void SyntheticData_SameSeed_IdenticalDataAndExactInitialRows()
    {
        var model = ReactionNetwork.CreateBuilder("id").WithSystemSize(50).AddSpecies("A", "mM", 2)
            .AddParameter("k", 10, 0.1, 1000).AddParameter("g", 1, 0.01, 100)
            .AddReaction("birth", new() { ["A"] = 1 }, "k").AddReaction("death", new() { ["A"] = -1 }, "g*A").Build();
        var noise = new MeasurementNoise(1).SetAbsolute(0, 0.2);
        double[][] starts = [[2.0], [5.0]];
        double[] times = [0.5, 1.0];
        var a = SyntheticData.Gillespie(model, model.NominalParameters(), starts, times, noise, new GaussianSource(new Random(4)));
        var b = SyntheticData.Gillespie(model, model.NominalParameters(), starts, times, noise, new GaussianSource(new Random(4)));
        var c = SyntheticData.ChemicalLangevin(model, model.NominalParameters(), starts, times, null, 0.01, new GaussianSource(new Random(4)));
        Assert.Equal(2, a.Batches.Count);
        Assert.Equal(5.0, a.Batches[1].InitialState[0]);                 // t = 0 rows are the exact initial state
        Assert.Equal(2, c.Batches[0].Times.Count);
        for (int bi = 0; bi < 2; bi++)
        {
            for (int j = 0; j < 2; j++)
            {
                Assert.Equal(a.Batches[bi].Times[j].Values[0], b.Batches[bi].Times[j].Values[0]);
            }
        }
    }

    [Fact]
    public void MultiStartMle_ImmigrationDeath_RecoversParametersWithinInformationBound()
    {
        // Fine sampling (Δt = 0.05 h against a relaxation time 1/g = 1 h) keeps the Euler–Maruyama bias small
        // relative to the statistical error; the tolerance is 4 standard errors from the observed information.
        var (model, data) = ImmigrationDeathData(seed: 11, batches: 20, omega: 50, step: 0.05);
        var space = new ParameterSpace(model, baseValues: [5.0, 0.5]); // start away from the truth (10, 1)
        var em = new EulerMaruyamaLikelihood(model, space.Indices.ToArray());
        var density = new PosteriorDensity(space, new EulerMaruyamaDataLikelihood(em, data));
        var result = MultiStartMle.Fit(density, space, new MultiStartMleOptions { Starts = 4, Seed = 2 });
        Assert.Empty(result.FailedStarts);
        var se = StandardErrors(density, result.Optimum);
        double[] truth = [Math.Log(10), Math.Log(1)];
        for (int j = 0; j < 2; j++)
        {
            Assert.True(Math.Abs(result.Optimum[j] - truth[j]) <= 4 * se[j], $"u{j} = {result.Optimum[j]} vs {truth[j]} ± {se[j]}");
        }
    }

    [Fact]
    public void MultiStartMle_DoubleWell_FindsGlobalMaximumThatOneStartMisses()
    {
        var model = ReactionNetwork.CreateBuilder("w").AddSpecies("A", "mM", 1)
            .AddParameter("a", 1.0, Math.Exp(-3), Math.Exp(3)).AddReaction("r", new() { ["A"] = -1 }, "a*A").Build();
        var space = new ParameterSpace(model, baseValues: [Math.Exp(-1.2)]); // base point in the basin of the lower peak
        var density = new DoubleWell();
        var single = MultiStartMle.Fit(density, space, new MultiStartMleOptions { Starts = 1 });
        var multi = MultiStartMle.Fit(density, space, new MultiStartMleOptions { Starts = 10, Seed = 4 });
        Assert.Equal(-1.0, single.Optimum[0], 1e-3);            // local peak at u = −1, height 0
        Assert.Equal(2.0, multi.Optimum[0], 1e-3);             // global peak at u = 2, height 1
        Assert.True(multi.LogLikelihood >= single.LogLikelihood);
        Assert.Equal(10, multi.Starts.Count);
    }

    [Fact]
    public void MultiStartMle_StartHalfWidth_DrawsStartsWithinBoxAroundFirst()
    {
        var model = ReactionNetwork.CreateBuilder("w").AddSpecies("A", "mM", 1)
            .AddParameter("a", 1.0, Math.Exp(-3), Math.Exp(3)).AddReaction("r", new() { ["A"] = -1 }, "a*A").Build();
        var space = new ParameterSpace(model, baseValues: [Math.Exp(-2.8)]);
        var result = MultiStartMle.Fit(new DoubleWell(), space, new MultiStartMleOptions { Starts = 8, Seed = 4, StartHalfWidth = 0.5 });
        Assert.Equal(-2.8, result.Starts[0].Start[0], 1e-12);
        Assert.All(result.Starts, s => Assert.InRange(s.Start[0], -3.0, -2.3)); // box [−3.3, −2.3] clipped at the bound −3
    }

    [Fact]
    public void MultiStartMle_StartsInForbiddenRegion_AreReportedAsFailed()
    {
        var model = ReactionNetwork.CreateBuilder("w").AddSpecies("A", "mM", 1)
            .AddParameter("a", 1.0, Math.Exp(-3), Math.Exp(3)).AddReaction("r", new() { ["A"] = -1 }, "a*A").Build();
        var space = new ParameterSpace(model, baseValues: [Math.Exp(-2.5)]);
        var result = MultiStartMle.Fit(new HalfLine(), space, new MultiStartMleOptions { Starts = 6, Seed = 9 });
        Assert.Contains(result.Starts, s => !s.Succeeded);       // the base start at u = −2.5 has density −∞
        Assert.Equal(1.0, result.Optimum[0], 1e-3);
        Assert.All(result.FailedStarts, s => Assert.False(string.IsNullOrWhiteSpace(s.Exit)));
    }

    [Fact]
    public void ParametricBootstrap_SpreadMatchesObservedInformation()
    {
        // Two independent measures of the MLE's sampling error must agree: the bootstrap SD of û over 80
        // replicates and the asymptotic SE from the inverse observed information. With 80 replicates the SD
        // itself has a relative standard error of about 1/√(2·79) ≈ 8 %; allow ±35 % (over 4 of those, plus
        // the finite-sample difference between the two measures).
        var (model, data) = ImmigrationDeathData(seed: 12, batches: 10, omega: 50, step: 0.05);
        var space = new ParameterSpace(model);
        IDataLikelihood Lik(ObservationSet d) => new EulerMaruyamaDataLikelihood(new EulerMaruyamaLikelihood(model, space.Indices.ToArray()), d);
        var density = new PosteriorDensity(space, Lik(data));
        var fit = MultiStartMle.Fit(density, space, new MultiStartMleOptions { Starts = 1 });
        var se = StandardErrors(density, fit.Optimum);
        var boot = ParametricBootstrap.Run(space, fit.Optimum, data, d => new PosteriorDensity(space, Lik(d)), options: new BootstrapOptions { Replicates = 80, Seed = 5, StepHours = 0.005 });
        Assert.Equal(0, boot.Failed);
        Assert.Equal(80, boot.Estimates.Count);
        for (int j = 0; j < 2; j++)
        {
            var v = boot.Estimates.Select(e => e[j]).ToArray();
            double mean = v.Average();
            double sd = Math.Sqrt(v.Sum(x => (x - mean) * (x - mean)) / (v.Length - 1));
            Assert.InRange(sd / se[j], 0.65, 1.35);
            Assert.True(boot.Quantile(j, 0.025) < fit.Optimum[j] && fit.Optimum[j] < boot.Quantile(j, 0.975));
        }
    }

    private static double[] StandardErrors(PosteriorDensity density, double[] u)
    {
        var cov = ObservedInformation.Covariance(density, u) ?? throw new InvalidOperationException("information not positive definite");
        return Enumerable.Range(0, u.Length).Select(j => Math.Sqrt(cov[j, j])).ToArray();
    }

    private static (ReactionNetwork Model, ObservationSet Data) ImmigrationDeathData(int seed, int batches, double omega, double step)
    {
        var model = ReactionNetwork.CreateBuilder("immigration-death").WithSystemSize(omega)
            .AddSpecies("A", "mM", 2)
            .AddParameter("k", 10, 0.1, 1000)
            .AddParameter("g", 1, 0.01, 100)
            .AddReaction("birth", new() { ["A"] = 1 }, "k")
            .AddReaction("death", new() { ["A"] = -1 }, "g*A")
            .Build();
        var times = Enumerable.Range(0, 81).Select(i => i * step).ToArray();
        var ssa = new GillespieSimulator(model);
        var rng = new Random(seed);
        var path = new double[times.Length];
        var rows = new List<DataRow>();
        for (int b = 0; b < batches; b++)
        {
            ssa.Simulate(model.DefaultInitialState(), model.NominalParameters(), times, path, rng);
            for (int j = 0; j < times.Length; j++)
            {
                rows.Add(new DataRow($"b{b}", times[j], "A", path[j]));
            }
        }

        return (model, ObservationSet.FromRows(model, rows, "ssa"));
    }

    /// <summary>log π(u) = max of two Gaussian bumps: height 0 at u = −1 and height 1 at u = 2 (smooth sum form).</summary>
    private sealed class DoubleWell : ILogDensity
    {
        public int Dimension => 1;

        public double Evaluate(ReadOnlySpan<double> u, Span<double> gradient)
        {
            double x = u[0];
            double a = Math.Exp(-4 * (x + 1) * (x + 1));
            double b = Math.E * Math.Exp(-4 * (x - 2) * (x - 2));
            double s = a + b;
            gradient[0] = ((-8 * (x + 1) * a) + (-8 * (x - 2) * b)) / s;
            return Math.Log(s);
        }
    }

    /// <summary>−(u − 1)² for u &gt; −1, −∞ elsewhere.</summary>
    private sealed class HalfLine : ILogDensity
    {
        public int Dimension => 1;

        public double Evaluate(ReadOnlySpan<double> u, Span<double> gradient)
        {
            if (u[0] <= -1)
            {
                gradient[0] = 0;
                return double.NegativeInfinity;
            }

            gradient[0] = -2 * (u[0] - 1);
            return -(u[0] - 1) * (u[0] - 1);
        }
    }
}
