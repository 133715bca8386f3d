using ReactorTwin.Core.Inference;
using ReactorTwin.Core.Lna;
using ReactorTwin.Core.Models;
using static ReactorTwin.Core.Tests.Simulation.EventModels;

namespace ReactorTwin.Core.Tests.Simulation;

/// <summary>
/// Sensitivities and likelihood gradients across events against central finite differences, and the Kalman–LNA
/// likelihood across a condition-triggered event against an independent scalar filter built from closed forms.
/// <para>Tolerances: central differences with step h = 1e−5·|θ_k| have truncation error O(h²) ≈ 1e−10 relative; the
/// integrator (rtol 1e−10, atol 1e−13) adds noise of order tol/h ≈ 1e−5 at worst to a difference quotient, so
/// sensitivities and gradients are compared to 2e−5 relative to the largest entry of the quantity compared.</para>
/// </summary>
public class EventSensitivityTests
{
    private const double Step = 1e-5, Tolerance = 2e-5;

    private static readonly LnaOptions TightLna = new() { Tolerances = Tight };

    /// <summary>The LNA mean and covariance at <paramref name="t"/> (no sensitivities).</summary>
    private static (double[] Mean, double[] Covariance) Lna(ReactionNetwork model, double[] theta, double t) => LnaPath(model, theta, [t])[0];

    /// <summary>|actual − expected| ≤ 2e−5 · max(scale, 1e−6): the floor for quantities that are 0 (∂Ψ_SS/∂μ, where the
    /// difference quotient is rounding noise ≈ 1e−12).</summary>
    private static void Close(double expected, double actual, double scale, string what) =>
        Assert.True(Math.Abs(actual - expected) <= Tolerance * Math.Max(scale, 1e-6), $"{what}: {actual:R} vs finite difference {expected:R} (scale {scale:G3})");

    /// <summary>Asserts the LNA's ∂η/∂θ and ∂Ψ/∂θ at each of <paramref name="times"/> against central differences of η and Ψ.</summary>
    private static void LnaSensitivitiesMatch(ReactionNetwork model, int[] sens, double[] times)
    {
        var theta = model.NominalParameters();
        int n = model.StateDimension;
        foreach (double t in times)
        {
            var lna = new LnaSolver(model, sens, TightLna);
            var state = lna.CreateState();
            state.Reset(model.DefaultInitialState());
            lna.Propagate(state, theta, 0, t);
            for (int k = 0; k < sens.Length; k++)
            {
                double h = Step * theta[sens[k]];
                var plus = (double[])theta.Clone();
                var minus = (double[])theta.Clone();
                plus[sens[k]] += h;
                minus[sens[k]] -= h;
                var (mp, cp) = Lna(model, plus, t);
                var (mm, cm) = Lna(model, minus, t);
                double meanScale = 0, covScale = 0;
                for (int i = 0; i < n; i++)
                {
                    meanScale = Math.Max(meanScale, Math.Abs((mp[i] - mm[i]) / (2 * h)));
                }

                for (int e = 0; e < n * n; e++)
                {
                    covScale = Math.Max(covScale, Math.Abs((cp[e] - cm[e]) / (2 * h)));
                }

                for (int i = 0; i < n; i++)
                {
                    Close((mp[i] - mm[i]) / (2 * h), state.MeanSensitivity[(k * n) + i], meanScale, $"∂η_{i}/∂{model.Parameters[sens[k]].Name} at {t} h");
                }

                for (int e = 0; e < n * n; e++)
                {
                    Close((cp[e] - cm[e]) / (2 * h), state.CovarianceSensitivity[(k * n * n) + e], covScale, $"∂Ψ[{e}]/∂{model.Parameters[sens[k]].Name} at {t} h");
                }
            }
        }
    }

