using ReactorTwin.Core.Lna;
using ReactorTwin.Core.Models;
using ReactorTwin.Core.Numerics;
using ReactorTwin.Core.Simulation;
using static ReactorTwin.Core.Tests.TestHelpers;

namespace ReactorTwin.Core.Tests.Simulation;

/// <summary>
/// The test models of the event tests and their closed forms. Every model decays a species S by S → ∅ at rate k·S (a
/// death process: from a known count N the count stays binomial, mean N e^{−kt}, variance N e^{−kt}(1 − e^{−kt}); from a
/// random count its mean m and variance v obey m' = −k m, v' = −2k v + k m exactly, because the propensity is linear).
/// In concentrations c = count/Ω: m(t) = m₀ e^{−kt}, v(t) = v₀ e^{−2kt} + m₀ e^{−kt}(1 − e^{−kt})/Ω.
/// </summary>
internal static class EventModels
{
    public const double K = 0.2, Dose = 10, S0 = 10, Omega = 100, BolusTime = 5;
    public const double Mu = 0.1, X0 = 0.5, V0 = 1, FeedConcentration = 100, FeedVolume = 0.1;
    public const double TriggerK = 0.5, TriggerS0 = 6, Threshold = 1, Refeed = 5, TriggerOmega = 500;

    public static readonly OdeOptions Tight = new() { RelativeTolerance = 1e-10, AbsoluteTolerance = 1e-13 };

    /// <summary>S → ∅ at k·S; at t = 5 h the bolus S ← S + dose.</summary>
    public static ReactionNetwork Bolus() =>
        ReactionNetwork.CreateBuilder("bolus")
            .WithSystemSize(Omega)
            .AddSpecies("S", "mM", S0)
            .AddParameter("k", K, 0.01, 10)
            .AddParameter("dose", Dose, 0.1, 100)
            .AddReaction("decay", new() { ["S"] = -1 }, "k*S")
            .AddEvent("bolus", [BolusTime], ("S", "S + dose"))
            .Build();

    /// <summary>
    /// A fed culture with its volume V as a (deterministic) state: S decays, cells X grow at μ; at t = 5 h a bolus of
    /// dV = 0.1 L of feed at Sf = 100 mM dilutes everything by V/(V + dV) and brings Sf·dV of substrate:
    /// V ← V + dV, S ← (S V + Sf dV)/(V + dV), X ← X V/(V + dV).
    /// </summary>
    public static ReactionNetwork DilutingBolus() =>
        DilutingCulture("diluting-bolus")
            .AddEvent("feed", [BolusTime], DilutingFeed)
            .Build();

    /// <summary>The feed's assignments: V ← V + dV, S ← (S V + Sf dV)/(V + dV), X ← X V/(V + dV).</summary>
    private static readonly (string, string)[] DilutingFeed = [("V", "V + dV"), ("S", "(S*V + Sf*dV)/(V + dV)"), ("X", "X*V/(V + dV)")];

    /// <summary>S decaying at k·S and X growing at μ·X in a volume V, with the feed's Sf and dV: the culture of
    /// <see cref="DilutingBolus"/> and <see cref="DilutingRefeed"/> before its event.</summary>
    private static ReactionNetworkBuilder DilutingCulture(string name) =>
        ReactionNetwork.CreateBuilder(name)
            .WithSystemSize(Omega)
            .AddSpecies("S", "mM", S0)
            .AddCellPhase("X", "g/L", X0)
            .AddCellPhase("V", "L", V0)
            .AddParameter("k", K, 0.01, 10)
            .AddParameter("mu", Mu, 0.01, 1)
            .AddParameter("Sf", FeedConcentration, 1, 1000)
            .AddParameter("dV", FeedVolume, 0.01, 1)
            .AddReaction("decay", new() { ["S"] = -1 }, "k*S")
            .AddReaction("growth", new() { ["X"] = 1 }, "mu*X");

