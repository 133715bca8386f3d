using ReactorTwin.Core.Inference;
using ReactorTwin.Core.Lna;
using ReactorTwin.Core.Models;
using ReactorTwin.Core.Numerics;
using ReactorTwin.Core.Tests.Lna;
using Xunit.Abstractions;

namespace ReactorTwin.Core.Tests.Numerics;

/// <summary>
/// Likelihood sensitivities through the implicit (stiff) path equal central finite differences of the likelihood
/// values to 1e−5 relative (the same check and step as <see cref="LnaGradientTests"/>): on the stiff Millard model
/// with the real 1 mM batch, and on the CHO model with the implicit method forced. Tolerances rtol 1e−10: the
/// integration error of one likelihood value (~1e−10·|ℓ|) divided by the difference step (1e−5·θ) stays well
/// below the 1e−5 asserted.
/// </summary>
public class StiffSensitivityTests(ITestOutputHelper output)
{
    private static readonly OdeOptions TightImplicit = new() { RelativeTolerance = 1e-10, AbsoluteTolerance = 1e-13, Method = OdeMethod.Implicit };
    private static readonly OdeOptions TightAuto = new() { RelativeTolerance = 1e-10, AbsoluteTolerance = 1e-13 };

    /// <summary>The 1 mM acetate batch of Enjalbert et al. (2017): glucose, external acetate, biomass.</summary>
    internal static (ObservationSet Data, MeasurementNoise Noise) MillardBatch(ReactionNetwork model)
    {
        double[] times = [0.75, 1.25, 1.58, 1.92, 2.25, 2.58, 2.92, 3.25, 3.58, 3.92, 4.25];
        double[] glc = [11.9168, 11.9826666666667, 11.2482666666667, 10.5389333333333, 10.0416, 9.09706666666667, 7.84106666666667, 6.57813333333333, 5.30506666666667, 3.43946666666667, 1.42053333333333];
        double[] ace = [1.21777777777778, 1.45604444444444, 1.61364444444444, 1.84195555555556, 2.09435555555556, 2.34062222222222, 2.54257777777777, 2.87071111111111, 3.21031111111111, 3.45235555555556, 3.82533333333334];
        double[] x = [0.10374, 0.1406, 0.17138, 0.21888, 0.26828, 0.3268, 0.38228, 0.5016, 0.6384, 0.7486, 0.912];
        var rows = new List<DataRow>();
        for (int i = 0; i < model.StateDimension; i++)
        {
            rows.Add(new DataRow("1mM", 0, model.StateNames[i], MillardModel.Initial[i]));
        }

        for (int j = 0; j < times.Length; j++)
        {
            rows.Add(new DataRow("1mM", times[j], "Glc", glc[j]));
            rows.Add(new DataRow("1mM", times[j], "Ace_out", ace[j]));
            rows.Add(new DataRow("1mM", times[j], "X", x[j]));
        }

        // Measurement SDs 0.5 mM for glucose and acetate, 0.02 g/L for biomass.
        var noise = new MeasurementNoise(model.StateDimension) { FloorVariance = 0 };
        noise.SetAbsolute(model.IndexOfState("Glc"), 0.5).SetAbsolute(model.IndexOfState("Ace_out"), 0.5).SetAbsolute(model.IndexOfState("X"), 0.02);
        return (ObservationSet.FromRows(model, rows, "millard 1mM"), noise);
    }

    private static int[] MillardGradientParameters(ReactionNetwork model) =>
        [.. new[] { "glc_upt_V", "glc_upt_Ki", "r_sink_Vmax", "r_sink_Km", "r_sink_Ki", "Y", "r_TRP_Km", "r_TRP_Vmax" }.Select(model.IndexOfParameter)];

    [Theory]
    [InlineData(OdeMethod.Implicit)]
    [InlineData(OdeMethod.Auto)]
    public void OdeLikelihoodGradient_Millard_MatchesCentralDifferences(OdeMethod method)
    {
        var model = MillardModel.Load();
        var (data, noise) = MillardBatch(model);
        var gp = MillardGradientParameters(model);
        var options = method == OdeMethod.Implicit ? TightImplicit : TightAuto;
        var withGradient = new OdeLikelihood(model, gp, options);
        var valueOnly = new OdeLikelihood(model, [], options);
        var theta = model.NominalParameters();
        var empty = new LikelihoodResult(0);
        LnaGradientTests.AssertGradientMatches(
            $"ODE Millard {method}",
            gp,
            theta,
            r =>
            {
                withGradient.Evaluate(data, theta, noise, r);
                output.WriteLine($"ℓ = {r.LogLikelihood:R}, ∂ℓ/∂θ = {string.Join(", ", r.Gradient.Select(g => g.ToString("G6")))}");
            },
            th =>
            {
                valueOnly.Evaluate(data, th, noise, empty);
                return empty.LogLikelihood;
            });
    }

    [Theory]
    [InlineData("cho", OdeMethod.Implicit)]
    [InlineData("michaelis-menten", OdeMethod.Implicit)]
    [InlineData("michaelis-menten", OdeMethod.Auto)]
    public void OdeLikelihoodGradient_ImplicitOrAuto_MatchesCentralDifferences(string model, OdeMethod method)
    {
        var (data, gp) = LnaGradientTests.Setup(model);
        var options = method == OdeMethod.Implicit ? TightImplicit : TightAuto;
        var withGradient = new OdeLikelihood(data.Model, gp, options);
        var valueOnly = new OdeLikelihood(data.Model, [], options);
        var empty = new LikelihoodResult(0);
        LnaGradientTests.AssertGradientMatches(
            $"ODE {model} {method}",
            gp,
            data.Perturbed,
            r => withGradient.Evaluate(data.Partial, data.Perturbed, data.Noise, r),
            th =>
            {
                valueOnly.Evaluate(data.Partial, th, data.Noise, empty);
                return empty.LogLikelihood;
            });
    }