    /// <summary>
    /// The diluting bolus: S⁺ = (S V + Sf dV)/(V + dV) depends on the parameters Sf and dV and (through V) on the state
    /// nonlinearly, so H_k = Σ_j ∂H/∂z_j η_k,j + ∂H/∂θ_k is non-zero in Ψ_k⁺ = H_k Ψ Hᵀ + H Ψ_k Hᵀ + H Ψ H_kᵀ.
    /// </summary>
    [Fact]
    public void Lna_TimeEventWithEstimableAssignment_MeanAndCovarianceSensitivitiesMatchCentralDifferences() =>
        LnaSensitivitiesMatch(DilutingBolus(), [0, 1, 2, 3], [4.0, 7.0]);

    /// <summary>
    /// The refeed: the firing time moves with k (through the state), low (through the trigger) and not with feed, and the
    /// saltation factor 1 + feed/low with feed and low, so every term of S_k (<c>LnaSystem.SaltationDerivative</c>) and the
    /// shifts Ψ̇⁻dτ_k, Ψ̇⁺dτ_k matter; after one firing (5 h) and two (9 h).
    /// </summary>
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Lna_ConditionEvent_MeanAndCovarianceSensitivitiesMatchCentralDifferences(bool leadingTimeEvent) =>
        LnaSensitivitiesMatch(Refeeding(leadingTimeEvent), [0, 1, 2], [5.0, 9.0]);

    [Fact]
    public void Lna_NonlinearConditionEventInSeveralStates_SensitivitiesMatchCentralDifferences()
    {
        var model = DilutingRefeed();
        var path = LnaPath(model, model.NominalParameters(), [3.9, 4.2]);
        Assert.True(path[1].Mean[2] > path[0].Mean[2], "the feed fired between 3.9 and 4.2 h");
        LnaSensitivitiesMatch(model, [0, 1, 2, 3, 4], [5.0, 10.0]); // after one firing (4.0 h) and two (8.2 h): V then depends on dV
    }

    /// <summary>Condition-triggered events whose saltation matrix reads the time: a trigger on t alone, a rate that
    /// ages with t, an assignment of t, and a trigger mixing t with two states. S_k is then a directional difference
    /// quotient (<c>LnaSystem.SaltationDerivativeByDifferences</c>); the LNA's sensitivities after the firings must
    /// still match central differences of the whole solution.</summary>
    [Theory]
    [InlineData("trigger-on-t")]
    [InlineData("ageing-rate")]
    [InlineData("assignment-of-t")]
    [InlineData("trigger-of-t-and-state")]
    public void Lna_ConditionEventThatReadsTheTime_SensitivitiesMatchCentralDifferences(string kind)
    {
        var model = TimeDependentEvent(kind);
        var sens = Enumerable.Range(0, model.Parameters.Count).ToArray();
        var after = Lna(model, model.NominalParameters(), 6.0);
        Assert.True(after.Mean[0] > (TriggerS0 * Math.Exp(-TriggerK * 6)) + 0.5, $"{kind}: the event fired before 6 h (S = {after.Mean[0]:G4})");
        LnaSensitivitiesMatch(model, sens, [6.0, 9.0]);
    }

    [Fact]
    public void KalmanLna_GradientAcrossAConditionEventWithAnAgeingRate_MatchesCentralDifferences()
    {
        var model = TimeDependentEvent("trigger-of-t-and-state");
        var theta = model.NominalParameters();
        var data = Data(model, RefeedData, RefeedOffsets, t => Lna(model, theta, t).Mean[0]);
        var noise = new MeasurementNoise(2).SetAbsolute(0, 0.05);
        int[] parameters = Enumerable.Range(0, model.Parameters.Count).ToArray();
        var likelihood = new KalmanLnaLikelihood(model, parameters, TightLna);
        GradientMatches((th, r) => likelihood.Evaluate(data, th, noise, r), theta, parameters, "Kalman–LNA, time-dependent trigger");
    }

