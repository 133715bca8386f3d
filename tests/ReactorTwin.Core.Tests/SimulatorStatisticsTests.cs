using ReactorTwin.Core.Models;
using ReactorTwin.Core.Numerics;
using ReactorTwin.Core.Simulation;
using static ReactorTwin.Core.Tests.TestHelpers;

namespace ReactorTwin.Core.Tests;

/// <summary>
/// Statistical checks of the simulators against closed-form moments.
/// <para>Tolerances. For N independent paths the sample mean has standard error SE_m = √(v/N) and the unbiased
/// sample variance has SE_v = v·√(2/(N−1) + κ/N), κ the excess kurtosis. The test networks are linear, so their
/// distributions at Ω·x ≥ 200 molecules are close to Gaussian (Poisson: κ = 1/(Ωm) ≤ 0.005; birth–death with
/// 200 initial molecules: κ = O(1/200)); κ/N is then negligible beside 2/(N−1) and SE_v ≈ v√(2/(N−1)).
/// Every comparison allows 4 standard errors (two-sided p ≈ 6e−5 per comparison for a correct simulator).
/// Linear propensities make the CLE's first two moments identical to the master equation's, so the same analytic
/// moments apply to both simulators (truncation of rates at 0 never acts: the paths stay far above 0); the
/// Euler–Maruyama bias at Δt = 1e−3 h is O(r²tΔt) ≤ 3e−4 relative, below 0.3·SE of the mean at N = 2000.</para>
/// </summary>
public class SimulatorStatisticsTests
{
    private const int Paths = 2000;
    private const double CleStep = 1e-3;

    // ∅ → A at rate k, A → ∅ at rate g·A; k = 10 mM/h, g = 1 /h, A(0) = 0, Ω = 100.
    private const double K = 10, G = 1, IdOmega = 100;
    private static readonly double[] IdTimes = [0.25, 1.0, 3.0];

    // A → 2A at rate λ·A, A → ∅ at rate μ·A; A(0) = 1, Ω = 200.
    private const double BdX0 = 1, BdOmega = 200;
    private static readonly double[] BdTimes = [0.5, 1.0, 2.0];

    private static ReactionNetwork ImmigrationDeath() =>
        ReactionNetwork.CreateBuilder("immigration-death")
            .WithSystemSize(IdOmega)
            .AddSpecies("A", "mM", 0.0)
            .AddParameter("k", K, 0.01, 1000)
            .AddParameter("g", G, 0.01, 100)
            .AddReaction("immigration", new() { ["A"] = 1 }, "k")
            .AddReaction("death", new() { ["A"] = -1 }, "g*A")
            .Build();

    private static ReactionNetwork BirthDeath(double lambda, double mu) =>
        ReactionNetwork.CreateBuilder("birth-death")
            .WithSystemSize(BdOmega)
            .AddSpecies("A", "mM", BdX0)
            .AddParameter("lam", lambda, 0.01, 100)
            .AddParameter("mu", mu, 0.01, 100)
            .AddReaction("birth", new() { ["A"] = 1 }, "lam*A")
            .AddReaction("death", new() { ["A"] = -1 }, "mu*A")
            .Build();

    private static (double Mean, double Variance) ImmigrationDeathMoments(double t)
    {
        double m = K / G * (1 - Math.Exp(-G * t));
        return (m, m / IdOmega); // Poisson at every time when A(0) = 0
    }

    private static (double Mean, double Variance) BirthDeathMoments(double lambda, double mu, double t)
    {
        double r = lambda - mu, e = Math.Exp(r * t);
        return (BdX0 * e, BdX0 / BdOmega * (lambda + mu) / (lambda - mu) * e * (e - 1));
    }

