using ReactorTwin.Core.Models;
using ReactorTwin.Core.Numerics;
using ReactorTwin.Core.Simulation;
using static ReactorTwin.Core.Tests.Simulation.EventModels;
using static ReactorTwin.Core.Tests.TestHelpers;

namespace ReactorTwin.Core.Tests.Simulation;

/// <summary>
/// The reversible reaction A ⇌ B written as one net rate <c>kf*A - kr*B</c>, which the stochastic methods split into
/// A → B at kf·A and B → A at kr·B. With N = Ω(A + B) molecules each one flips independently, so the stationary count of
/// A is Binomial(N, q), q = kr/(kf + kr): mean Tq and variance Tq(1 − q)/Ω in concentrations (T = A + B). Drift and
/// diffusion are linear, so the LNA's stationary moments are these exactly, and so are the CLE's (up to its
/// Euler–Maruyama bias (kf + kr)Δt/2 = 1.5e−3 relative at Δt = 1e−3 h).
/// <para>Here kf = 2, kr = 1 /h, Ω = 10, T = 5 (N = 50): q = 1/3, the correlation time 1/(kf + kr) = 1/3 h. One long path
/// is sampled every 10/3 h (autocorrelation e^{−10} = 5e−5 between samples, so the samples are independent for the
/// tests): a chi-square test of the SSA's histogram at level 0.001 and means and variances within 4 SE.</para>
/// </summary>
public class ReversibleReactionTests
{
    private const double Kf = 2, Kr = 1, Size = 10, Total = 5, Q = Kr / (Kf + Kr);

    private static ReactionNetwork Isomerisation(bool? reversible, double a0 = Total) =>
        ReactionNetwork.CreateBuilder("isomerisation")
            .WithSystemSize(Size)
            .AddSpecies("A", "mM", a0)
            .AddSpecies("B", "mM", Total - a0)
            .AddParameter("kf", Kf, 0.01, 100)
            .AddParameter("kr", Kr, 0.01, 100)
            .AddReaction(new Reaction("AtoB", new Dictionary<string, double> { ["A"] = -1, ["B"] = 1 }, "kf*A - kr*B") { Reversible = reversible })
            .Build();

    /// <summary>Samples A on one long path: after a 10 h burn-in, every 10/(kf + kr) h.</summary>
    private static double[] LongRun(ReactionNetwork model, int samples, double? cleStep, int seed)
    {
        var times = new double[samples];
        for (int j = 0; j < samples; j++)
        {
            times[j] = 10 + (j * 10 / (Kf + Kr));
        }

        var output = new double[samples * 2];
        if (cleStep is double dt)
        {
            new ChemicalLangevinSimulator(model, dt).Simulate(model.DefaultInitialState(), model.NominalParameters(), times, output, new GaussianSource(new Random(seed)));
        }
        else
        {
            new GillespieSimulator(model).Simulate(model.DefaultInitialState(), model.NominalParameters(), times, output, new Random(seed));
        }

        var a = new double[samples];
        for (int j = 0; j < samples; j++)
        {
            a[j] = output[2 * j];
            Assert.Equal(Total, output[2 * j] + output[(2 * j) + 1], 10); // A + B is conserved on every path
        }

        return a;
    }

    [Fact]
    public void Split_NetRateDifference_GivesTwoChannelsAndTheOdeUsesTheNetRate()
    {
        var model = Isomerisation(reversible: null);
        Assert.Equal(["AtoB", "AtoB:reverse"], model.Compiled.ChannelNames);
        double[] times = [0.1, 0.5, 2.0];
        var output = new double[6];
        new MeanOdeSimulator(model, Tight).Simulate(model.DefaultInitialState(), model.NominalParameters(), times, output);
        for (int j = 0; j < times.Length; j++)
        {
            double a = (Total * Q) + (Total * (1 - Q) * Math.Exp(-(Kf + Kr) * times[j]));
            Relative(a, output[2 * j], 1e-8, $"A at {times[j]} h");
        }

        var lna = LnaPath(model, model.NominalParameters(), [20.0]);
        Relative(Total * Q, lna[0].Mean[0], 1e-8, "LNA stationary mean");
        Relative(Total * Q * (1 - Q) / Size, lna[0].Covariance[0], 1e-7, "LNA stationary variance");
        Relative(-Total * Q * (1 - Q) / Size, lna[0].Covariance[1], 1e-7, "LNA stationary covariance of A and B");
    }