    /// <summary>The refeed (S decays at rate k, S ← S + feed when S falls below low) made time-dependent four ways.</summary>
    private static ReactionNetwork TimeDependentEvent(string kind)
    {
        var b = ReactionNetwork.CreateBuilder(kind)
            .WithSystemSize(TriggerOmega)
            .AddSpecies("S", "mM", TriggerS0)
            .AddParameter("k", TriggerK, 0.01, 10)
            .AddParameter("feed", Refeed, 0.1, 100)
            .AddParameter("low", Threshold, 0.1, 5);
        return kind switch
        {
            "trigger-on-t" => b.AddParameter("at", 2.5, 0.1, 10).AddReaction("decay", new() { ["S"] = -1 }, "k*S").AddEvent("feed", "t > at", ("S", "S + feed")).Build(),
            "ageing-rate" => b.AddParameter("a", 0.1, 0.01, 1).AddReaction("decay", new() { ["S"] = -1 }, "k*S*(1 + a*t)").AddEvent("refeed", "S < low", ("S", "S + feed")).Build(),
            "assignment-of-t" => b.AddReaction("decay", new() { ["S"] = -1 }, "k*S").AddEvent("refeed", "S < low", ("S", "S + feed*(1 + 0.1*t)")).Build(),
            _ => b.AddSpecies("P", "mM", 0).AddParameter("d", 0.3, 0.01, 5)
                .AddReaction("convert", new() { ["S"] = -1, ["P"] = 1 }, "k*S*(1 + 0.05*t)")
                .AddReaction("loss", new() { ["P"] = -1 }, "d*P")
                .AddEvent("refeed", "S + 0.2*P < low + 0.1*t", ("S", "S + feed"), ("P", "0.8*P"))
                .Build(),
        };
    }

    /// <summary>One batch measuring S at <paramref name="times"/>, off the LNA mean by <paramref name="offsets"/>.</summary>
    private static ObservationSet Data(ReactionNetwork model, double[] times, double[] offsets, Func<double, double> mean)
    {
        var rows = new List<DataRow> { new("b1", 0, "S", model.DefaultInitialState()[0]) };
        for (int j = 0; j < times.Length; j++)
        {
            rows.Add(new DataRow("b1", times[j], "S", mean(times[j]) + offsets[j]));
        }

        return ObservationSet.FromRows(model, rows, "events.csv");
    }

    private static readonly double[] BolusData = [2, 5, 6, 8], BolusOffsets = [0.05, -0.1, 0.08, -0.03];
    private static readonly double[] RefeedData = [2, 3, 5, 6.5, 8, 9.5], RefeedOffsets = [0.02, -0.01, 0.015, -0.02, 0.01, 0.02];

    private static ObservationSet BolusObservations(ReactionNetwork model) => Data(model, BolusData, BolusOffsets, t => DilutingMoments(t).Mean);

    private static ObservationSet RefeedObservations(ReactionNetwork model) => Data(model, RefeedData, RefeedOffsets, t => RefeedingLna(t).Mean);

    /// <summary>Asserts ∇ℓ of <paramref name="evaluate"/> at θ against central differences of ℓ.</summary>
    private static void GradientMatches(Action<double[], LikelihoodResult> evaluate, double[] theta, int[] parameters, string what)
    {
        var result = new LikelihoodResult(parameters.Length);
        evaluate(theta, result);
        var fd = new double[parameters.Length];
        for (int k = 0; k < parameters.Length; k++)
        {
            double h = Step * theta[parameters[k]];
            var plus = (double[])theta.Clone();
            var minus = (double[])theta.Clone();
            plus[parameters[k]] += h;
            minus[parameters[k]] -= h;
            var rp = new LikelihoodResult(parameters.Length);
            var rm = new LikelihoodResult(parameters.Length);
            evaluate(plus, rp);
            evaluate(minus, rm);
            fd[k] = (rp.LogLikelihood - rm.LogLikelihood) / (2 * h);
        }

        double scale = fd.Max(Math.Abs);
        for (int k = 0; k < parameters.Length; k++)
        {
            Close(fd[k], result.Gradient[k], scale, $"{what} ∂ℓ/∂θ_{parameters[k]}");
        }
    }