    private static double[,] SsaEnsemble(ReactionNetwork model, double[] times, int paths, int seed)
    {
        var sim = new GillespieSimulator(model);
        var z0 = model.DefaultInitialState();
        var theta = model.NominalParameters();
        var output = new double[times.Length * model.StateDimension];
        var samples = new double[paths, times.Length];
        var rng = new Random(seed);
        for (int p = 0; p < paths; p++)
        {
            sim.Simulate(z0, theta, times, output, rng);
            for (int j = 0; j < times.Length; j++)
            {
                samples[p, j] = output[j * model.StateDimension];
            }
        }

        return samples;
    }

    private static double[,] CleEnsemble(ReactionNetwork model, double[] times, int paths, int seed, double step = CleStep)
    {
        var sim = new ChemicalLangevinSimulator(model, step);
        var z0 = model.DefaultInitialState();
        var theta = model.NominalParameters();
        var output = new double[times.Length * model.StateDimension];
        var samples = new double[paths, times.Length];
        var gauss = new GaussianSource(new Random(seed));
        for (int p = 0; p < paths; p++)
        {
            sim.Simulate(z0, theta, times, output, gauss);
            for (int j = 0; j < times.Length; j++)
            {
                samples[p, j] = output[j * model.StateDimension];
            }
        }

        return samples;
    }

    private static void AssertMoments(string what, double[,] samples, double[] times, Func<double, (double Mean, double Variance)> exact)
    {
        int n = samples.GetLength(0);
        for (int j = 0; j < times.Length; j++)
        {
            var (m, v) = exact(times[j]);
            var (mean, variance) = MeanVariance(samples, j);
            double seMean = Math.Sqrt(v / n);
            double seVar = v * Math.Sqrt(2.0 / (n - 1));
            Assert.True(Math.Abs(mean - m) <= 4 * seMean, $"{what} t={times[j]}: mean {mean:G6} vs {m:G6} (4 SE = {4 * seMean:G3})");
            Assert.True(Math.Abs(variance - v) <= 4 * seVar, $"{what} t={times[j]}: variance {variance:G6} vs {v:G6} (4 SE = {4 * seVar:G3})");
        }
    }

    [Fact]
    public void Gillespie_ImmigrationDeath_MeanAndVarianceMatchPoisson()
    {
        var samples = SsaEnsemble(ImmigrationDeath(), IdTimes, Paths, seed: 2001);
        AssertMoments("SSA immigration-death", samples, IdTimes, ImmigrationDeathMoments);
    }

    [Fact]
    public void ChemicalLangevin_ImmigrationDeath_MeanAndVarianceMatchPoisson()
    {
        var samples = CleEnsemble(ImmigrationDeath(), IdTimes, Paths, seed: 2002);
        AssertMoments("CLE immigration-death", samples, IdTimes, ImmigrationDeathMoments);
    }

    [Theory]
    [InlineData(0.5, 1.0)]
    [InlineData(1.0, 0.5)]
    public void Gillespie_LinearBirthDeath_MeanAndVarianceMatchAnalytic(double lambda, double mu)
    {
        var samples = SsaEnsemble(BirthDeath(lambda, mu), BdTimes, Paths, seed: 2003);
        AssertMoments($"SSA birth-death λ={lambda} μ={mu}", samples, BdTimes, t => BirthDeathMoments(lambda, mu, t));
    }

    [Theory]
    [InlineData(0.5, 1.0)]
    [InlineData(1.0, 0.5)]
    public void ChemicalLangevin_LinearBirthDeath_MeanAndVarianceMatchAnalytic(double lambda, double mu)
    {
        var samples = CleEnsemble(BirthDeath(lambda, mu), BdTimes, Paths, seed: 2004);
        AssertMoments($"CLE birth-death λ={lambda} μ={mu}", samples, BdTimes, t => BirthDeathMoments(lambda, mu, t));
    }