    [Theory]
    [InlineData("cho", OdeMethod.Implicit, LnaGradientMethod.Adjoint)]
    [InlineData("cho", OdeMethod.Implicit, LnaGradientMethod.Forward)]
    [InlineData("michaelis-menten", OdeMethod.Implicit, LnaGradientMethod.Adjoint)]
    [InlineData("michaelis-menten", OdeMethod.Implicit, LnaGradientMethod.Forward)]
    [InlineData("michaelis-menten", OdeMethod.Auto, LnaGradientMethod.Adjoint)]
    public void KalmanLnaGradient_ImplicitOrAuto_MatchesCentralDifferences(string model, OdeMethod method, LnaGradientMethod gradient)
    {
        // The adjoint reverses the implicit stages (transposed stage solves); the forward sensitivities are solved
        // with each stage's factorisations (staggered direct). Both must equal central differences.
        var (data, gp) = LnaGradientTests.Setup(model);
        var options = new LnaOptions { Tolerances = method == OdeMethod.Implicit ? TightImplicit : TightAuto, Gradient = gradient };
        var withGradient = new KalmanLnaLikelihood(data.Model, gp, options);
        var valueOnly = new KalmanLnaLikelihood(data.Model, [], options);
        var empty = new LikelihoodResult(0);
        LnaGradientTests.AssertGradientMatches(
            $"Kalman-LNA {model} {method} {gradient}",
            gp,
            data.Perturbed,
            r => withGradient.Evaluate(data.Partial, data.Perturbed, data.Noise, r),
            th =>
            {
                valueOnly.Evaluate(data.Partial, th, data.Noise, empty);
                return empty.LogLikelihood;
            });
    }

    [Fact]
    public void KalmanLnaGradient_Millard_MatchesCentralDifferences()
    {
        // The stiff LNA: 6 means, 21 packed covariances and 8 sensitivities of each (216 components); system size
        // 1e4 so that the intrinsic noise is of the order of the measurement noise.
        var model = MillardModel.Load();
        var (data, noise) = MillardBatch(model);
        var gp = MillardGradientParameters(model);
        var options = new LnaOptions { Tolerances = TightAuto, SystemSize = 1e4 };
        var withGradient = new KalmanLnaLikelihood(model, gp, options);
        var valueOnly = new KalmanLnaLikelihood(model, [], options);
        var theta = model.NominalParameters();
        var empty = new LikelihoodResult(0);
        LnaGradientTests.AssertGradientMatches(
            "Kalman-LNA Millard",
            gp,
            theta,
            r => withGradient.Evaluate(data, theta, noise, r),
            th =>
            {
                valueOnly.Evaluate(data, th, noise, empty);
                return empty.LogLikelihood;
            });
        Assert.True(withGradient.Propagator.ImplicitSteps > withGradient.Propagator.AcceptedSteps / 2, $"{withGradient.Propagator.ImplicitSteps} of {withGradient.Propagator.AcceptedSteps} steps implicit");
    }

    [Theory]
    [InlineData("cho")]
    [InlineData("michaelis-menten")]
    public void KalmanLnaGradient_AdjointEqualsForwardSensitivities(string model)
    {
        // Two exact derivatives of two slightly different computations (the forward one integrates the sensitivities
        // with the moments, under error control): at rtol 1e-10 they agree to 1e-7 relative (observed ≤ 1e-8).
        var (data, gp) = LnaGradientTests.Setup(model);
        var adjoint = new KalmanLnaLikelihood(data.Model, gp, new LnaOptions { Tolerances = TightAuto });
        var forward = new KalmanLnaLikelihood(data.Model, gp, new LnaOptions { Tolerances = TightAuto, Gradient = LnaGradientMethod.Forward });
        Assert.True(adjoint.UsesAdjoint);
        Assert.False(forward.UsesAdjoint);
        var a = new LikelihoodResult(gp.Length);
        var f = new LikelihoodResult(gp.Length);
        adjoint.Evaluate(data.Partial, data.Perturbed, data.Noise, a);
        forward.Evaluate(data.Partial, data.Perturbed, data.Noise, f);
        Assert.Equal(f.LogLikelihood, a.LogLikelihood, 1e-9 * Math.Abs(f.LogLikelihood));
        for (int k = 0; k < gp.Length; k++)
        {
            Assert.True(Math.Abs(a.Gradient[k] - f.Gradient[k]) <= 1e-7 * Math.Abs(f.Gradient[k]), $"θ[{gp[k]}]: adjoint {a.Gradient[k]:R}, forward {f.Gradient[k]:R}");
        }
    }

    [Fact]
    public void KalmanLna_ChoBatch_StaysOnTheExplicitMethod()
    {
        var (data, gp) = LnaGradientTests.Setup("cho");
        var likelihood = new KalmanLnaLikelihood(data.Model, gp);
        likelihood.Evaluate(data.Partial, data.Nominal, data.Noise, new LikelihoodResult(gp.Length));
        Assert.True(likelihood.Propagator.AcceptedSteps > 0);
        Assert.Equal(0, likelihood.Propagator.ImplicitSteps);
    }
}
