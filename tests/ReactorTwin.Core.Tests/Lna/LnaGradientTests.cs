using ReactorTwin.Core.Inference;
using ReactorTwin.Core.Lna;
using ReactorTwin.Core.Models;
using ReactorTwin.Core.Numerics;

namespace ReactorTwin.Core.Tests.Lna;

/// <summary>
/// The exact gradients of <see cref="KalmanLnaLikelihood"/> (LNA forward sensitivities through the Kalman
/// recursion) and <see cref="EulerMaruyamaLikelihood"/> (Lemma 1) against central finite differences of the
/// likelihood values, on CLE-simulated data of the CHO model (gradient in the 7 α: θ indices 0..6) and of
/// Michaelis–Menten (θ indices 0..2), at the nominal θ and at a perturbed θ.
/// <para>Tolerance: |g − fd| ≤ 1e−5·|fd| for every component (the issue's requirement). With h = 1e−5·|θ_k| the
/// central difference has truncation error h²·|ℓ'''|/6 ≈ 1e−10 relative for these smooth likelihoods, and a noise
/// of about δℓ/h where δℓ is the error of one likelihood value: for the EM likelihood (closed form) δℓ is rounding,
/// ~1e−13·|ℓ|; for the Kalman–LNA likelihood it is the DP5(4) error at rtol 1e−10 / atol 1e−14. The worst case
/// is the least sensitive component (θ_k ∂ℓ/∂θ_k ≈ 0.006 for k₋₁ in MM, against |ℓ| ≈ 190), where the observed
/// relative error is 5e−7; all others are ≲ 1.3e−7. The analytic gradients are integrated at the same tight
/// tolerances. The fixed-step Euler LNA is differentiated exactly (the sensitivity recursion is the derivative
/// of the discrete map), so there only rounding separates g and fd (observed ≤ 1e−7).</para>
/// </summary>
public class LnaGradientTests
{
    private const double RelTol = 1e-5;
    private const double FdRelativeStep = 1e-5;

    private static readonly int[] ChoAlpha = [0, 1, 2, 3, 4, 5, 6];
    private static readonly int[] MmAll = [0, 1, 2];

    private static readonly Lazy<DataSets> Cho = new(() => MakeCho());
    private static readonly Lazy<DataSets> Mm = new(() => MakeMm());

    /// <summary>Complete data (for EM), partial noisy data (for Kalman) and the measurement model of the latter.</summary>
    internal sealed record DataSets(ReactionNetwork Model, ObservationSet Complete, ObservationSet Partial, MeasurementNoise Noise, double[] Nominal, double[] Perturbed);

    private static DataSets MakeCho()
    {
        var model = BuiltInModels.Load("cho");
        var nominal = model.NominalParameters();
        var perturbed = (double[])nominal.Clone();
        for (int k = 0; k < 7; k++)
        {
            perturbed[k] *= k % 2 == 0 ? 1.3 : 0.8;
        }

        // Three batches at the low, nominal and high initial glucose of the seed's design range; observations
        // every 6 h to 60 h (GLC is not yet depleted, so no rate is ever truncated at 0).
        double[][] initial = [[20, 0.8, 0, 180, 10], [28, 0.8, 0, 180, 10], [36, 0.8, 0, 180, 10]];
        double[] times = [6, 12, 18, 24, 30, 36, 42, 48, 54, 60];
        return Make(model, nominal, perturbed, initial, times, 0.01, new Random(1001), [0.05, 0.05, 1e-4, 2, 2]);
    }

    private static DataSets MakeMm()
    {
        var model = BuiltInModels.Load("michaelis-menten");
        var nominal = model.NominalParameters();
        var perturbed = (double[])nominal.Clone();
        perturbed[0] *= 1.3;
        perturbed[1] *= 0.7;
        perturbed[2] *= 1.2;

        // ES(0) > 0 so that every channel is active from the first transition (with ES = 0 only binding fires and
        // the EM transition covariance of the first step is singular). The reaction is over in ~0.02 h.
        double[][] initial = [[0.5, 0.15, 0.05, 0.01], [0.4, 0.2, 0.05, 0.01], [0.6, 0.1, 0.05, 0.02]];
        double[] times = [0.001, 0.002, 0.003, 0.005, 0.007, 0.01, 0.015];
        return Make(model, nominal, perturbed, initial, times, 1e-5, new Random(1002), [0.005, 0.005, 0.005, 0.005]);
    }