    [Fact]
    public void ChemicalLangevin_ImmigrationDeathWithCoarseStep_VarianceShowsEulerBias()
    {
        // Sensitivity check of the variance test: with Δt = 0.5 h the Euler–Maruyama variance obeys
        // v' = (1 − gΔt)² v + (k + g m)Δt/Ω and after six steps is ≈ 2kΔt/Ω / (1 − (1 − gΔt)²) = 0.133, 40% above
        // the true m(3)/Ω = 0.095 (the difference is ~13 SE at N = 2000). The test must see it: > 4 SE off.
        double[] times = [3.0];
        var samples = CleEnsemble(ImmigrationDeath(), times, Paths, seed: 2005, step: 0.5);
        var (_, v) = ImmigrationDeathMoments(3.0);
        var (_, variance) = MeanVariance(samples, 0);
        Assert.True(Math.Abs(variance - v) > 4 * v * Math.Sqrt(2.0 / (Paths - 1)), $"variance {variance:G6} vs {v:G6}");
    }

    [Fact]
    public void MeanOde_ImmigrationDeath_MatchesAnalyticMean()
    {
        // Default tolerances (rtol 1e-6, atol 1e-9): the DP5(4) global error on this smooth linear problem is
        // below rtol (see DormandPrinceTests); 1e-6 relative is the requirement.
        var model = ImmigrationDeath();
        var output = new double[IdTimes.Length];
        new MeanOdeSimulator(model).Simulate(model.DefaultInitialState(), model.NominalParameters(), IdTimes, output);
        for (int j = 0; j < IdTimes.Length; j++)
        {
            double m = ImmigrationDeathMoments(IdTimes[j]).Mean;
            Assert.True(Math.Abs(output[j] - m) <= 1e-6 * m, $"t={IdTimes[j]}: {output[j]:R} vs {m:R}");
        }
    }

    [Theory]
    [InlineData(0.5, 1.0)]
    [InlineData(1.0, 0.5)]
    public void MeanOde_LinearBirthDeath_MatchesAnalyticMean(double lambda, double mu)
    {
        var model = BirthDeath(lambda, mu);
        var output = new double[BdTimes.Length];
        new MeanOdeSimulator(model).Simulate(model.DefaultInitialState(), model.NominalParameters(), BdTimes, output);
        for (int j = 0; j < BdTimes.Length; j++)
        {
            double m = BirthDeathMoments(lambda, mu, BdTimes[j]).Mean;
            Assert.True(Math.Abs(output[j] - m) <= 1e-6 * m, $"t={BdTimes[j]}: {output[j]:R} vs {m:R}");
        }
    }

    [Fact]
    public void Gillespie_SameSeed_IdenticalPaths_DifferentSeed_DifferentPaths()
    {
        var model = ImmigrationDeath();
        var sim = new GillespieSimulator(model);
        double[] times = [0.5, 1.0, 2.0];
        var a = new double[3];
        var b = new double[3];
        var c = new double[3];
        sim.Simulate(model.DefaultInitialState(), model.NominalParameters(), times, a, new Random(7));
        long eventsA = sim.LastEventCount;
        sim.Simulate(model.DefaultInitialState(), model.NominalParameters(), times, b, new Random(7));
        Assert.Equal(a, b);
        Assert.Equal(eventsA, sim.LastEventCount);
        sim.Simulate(model.DefaultInitialState(), model.NominalParameters(), times, c, new Random(8));
        Assert.NotEqual(a, c);
        Assert.True(eventsA > 0);
    }

    [Fact]
    public void ChemicalLangevin_SameSeed_IdenticalPaths_DifferentSeed_DifferentPaths()
    {
        var model = ImmigrationDeath();
        var sim = new ChemicalLangevinSimulator(model, 0.01);
        double[] times = [0.5, 1.0, 2.0];
        var a = new double[3];
        var b = new double[3];
        var c = new double[3];
        sim.Simulate(model.DefaultInitialState(), model.NominalParameters(), times, a, new GaussianSource(new Random(7)));
        sim.Simulate(model.DefaultInitialState(), model.NominalParameters(), times, b, new GaussianSource(new Random(7)));
        sim.Simulate(model.DefaultInitialState(), model.NominalParameters(), times, c, new GaussianSource(new Random(8)));
        Assert.Equal(a, b);
        Assert.NotEqual(a, c);
    }