    [Fact]
    public void Ssa_ReversibleReaction_StationaryHistogramIsBinomial()
    {
        const int samples = 4000, n = (int)(Total * Size);
        var a = LongRun(Isomerisation(reversible: null), samples, null, 31);
        var counts = new int[n + 1];
        foreach (double x in a)
        {
            counts[(int)Math.Round(x * Size)]++;
        }

        // Bins from the left, each closed once its expected count reaches 5, the remainder joined to the last; the
        // critical value χ²₀.₉₉₉(20) = 45.3147 is scipy.stats.chi2.ppf(0.999, 20) for the 21 bins this rule gives.
        var expected = new List<double>();
        var observed = new List<double>();
        double e = 0, o = 0;
        for (int k = 0; k <= n; k++)
        {
            e += samples * BinomialPmf(n, Q, k);
            o += counts[k];
            if (e >= 5)
            {
                expected.Add(e);
                observed.Add(o);
                e = o = 0;
            }
        }

        expected[^1] += e;
        observed[^1] += o;
        Assert.Equal(21, expected.Count);
        double chi2 = 0;
        for (int b = 0; b < expected.Count; b++)
        {
            chi2 += (observed[b] - expected[b]) * (observed[b] - expected[b]) / expected[b];
        }

        Assert.True(chi2 < 45.3147, $"χ² = {chi2:F2} with 20 degrees of freedom");
        AssertMoments(Column(a), 0, Total * Q, Total * Q * (1 - Q) / Size, "SSA stationary A");
    }

    [Fact]
    public void Cle_ReversibleReaction_StationaryMomentsAreTheLnaClosedForm()
    {
        var a = LongRun(Isomerisation(reversible: null), 1500, 1e-3, 32);
        AssertMoments(Column(a), 0, Total * Q, Total * Q * (1 - Q) / Size, "CLE stationary A");
    }

    [Fact]
    public void NotReversible_NetRate_IsOneChannelWithPropensityMaxOfRateAndZero()
    {
        // One channel A → B with propensity max(kf·A − kr·B, 0): from all A it fires until kf·a ≤ kr·(N − a), i.e. down
        // to a = ⌊kr·N/(kf + kr)⌋ = 16 molecules, then stops for good (no backward channel). Every path ends there.
        var model = Isomerisation(reversible: false);
        Assert.Equal(["AtoB"], model.Compiled.ChannelNames);
        var ssa = new GillespieSimulator(model);
        var output = new double[2];
        var random = new Random(33);
        for (int p = 0; p < 20; p++)
        {
            ssa.Simulate(model.DefaultInitialState(), model.NominalParameters(), [50.0], output, random);
            Assert.Equal(1.6, output[0], 12);
            Assert.Equal(34, ssa.LastEventCount);
        }

        // Started below equilibrium the propensity is 0: the SSA does not move, while the ODE follows the net rate.
        var below = Isomerisation(reversible: false, a0: 0);
        ssa = new GillespieSimulator(below);
        ssa.Simulate(below.DefaultInitialState(), below.NominalParameters(), [5.0], output, random);
        Assert.Equal(0.0, output[0]);
        Assert.Equal(0, ssa.LastEventCount);
        new MeanOdeSimulator(below, Tight).Simulate(below.DefaultInitialState(), below.NominalParameters(), [2.0], output);
        Relative((Total * Q) * (1 - Math.Exp(-(Kf + Kr) * 2.0)), output[0], 1e-8, "ODE A from all B");
    }

    [Fact]
    public void Reversible_True_OnARateThatIsNotADifference_IsAnError()
    {
        var ex = Assert.Throws<ModelDefinitionException>(() =>
            ReactionNetwork.CreateBuilder("bad")
                .AddSpecies("A", "mM", 1)
                .AddSpecies("B", "mM", 0)
                .AddParameter("kf", 1, 0.1, 10)
                .AddReaction(new Reaction("AtoB", new Dictionary<string, double> { ["A"] = -1, ["B"] = 1 }, "kf*A") { Reversible = true })
                .Build());
        Assert.Contains("reaction 'AtoB' is marked reversible but its rate is not a difference", ex.Message, StringComparison.Ordinal);
    }

    private static double BinomialPmf(int n, double p, int k)
    {
        double log = 0;
        for (int i = 1; i <= k; i++)
        {
            log += Math.Log(n - k + i) - Math.Log(i);
        }

        return Math.Exp(log + (k * Math.Log(p)) + ((n - k) * Math.Log(1 - p)));
    }

    private static double[,] Column(double[] values)
    {
        var c = new double[values.Length, 1];
        for (int i = 0; i < values.Length; i++)
        {
            c[i, 0] = values[i];
        }

        return c;
    }
}