    private static DataSets Make(ReactionNetwork model, double[] nominal, double[] perturbed, double[][] initial, double[] times, double step, Random rng, double[] absoluteSd)
    {
        int n = model.StateDimension;
        var noise = new MeasurementNoise(n);
        for (int i = 0; i < n; i++)
        {
            noise.SetAbsolute(i, absoluteSd[i]).SetRelative(i, 0.02);
        }

        var gauss = new GaussianSource(rng);
        var complete = new List<DataRow>();
        var partial = new List<DataRow>();
        for (int b = 0; b < initial.Length; b++)
        {
            var path = LnaTestSupport.SimulateCle(model, nominal, initial[b], times, 1, step, rng)[0];
            complete.AddRange(LnaTestSupport.BatchRows(model, $"b{b}", initial[b], times, path, (_, _) => true));

            // Kalman data: each component is missing at every third time (a different pattern per batch), and
            // carries measurement noise drawn from the same model the likelihood assumes.
            partial.AddRange(LnaTestSupport.BatchRows(
                model, $"b{b}", initial[b], times, path, (j, i) => (i + j + b) % 3 != 0, (j, i) => Math.Sqrt(noise.Variance(i, path[(j * n) + i])) * gauss.Next()));
        }

        return new DataSets(model, ObservationSet.FromRows(model, complete, "complete"), ObservationSet.FromRows(model, partial, "partial"), noise, nominal, perturbed);
    }

    public static TheoryData<string, bool> Points => new()
    {
        { "cho", false },
        { "cho", true },
        { "michaelis-menten", false },
        { "michaelis-menten", true },
    };

    internal static (DataSets Data, int[] Gradient) Setup(string model) =>
        model == "cho" ? (Cho.Value, ChoAlpha) : (Mm.Value, MmAll);

    [Theory]
    [MemberData(nameof(Points))]
    public void KalmanGradient_AdaptiveLna_MatchesCentralDifferences(string model, bool perturbed)
    {
        var (data, gp) = Setup(model);
        var theta = perturbed ? data.Perturbed : data.Nominal;
        var withGradient = new KalmanLnaLikelihood(data.Model, gp, LnaTestSupport.Tight);
        var valueOnly = new KalmanLnaLikelihood(data.Model, [], LnaTestSupport.Tight);
        var empty = new LikelihoodResult(0);
        AssertGradientMatches(
            $"Kalman-LNA {model} {(perturbed ? "perturbed" : "nominal")}",
            gp,
            theta,
            r => withGradient.Evaluate(data.Partial, theta, data.Noise, r),
            th =>
            {
                valueOnly.Evaluate(data.Partial, th, data.Noise, empty);
                return empty.LogLikelihood;
            });
    }

    [Theory]
    [MemberData(nameof(Points))]
    public void OdeLikelihoodGradient_MatchesCentralDifferences(string model, bool perturbed)
    {
        var (data, gp) = Setup(model);
        var theta = perturbed ? data.Perturbed : data.Nominal;
        var tight = LnaTestSupport.Tight.Tolerances;
        var withGradient = new OdeLikelihood(data.Model, gp, tight);
        var valueOnly = new OdeLikelihood(data.Model, [], tight);
        var empty = new LikelihoodResult(0);
        AssertGradientMatches(
            $"ODE {model} {(perturbed ? "perturbed" : "nominal")}",
            gp,
            theta,
            r => withGradient.Evaluate(data.Partial, theta, data.Noise, r),
            th =>
            {
                valueOnly.Evaluate(data.Partial, th, data.Noise, empty);
                return empty.LogLikelihood;
            });
    }

    [Theory]
    [InlineData("cho")]
    [InlineData("michaelis-menten")]
    public void OdeLikelihood_IsTheKalmanLnaLikelihoodInTheLimitOfLargeSystemSize(string model)
    {
        // Ω → ∞: Ψ = O(1/Ω) vanishes, the Kalman gain with it, and the Kalman–LNA likelihood becomes the ODE one.
        // At Ω = 1e12 the two differ by O(Ψ/R) ≈ 1e−8 relative; asserted to 1e−6 (value and every gradient component).
        var (data, gp) = Setup(model);
        var kalman = new KalmanLnaLikelihood(data.Model, gp, LnaTestSupport.Tight with { SystemSize = 1e12 });
        var ode = new OdeLikelihood(data.Model, gp, LnaTestSupport.Tight.Tolerances);
        var a = new LikelihoodResult(gp.Length);
        var b = new LikelihoodResult(gp.Length);
        kalman.Evaluate(data.Partial, data.Perturbed, data.Noise, a);
        ode.Evaluate(data.Partial, data.Perturbed, data.Noise, b);
        Assert.Equal(a.MeasurementCount, b.MeasurementCount);
        Assert.True(Math.Abs(a.LogLikelihood - b.LogLikelihood) <= 1e-6 * Math.Abs(a.LogLikelihood), $"Kalman {a.LogLikelihood:R} vs ODE {b.LogLikelihood:R}");
        double scale = a.Gradient.Zip(gp, (g, k) => Math.Abs(g * data.Perturbed[k])).Max();
        for (int k = 0; k < gp.Length; k++)
        {
            double ta = a.Gradient[k] * data.Perturbed[gp[k]], tb = b.Gradient[k] * data.Perturbed[gp[k]];
            Assert.True(Math.Abs(ta - tb) <= 1e-6 * scale, $"θ_{gp[k]}: θ∂ℓ/∂θ Kalman {ta:R} vs ODE {tb:R}");
        }
    }