    [Fact]
    public void Simulators_OutputAtTimeZero_EqualsInitialState()
    {
        var model = BuiltInModels.Load("michaelis-menten");
        var z0 = model.DefaultInitialState();
        var theta = model.NominalParameters();
        double[] times = [0.0, 0.01];
        int n = model.StateDimension;
        var ssa = new double[2 * n];
        var cle = new double[2 * n];
        var ode = new double[2 * n];
        new GillespieSimulator(model).Simulate(z0, theta, times, ssa, new Random(3));
        new ChemicalLangevinSimulator(model, 1e-4).Simulate(z0, theta, times, cle, new GaussianSource(new Random(3)));
        new MeanOdeSimulator(model).Simulate(z0, theta, times, ode);
        Assert.Equal(z0, ssa[..n]);
        Assert.Equal(z0, cle[..n]);
        Assert.Equal(z0, ode[..n]);
    }

    [Fact]
    public void Gillespie_MichaelisMenten_ConservesEnzymeAndSubstrateExactly()
    {
        // E + ES and S + ES + P are conserved by every reaction; in molecule counts (×Ω = 600) the SSA must keep
        // them to rounding of the accumulated ±1/Ω increments (1e-9 in concentration is ~1e-6 molecules).
        var model = BuiltInModels.Load("michaelis-menten");
        double[] times = [0.001, 0.01, 0.05];
        var output = new double[times.Length * 4];
        new GillespieSimulator(model).Simulate(model.DefaultInitialState(), model.NominalParameters(), times, output, new Random(11));
        for (int j = 0; j < times.Length; j++)
        {
            double s = output[(4 * j) + 0], e = output[(4 * j) + 1], es = output[(4 * j) + 2], p = output[(4 * j) + 3];
            Assert.True(Math.Abs(e + es - 0.2) <= 1e-9);
            Assert.True(Math.Abs(s + es + p - 0.5) <= 1e-9);
            Assert.True(Math.Abs((es * 600) - Math.Round(es * 600)) <= 1e-6, "ES is a whole number of molecules");
        }
    }

    [Fact]
    public void Gillespie_EventBudgetExceeded_ThrowsSimulationException()
    {
        var model = ImmigrationDeath();
        var sim = new GillespieSimulator(model, maxEvents: 10);
        var output = new double[1];
        Assert.Throws<SimulationException>(() => sim.Simulate(model.DefaultInitialState(), model.NominalParameters(), [1.0], output, new Random(1)));
    }

    [Fact]
    public void Simulators_BadArguments_Throw()
    {
        var model = ImmigrationDeath();
        var theta = model.NominalParameters();
        var output = new double[2];
        Assert.Throws<ArgumentException>(() => new GillespieSimulator(model).Simulate([-1.0], theta, [1.0], output, new Random(1)));
        Assert.Throws<ArgumentException>(() => new GillespieSimulator(model).Simulate([0.0], [1.0], [1.0], output, new Random(1)));
        Assert.Throws<ArgumentException>(() => new ChemicalLangevinSimulator(model, 0.01).Simulate([0.0], theta, [1.0, 0.5], output, new GaussianSource(new Random(1))));
        Assert.Throws<ArgumentException>(() => new MeanOdeSimulator(model).Simulate([0.0], theta, [], output));
        Assert.ThrowsAny<ArgumentException>(() => new ChemicalLangevinSimulator(model, 0.0));
        Assert.ThrowsAny<ArgumentException>(() => new GillespieSimulator(model, systemSize: -1));
    }

    // ---------------------------------------------------------------------------------------------------------
    // CHO model (seed 001 section 6.1): cell phases follow their ODE, species are stochastic.
    // ---------------------------------------------------------------------------------------------------------
    private static readonly DormandPrinceOptions TightOde = new() { RelativeTolerance = 1e-10, AbsoluteTolerance = 1e-12 };

    private static double[] ChoOde(ReactionNetwork cho, double[] times)
    {
        var output = new double[times.Length * cho.StateDimension];
        new MeanOdeSimulator(cho, TightOde).Simulate(cho.DefaultInitialState(), cho.NominalParameters(), times, output);
        return output;
    }