    /// <summary>
    /// S → ∅ at k·S, refed by 5 mM whenever it falls below 1 mM. With <paramref name="leadingTimeEvent"/> a time event
    /// "late" (at 100 h, S ← S + 100: after every test's horizon) is declared before the trigger, so that the trigger is
    /// event 1 but root function 0.
    /// </summary>
    public static ReactionNetwork Refeeding(bool leadingTimeEvent = false) =>
        (leadingTimeEvent
            ? ReactionNetwork.CreateBuilder("refeeding-late").AddEvent("late", [100.0], ("S", "S + 100"))
            : ReactionNetwork.CreateBuilder("refeeding"))
            .WithSystemSize(TriggerOmega)
            .AddSpecies("S", "mM", TriggerS0)
            .AddParameter("k", TriggerK, 0.01, 10)
            .AddParameter("feed", Refeed, 0.1, 100)
            .AddParameter("low", Threshold, 0.1, 5)
            .AddReaction("decay", new() { ["S"] = -1 }, "k*S")
            .AddEvent("refeed", "S < low", ("S", "S + feed"))
            .Build();

    /// <summary>
    /// <see cref="DilutingBolus"/> fed on a condition instead of a time: when the substrate amount S·V falls below
    /// low·X (low = 6 L, first at ln(10/3)/(k + μ) ≈ 4.0 h). The trigger is nonlinear in the state and mixes state and
    /// parameter (∂²g/∂S∂V, ∂²g/∂X∂low ≠ 0), for the derivative of the saltation matrix in every term.
    /// </summary>
    public static ReactionNetwork DilutingRefeed() =>
        DilutingCulture("diluting-refeed")
            .AddParameter("low", 6, 0.1, 100)
            .AddEvent("feed", "S*V < low*X", DilutingFeed)
            .Build();

    /// <summary>Mean and variance of a death process after <paramref name="dt"/> h from mean <paramref name="m"/>, variance <paramref name="v"/>.</summary>
    public static (double Mean, double Variance) Decay(double m, double v, double k, double omega, double dt)
    {
        double p = Math.Exp(-k * dt);
        return (m * p, (v * p * p) + (m * p * (1 - p) / omega));
    }

    /// <summary>Closed-form mean and variance of S in <see cref="Bolus"/> (the output at 5 h is before the bolus).</summary>
    public static (double Mean, double Variance) BolusMoments(double t)
    {
        if (t <= BolusTime)
        {
            return Decay(S0, 0, K, Omega, t);
        }

        var (m, v) = Decay(S0, 0, K, Omega, BolusTime);
        return Decay(m + Dose, v, K, Omega, t - BolusTime);
    }

    /// <summary>Closed-form mean and variance of S, and X and V, in <see cref="DilutingBolus"/>.</summary>
    public static (double Mean, double Variance, double X, double V) DilutingMoments(double t)
    {
        if (t <= BolusTime)
        {
            var (m0, v0) = Decay(S0, 0, K, Omega, t);
            return (m0, v0, X0 * Math.Exp(Mu * t), V0);
        }

        var (m, v) = Decay(S0, 0, K, Omega, BolusTime);
        double a = V0 / (V0 + FeedVolume);
        var (m1, v1) = Decay((a * m) + (FeedConcentration * FeedVolume / (V0 + FeedVolume)), a * a * v, K, Omega, t - BolusTime);
        return (m1, v1, a * X0 * Math.Exp(Mu * t), V0 + FeedVolume);
    }

    /// <summary>The j-th (1-based) firing time of <see cref="Refeeding"/> on the mean: j·ln(S₀/low)/k, as S₀ + feed − low = S₀.</summary>
    public static double FiringTime(int j) => j * Math.Log(TriggerS0 / Threshold) / TriggerK;