    [Fact]
    public void OdeLikelihood_GradientAcrossATimeEvent_MatchesCentralDifferences()
    {
        var model = DilutingBolus();
        var data = BolusObservations(model);
        var noise = new MeasurementNoise(3).SetAbsolute(0, 0.1);
        int[] parameters = [0, 1, 2, 3];
        var likelihood = new OdeLikelihood(model, parameters, Tight);
        GradientMatches((theta, r) => likelihood.Evaluate(data, theta, noise, r), model.NominalParameters(), parameters, "ODE, time event");
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void OdeLikelihood_GradientAcrossConditionEvents_MatchesCentralDifferences(bool leadingTimeEvent)
    {
        // k moves the firing times through the state (∂g/∂z s⁻), low through ∂g/∂θ and feed through ∂h/∂θ: all three
        // need the shift (H f⁻ − f⁺) dτ/dθ of the sensitivities at the firing.
        var model = Refeeding(leadingTimeEvent);
        var data = RefeedObservations(model);
        var noise = new MeasurementNoise(1).SetAbsolute(0, 0.05);
        int[] parameters = [0, 1, 2];
        var likelihood = new OdeLikelihood(model, parameters, Tight);
        GradientMatches((theta, r) => likelihood.Evaluate(data, theta, noise, r), model.NominalParameters(), parameters, "ODE, condition events");
    }

    [Fact]
    public void KalmanLna_ForwardGradientAcrossATimeEvent_MatchesCentralDifferences()
    {
        var model = DilutingBolus();
        var data = BolusObservations(model);
        var noise = new MeasurementNoise(3).SetAbsolute(0, 0.1);
        int[] parameters = [0, 1, 2, 3];
        var likelihood = new KalmanLnaLikelihood(model, parameters, TightLna);
        Assert.False(likelihood.UsesAdjoint);
        GradientMatches((theta, r) => likelihood.Evaluate(data, theta, noise, r), model.NominalParameters(), parameters, "Kalman–LNA, time event");
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void KalmanLna_AcrossConditionEvents_EqualsAScalarFilterFromClosedForms(bool leadingTimeEvent)
    {
        // The filter on the mean: between readings the death-process moments (EventModels.Decay); the refeed fires when
        // the filtered mean reaches low, at τ = t + ln(m/low)/k, and scales the variance by the saltation (1 + feed/low)².
        var model = Refeeding(leadingTimeEvent);
        var data = RefeedObservations(model);
        const double sigma = 0.05;
        var noise = new MeasurementNoise(1).SetAbsolute(0, sigma);
        var result = new LikelihoodResult(0);
        new KalmanLnaLikelihood(model, [], TightLna).Evaluate(data, model.NominalParameters(), noise, result);

        double m = TriggerS0, p = 0, t = 0, expected = 0, r = (sigma * sigma) + noise.FloorVariance;
        for (int j = 0; j < RefeedData.Length; j++)
        {
            double tau = t + (Math.Log(m / Threshold) / TriggerK);
            while (tau < RefeedData[j])
            {
                (m, p) = Decay(m, p, TriggerK, TriggerOmega, tau - t);
                double salt = 1 + (Refeed / Threshold);
                (m, p, t) = (m + Refeed, salt * salt * p, tau);
                tau = t + (Math.Log(m / Threshold) / TriggerK);
            }

            (m, p) = Decay(m, p, TriggerK, TriggerOmega, RefeedData[j] - t);
            t = RefeedData[j];
            double y = RefeedingLna(t).Mean + RefeedOffsets[j], v = y - m, s = p + r;
            expected += -0.5 * (Math.Log(2 * Math.PI * s) + (v * v / s));
            (m, p) = (m + (p / s * v), p - (p * p / s));
        }

        Relative(expected, result.LogLikelihood, 1e-7, "Kalman–LNA log-likelihood");
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void KalmanLna_ForwardGradientAcrossConditionEvents_MatchesCentralDifferences(bool leadingTimeEvent)
    {
        var model = Refeeding(leadingTimeEvent);
        var data = RefeedObservations(model);
        var noise = new MeasurementNoise(1).SetAbsolute(0, 0.05);
        int[] parameters = [0, 1, 2];
        var likelihood = new KalmanLnaLikelihood(model, parameters, TightLna);
        GradientMatches((theta, r) => likelihood.Evaluate(data, theta, noise, r), model.NominalParameters(), parameters, "Kalman–LNA, condition events");
    }
}