    /// <summary>Per output value (times × state): ensemble mean and sample standard deviation.</summary>
    private static (double[] Mean, double[] Sd) ChoCleEnsemble(ReactionNetwork cho, double omega, double[] times, int paths, int seed)
    {
        int width = times.Length * cho.StateDimension;
        var sim = new ChemicalLangevinSimulator(cho.WithSystemSize(omega), 0.01); // Ω from the model copy
        var output = new double[width];
        var samples = new double[paths, width];
        var gauss = new GaussianSource(new Random(seed));
        for (int p = 0; p < paths; p++)
        {
            sim.Simulate(cho.DefaultInitialState(), cho.NominalParameters(), times, output, gauss);
            for (int k = 0; k < width; k++)
            {
                samples[p, k] = output[k];
            }
        }

        var mean = new double[width];
        var sd = new double[width];
        for (int k = 0; k < width; k++)
        {
            var (m, v) = MeanVariance(samples, k);
            mean[k] = m;
            sd[k] = Math.Sqrt(v);
        }

        return (mean, sd);
    }

    /// <summary>The CLE's own Euler drift path: the same simulator at Ω = 1e15, where the noise (∝ Ω^−½) is ~1e−8 of the Ω = 1 level.</summary>
    private static double[] ChoNoiseFreeEuler(ReactionNetwork cho, double[] times, double step)
    {
        var output = new double[times.Length * cho.StateDimension];
        new ChemicalLangevinSimulator(cho, step, 1e15).Simulate(cho.DefaultInitialState(), cho.NominalParameters(), times, output, new GaussianSource(new Random(1)));
        return output;
    }

    [Fact]
    public void ChemicalLangevin_ChoNoiseFree_ConvergesToMeanOdeAtFirstOrder()
    {
        // Euler–Maruyama's drift part is Euler's method: its error against the accurate ODE solution must be small
        // at Δt = 0.01 h (< 2e-3 relative per component; observed ≤ 7e-4, glucose near exhaustion being the
        // most sensitive) and halve with the step (ratio in [1.6, 2.4] for a first-order method).
        var cho = BuiltInModels.Load("cho");
        double[] times = [24, 48, 72];
        var ode = ChoOde(cho, times);
        var coarse = ChoNoiseFreeEuler(cho, times, 0.01);
        var fine = ChoNoiseFreeEuler(cho, times, 0.005);
        for (int k = 0; k < ode.Length; k++)
        {
            double e1 = Math.Abs(coarse[k] - ode[k]), e2 = Math.Abs(fine[k] - ode[k]);
            Assert.True(e1 <= 2e-3 * Math.Abs(ode[k]), $"value {k}: Euler {coarse[k]:R} vs ODE {ode[k]:R}");
            Assert.InRange(e1 / e2, 1.6, 2.4);
        }
    }

    [Fact]
    public void ChemicalLangevin_ChoLargeOmega_EnsembleMeanAt72hMatchesMeanOde()
    {
        // Ω = 1e4, 300 paths, Δt = 0.01 h. Tolerance per component: 4·SE (sample SD/√300) for Monte Carlo error,
        // plus the deterministic Euler bias |Euler − ODE| of the same step (measured by the noise-free run; the
        // previous test shows it is first order and < 2e-3 relative). The nonlinearity bias of the mean is
        // O(var·|a''|) ≈ 1e-7 relative at this Ω and is negligible.
        var cho = BuiltInModels.Load("cho");
        double[] times = [72];
        const int paths = 300;
        var (mean, sd) = ChoCleEnsemble(cho, 1e4, times, paths, seed: 2006);
        var ode = ChoOde(cho, times);
        var euler = ChoNoiseFreeEuler(cho, times, 0.01);
        for (int i = 0; i < cho.StateDimension; i++)
        {
            double allowed = (4 * sd[i] / Math.Sqrt(paths)) + Math.Abs(euler[i] - ode[i]);
            Assert.True(Math.Abs(mean[i] - ode[i]) <= allowed, $"{cho.StateNames[i]}: CLE mean {mean[i]:G8} vs ODE {ode[i]:G8}, allowed {allowed:G3}");
            Assert.True(sd[i] > 0, $"{cho.StateNames[i]} has no spread"); // the species are noisy, and the cells follow them
        }
    }