    /// <summary>
    /// The LNA of <see cref="Refeeding"/>: S = 6 e^{−k(t − t_j)} after the j-th firing; the variance just before firing j is
    /// j·v₁, v₁ = S₀ p(1 − p)/Ω with p = low/S₀, the saltation 1 − w·∂g/∂S/(∂g/∂S·f⁻) = 1 + feed/low = S₀/low
    /// (w = f⁻ − f⁺ = k·feed, g = low − S) scales it by (S₀/low)², and
    /// it then decays as a death process.
    /// </summary>
    public static (double Mean, double Variance) RefeedingLna(double t)
    {
        int fired = 0;
        while (FiringTime(fired + 1) < t)
        {
            fired++;
        }

        if (fired == 0)
        {
            return Decay(TriggerS0, 0, TriggerK, TriggerOmega, t);
        }

        double p = Threshold / TriggerS0, v1 = TriggerS0 * p * (1 - p) / TriggerOmega, jump = TriggerS0 / Threshold;
        return Decay(TriggerS0, jump * jump * fired * v1, TriggerK, TriggerOmega, t - FiringTime(fired));
    }

    /// <summary>Propagates an LNA through <paramref name="times"/> from t = 0, returning per time the mean and covariance (copied).</summary>
    public static (double[] Mean, double[] Covariance)[] LnaPath(ReactionNetwork model, ReadOnlySpan<double> theta, double[] times, InputSchedule? inputs = null)
    {
        var lna = new LnaSolver(model, [], new LnaOptions { Tolerances = Tight });
        var state = lna.CreateState();
        state.Reset(model.DefaultInitialState());
        var path = new (double[], double[])[times.Length];
        double t = 0;
        for (int j = 0; j < times.Length; j++)
        {
            lna.Propagate(state, theta, t, times[j], resume: t > 0, inputs: inputs);
            t = times[j];
            path[j] = ((double[])state.Mean.Clone(), (double[])state.Covariance.Clone());
        }

        return path;
    }

    /// <summary>Paths × (times · n) samples of the CLE (<paramref name="cleStep"/> &gt; 0) or the SSA (null), seeded.</summary>
    public static double[,] Ensemble(ReactionNetwork model, double[] times, int paths, int seed, double? cleStep)
    {
        int n = model.StateDimension;
        var samples = new double[paths, times.Length * n];
        var output = new double[times.Length * n];
        var z0 = model.DefaultInitialState();
        var theta = model.NominalParameters();
        var cle = cleStep is double dt ? new ChemicalLangevinSimulator(model, dt) : null;
        var ssa = cle is null ? new GillespieSimulator(model) : null;
        var gauss = new GaussianSource(new Random(seed));
        var uniform = new Random(seed);
        for (int p = 0; p < paths; p++)
        {
            if (cle is not null)
            {
                cle.Simulate(z0, theta, times, output, gauss);
            }
            else
            {
                ssa!.Simulate(z0, theta, times, output, uniform);
            }

            for (int c = 0; c < output.Length; c++)
            {
                samples[p, c] = output[c];
            }
        }

        return samples;
    }

    /// <summary>
    /// Asserts an ensemble's mean and variance of column <paramref name="column"/> within 4 standard errors
    /// (SE_m = √(v/N), SE_v = v√(2/(N − 1)), near-Gaussian ensembles) plus a stated bias bound.
    /// </summary>
    public static void AssertMoments(double[,] samples, int column, double mean, double variance, string what, double meanBias = 0)
    {
        int paths = samples.GetLength(0);
        var (m, v) = MeanVariance(samples, column);
        Assert.True(Math.Abs(m - mean) <= (4 * Math.Sqrt(variance / paths)) + meanBias, $"{what} mean {m:R} vs {mean:R} (SE {Math.Sqrt(variance / paths):G3})");
        Assert.True(Math.Abs(v - variance) <= 4 * variance * Math.Sqrt(2.0 / (paths - 1)), $"{what} variance {v:R} vs {variance:R}");
    }

    /// <summary>|actual − expected| ≤ tolerance · max(|expected|, floor).</summary>
    public static void Relative(double expected, double actual, double tolerance, string what, double floor = 1e-12) =>
        Assert.True(Math.Abs(actual - expected) <= tolerance * Math.Max(Math.Abs(expected), floor), $"{what}: {actual:R} vs {expected:R} (relative {tolerance:G2})");
}