    [Fact]
    public void OdeLikelihood_ExponentialDecay_EqualsClosedForm()
    {
        // A → ∅ at rate g·A: η(t) = a0 e^{−g t}, ∂η/∂g = −t η; observations at 1, 2, 5 h with σ = 0.1 and ρ = 0.05.
        var model = ReactionNetwork.CreateBuilder("decay").AddSpecies("A", "mM", 10).AddParameter("g", 0.3, 0.001, 10)
            .AddReaction("death", new() { ["A"] = -1 }, "g*A").Build();
        double[] times = [1, 2, 5];
        double[] values = [7.3, 5.6, 2.1];
        var rows = new List<DataRow> { new("b", 0, "A", 10) };
        rows.AddRange(times.Select((t, j) => new DataRow("b", t, "A", values[j])));
        var data = ObservationSet.FromRows(model, rows, "decay");
        var noise = new MeasurementNoise(1) { FloorVariance = 0 }.SetAbsolute(0, 0.1).SetRelative(0, 0.05);
        var result = new LikelihoodResult(1);
        new OdeLikelihood(model, [0], LnaTestSupport.Tight.Tolerances).Evaluate(data, [0.3], noise, result);

        double ll = 0, grad = 0;
        foreach (var (t, y) in times.Zip(values)) // the t = 0 row is the batch's known initial state, not a measurement
        {
            double eta = 10 * Math.Exp(-0.3 * t), r = (0.1 * 0.1) + (0.05 * y * 0.05 * y), v = y - eta;
            ll += -0.5 * (Math.Log(2 * Math.PI * r) + (v * v / r));
            grad += v / r * (-t * eta);
        }

        Assert.Equal(3, result.MeasurementCount);
        Assert.Equal(ll, result.LogLikelihood, 1e-8);
        Assert.Equal(grad, result.Gradient[0], 1e-7);
    }

    [Theory]
    [MemberData(nameof(Points))]
    public void EulerMaruyamaGradient_CompleteData_MatchesCentralDifferences(string model, bool perturbed)
    {
        var (data, gp) = Setup(model);
        var theta = perturbed ? data.Perturbed : data.Nominal;
        var em = new EulerMaruyamaLikelihood(data.Model, gp);
        em.Validate(data.Complete, "complete");
        var scratch = new LikelihoodResult(gp.Length);
        AssertGradientMatches(
            $"Euler-Maruyama {model} {(perturbed ? "perturbed" : "nominal")}",
            gp,
            theta,
            r => em.Evaluate(data.Complete, theta, r),
            th =>
            {
                em.Evaluate(data.Complete, th, scratch);
                return scratch.LogLikelihood;
            });
    }

    [Theory]
    [InlineData("cho", 0.05)]
    [InlineData("michaelis-menten", 1e-4)]
    public void KalmanGradient_EulerLna_MatchesCentralDifferences(string model, double eulerStep)
    {
        var (data, gp) = Setup(model);
        var options = new LnaOptions { Integrator = LnaIntegrator.Euler, EulerStepHours = eulerStep };
        var withGradient = new KalmanLnaLikelihood(data.Model, gp, options);
        var valueOnly = new KalmanLnaLikelihood(data.Model, [], options);
        var empty = new LikelihoodResult(0);
        var theta = data.Perturbed;
        AssertGradientMatches(
            $"Kalman-LNA (Euler {eulerStep} h) {model}",
            gp,
            theta,
            r => withGradient.Evaluate(data.Partial, theta, data.Noise, r),
            th =>
            {
                valueOnly.Evaluate(data.Partial, th, data.Noise, empty);
                return empty.LogLikelihood;
            });
    }

    internal static void AssertGradientMatches(string what, int[] gp, double[] theta, Action<LikelihoodResult> evaluate, Func<double[], double> value)
    {
        var result = new LikelihoodResult(gp.Length);
        evaluate(result);
        Assert.True(double.IsFinite(result.LogLikelihood), $"{what}: ℓ = {result.LogLikelihood}");
        var failures = new List<string>();
        double worst = 0;
        for (int k = 0; k < gp.Length; k++)
        {
            double h = FdRelativeStep * Math.Abs(theta[gp[k]]);
            var plus = (double[])theta.Clone();
            var minus = (double[])theta.Clone();
            plus[gp[k]] += h;
            minus[gp[k]] -= h;
            double fd = (value(plus) - value(minus)) / (2 * h);
            double rel = Math.Abs(result.Gradient[k] - fd) / Math.Abs(fd);
            worst = Math.Max(worst, rel);
            if (!(rel < RelTol))
            {
                failures.Add($"θ[{gp[k]}]: analytic {result.Gradient[k]:G10}, central difference {fd:G10}, relative error {rel:G3}");
            }
        }

        Assert.True(failures.Count == 0, $"{what} (ℓ = {result.LogLikelihood:G8}, worst relative error {worst:G3}):{Environment.NewLine}{string.Join(Environment.NewLine, failures)}");
    }
}