    [Fact]
    public void ChemicalLangevin_ChoNoise_ScalesAsInverseSquareRootOfOmega()
    {
        // LNA: the standard deviation of the fluctuations is ∝ Ω^−½, so SD(Ω=1e3)/SD(Ω=1e4) ≈ √10 = 3.16 for
        // glucose and lactate at 48 h. With 150 paths each SD has relative SE ≈ 1/√(2·149) = 5.8%, the ratio ≈ 8.2%;
        // the window [2.4, 4.0] is about ±3 SE of the ratio and excludes the Ω^−1 (10) and Ω^0 (1) scalings.
        var cho = BuiltInModels.Load("cho");
        double[] times = [48];
        var (_, sd3) = ChoCleEnsemble(cho, 1e3, times, 150, seed: 2007);
        var (_, sd4) = ChoCleEnsemble(cho, 1e4, times, 150, seed: 2008);
        for (int i = 0; i < 2; i++)
        {
            Assert.InRange(sd3[i] / sd4[i], 2.4, 4.0);
        }
    }

    [Fact]
    public void Gillespie_ChoOmega1000_PathsStayWithinFourCleStandardDeviationsOfMeanOde()
    {
        // Two hybrid-SSA paths at Ω = 1000 (~1.3e6 events each) at 24, 48, 72 h. The expected spread of a single
        // path around the mean is the ensemble SD at the same Ω, estimated from 200 CLE paths (relative SE of an
        // SD ≈ 5%); each component must lie within 4 SD of the ODE mean (mAb counts only ~2 molecules at this Ω,
        // whose Poisson SD 1.5e-3 mM the CLE reproduces). The hybrid scheme's own bias (midpoint cell steps capped
        // at 0.01 h) is ~1e-4 relative, well inside this.
        var cho = BuiltInModels.Load("cho");
        double[] times = [24, 48, 72];
        var ode = ChoOde(cho, times);
        var (_, sd) = ChoCleEnsemble(cho, 1000, times, 200, seed: 2009);
        var ssa = new GillespieSimulator(cho, 1000);
        var output = new double[ode.Length];
        var rng = new Random(2010);
        for (int path = 0; path < 2; path++)
        {
            ssa.Simulate(cho.DefaultInitialState(), cho.NominalParameters(), times, output, rng);
            Assert.True(ssa.LastEventCount > 100_000, $"only {ssa.LastEventCount} events");
            for (int k = 0; k < ode.Length; k++)
            {
                Assert.True(Math.Abs(output[k] - ode[k]) <= 4 * sd[k], $"path {path}, value {k}: SSA {output[k]:G8} vs ODE {ode[k]:G8}, 4 SD = {4 * sd[k]:G3}");
            }
        }
    }

    [Fact]
    public void MeanOde_Cho_QualitativeBehaviourAndMassBalance()
    {
        var cho = BuiltInModels.Load("cho");
        var times = Enumerable.Range(0, 73).Select(h => (double)h).ToArray();
        var z = ChoOde(cho, times);
        int n = cho.StateDimension;
        double Get(int j, int i) => z[(j * n) + i];
        const int glc = 0, lac = 1, mAb = 2, x0 = 3, x1 = 4;
        double invariant0 = Get(0, glc) + (Get(0, lac) / 2) + (0.01 * Get(0, mAb)) + (0.02 * (Get(0, x0) + Get(0, x1)));
        for (int j = 1; j < times.Length; j++)
        {
            Assert.True(Get(j, glc) < Get(j - 1, glc), $"glucose must fall (t={times[j]})");
            Assert.True(Get(j, lac) > Get(j - 1, lac), $"lactate must rise (t={times[j]})");
            Assert.True(Get(j, mAb) > Get(j - 1, mAb), $"mAb must rise (t={times[j]})");
            Assert.True(Get(j, x0) + Get(j, x1) > Get(j - 1, x0) + Get(j - 1, x1), $"total cells must grow (t={times[j]})");

            // Mass balance: GLC + LAC/2 + 0.01·mAb + 0.02·(X0 + X1) is annihilated by every column of the
            // stoichiometry, so an RK method conserves it to rounding (values ≤ 1e3, ~70 steps: 1e-10 absolute).
            double invariant = Get(j, glc) + (Get(j, lac) / 2) + (0.01 * Get(j, mAb)) + (0.02 * (Get(j, x0) + Get(j, x1)));
            Assert.True(Math.Abs(invariant - invariant0) <= 1e-10, $"mass balance drift {invariant - invariant0:E3} at t={times[j]}");
        }

        var end = Enumerable.Range(0, n).Select(i => Get(72, i)).ToArray();
        Assert.All(end, v => Assert.True(double.IsFinite(v) && v > 0));

        // Physics at 72 h from GLC = 28 mM: the biomass grows about eight-fold, and at 0.02 mM of glucose per
        // 10^6 cells/L that growth alone needs ~27 mM, so glucose is nearly exhausted (< 5% of the initial 28 mM)
        // but, being consumed by Michaelis–Menten kinetics, stays positive. Cells shift X0 → X1 at β0 = 0.3 /h and
        // back at β1 = 0.1 /h, and only X0 grows, so X1/X0 approaches β0/β1 = 3 from below: β0/(λ + β1) with λ the
        // current specific growth rate of the total.
        Assert.InRange(end[glc], 0.0, 0.05 * 28);
        Assert.InRange(end[x0] + end[x1], 6 * 190.0, 10 * 190.0);
        Assert.InRange(end[x1] / end[x0], 2.5, 3.0);

        // Regression values (solved at rtol 1e-10, so 1e-6 relative only detects model or solver changes). They are
        // consistent with the mass balance and phase-balance checks above.
        double[] expected = [0.41420282, 2.6608388, 0.0022604143, 395.05983, 1127.7079];
        for (int i = 0; i < n; i++)
        {
            Assert.True(Math.Abs(end[i] - expected[i]) <= 1e-6 * expected[i], $"{cho.StateNames[i]}(72 h) = {end[i]:R}, recorded {expected[i]:R}");
        }
    }

    private static ReactionNetwork InertAndExplosive() =>
        ReactionNetwork.CreateBuilder("explosive")
            .AddSpecies("A", "mM", 1.0)
            .AddSpecies("B", "mM", 1.0)
            .AddParameter("k", 1.0, 0.01, 100)
            .AddReaction("decay", new() { ["A"] = -1 }, "k*A")
            .AddReaction("explode", new() { ["B"] = 1 }, "k*B^2")
            .Build();

    [Fact]
    public void ChemicalLangevin_SecondSpeciesBlowsUp_ThrowsSimulationException()
    {
        // B' = B² blows up at t = 1 while A (the first state component) stays finite: the simulator must notice
        // the non-finite B rather than return it (Euler squares B every step once B·Δt > 1, overflowing within ~15 steps).
        var model = InertAndExplosive();
        var sim = new ChemicalLangevinSimulator(model, 0.01);
        var output = new double[2];
        Assert.Throws<SimulationException>(() => sim.Simulate(model.DefaultInitialState(), model.NominalParameters(), [2.0], output, new GaussianSource(new Random(5))));
    }

    [Fact]
    public void MeanOde_SolutionBlowsUp_ThrowsSimulationException()
    {
        var model = InertAndExplosive();
        var output = new double[2];
        Assert.Throws<SimulationException>(() => new MeanOdeSimulator(model).Simulate(model.DefaultInitialState(), model.NominalParameters(), [2.0], output));
    }
}
