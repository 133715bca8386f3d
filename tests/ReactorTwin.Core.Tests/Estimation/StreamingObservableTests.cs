using ReactorTwin.Core.Estimation;
using ReactorTwin.Core.Inference;
using ReactorTwin.Core.Models;

namespace ReactorTwin.Core.Tests.Estimation;

/// <summary>
/// The live twin's posterior with observables and estimated initial values. A culture read as OD600 = X/0.37 (an
/// instrument's reading, not a state) must be filtered exactly as the same culture read as X = 0.37·OD600 with the
/// noise scaled alike: the same filtered state, the same online estimate, log predictive densities apart by log 0.37
/// (a change of variables), with and without the online posterior. A batch whose inoculum is a parameter starts from
/// θ̂'s value, and the online posterior learns it from the readings (its sensitivity is seeded at t = 0).
/// </summary>
public sealed class StreamingObservableTests
{
    private const double Yield = 0.37;

    private const string Json = """
        {
          "name": "growth-od",
          "systemSize": 200,
          "species": [ { "name": "S", "unit": "g/L", "initial": 10 } ],
          "cellPhases": [ { "name": "X", "unit": "g/L", "initial": "X0" } ],
          "parameters": [
            { "name": "mu", "value": 0.3, "lower": 0.01, "upper": 2, "prior": { "kind": "lognormal", "median": 0.3, "sdLog": 0.5 } },
            { "name": "K", "value": 1.0, "lower": 0.01, "upper": 10, "estimate": false },
            { "name": "X0", "value": 0.2, "lower": 0.001, "upper": 5, "unit": "g/L", "prior": { "kind": "lognormal", "median": 0.2, "sdLog": 0.7 } }
          ],
          "reactions": [ { "name": "uptake", "stoichiometry": { "S": -2, "X": 1 }, "rate": "mu*S/(K+S)*X" } ],
          "observables": [ { "name": "OD600", "formula": "X/0.37", "unit": "AU" } ]
        }
        """;

    private static readonly (double Time, double X)[] Readings = [(0.0, 0.36), (1, 0.46), (2, 0.64), (3, 0.83), (4, 1.12), (6, 1.98)];

    private static StreamingPosterior Posterior(ReactionNetwork model, bool online, double sdX)
    {
        var space = new ParameterSpace(model);
        var noise = MeasurementNoise.ForModel(model).SetAbsolute(model.IndexOfState("X"), sdX).SetAbsolute(model.IndexOfChannel("OD600"), sdX / Yield).SetAbsolute(0, 0.1);
        return new StreamingPosterior(space, d => new KalmanLnaDataLikelihood(new KalmanLnaLikelihood(model, space.Indices), d, noise), noise, new StreamingOptions
        {
            OnlinePosterior = online,
            Priors = ModelPriors.For(space),
        });
    }

    [Fact]
    public void An_observable_at_t_0_is_a_reading_with_the_closed_form_density()
    {
        // At t = 0 the state is known (S measured, X = X0 = 0.2 from θ̂, Ψ = 0), so the OD600 reading's predictive
        // density is N(0.2/0.37, (0.02/0.37)²), and conditioning on it cannot move a state with no variance.
        var model = ModelJson.Parse(Json, "growth-od.json");
        var twin = Posterior(model, online: false, 0.02);
        Assert.Equal(0, twin.AddMeasurement("b1", 0, "S", 10)); // a state at t = 0: the initial value
        double od = 0.36 / Yield, sd = 0.02 / Yield, mean = 0.2 / Yield;
        double lp = twin.AddMeasurement("b1", 0, "OD600", od);
        double expected = (-0.5 * Math.Log(2 * Math.PI * sd * sd)) - (0.5 * ((od - mean) / sd) * ((od - mean) / sd));
        Assert.True(Math.Abs(expected - lp) <= 1e-7, $"{lp} vs the closed form {expected}"); // the filter's 1e−12 variance floor: ~1e−8
        Assert.Equal(0.2, twin.Filtered.Mean[1], 12);
        Assert.Equal(10, twin.Filtered.Mean[0], 12);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void After_t_0_an_observable_reading_equals_the_state_reading_under_the_change_of_variables(bool online)
    {
        var model = ModelJson.Parse(Json, "growth-od.json");
        var byState = Posterior(model, online, 0.02);
        var byObservable = Posterior(model, online, 0.02);
        foreach (var p in new[] { byState, byObservable })
        {
            p.AddMeasurement("b1", 0, "S", 10);
            p.AddMeasurement("b1", 0, "X", 0.36);
        }

        foreach (var (t, x) in Readings.Skip(1))
        {
            double lpState = byState.AddMeasurement("b1", t, "X", x);
            double lpObservable = byObservable.AddMeasurement("b1", t, "OD600", x / Yield);
            Assert.True(Math.Abs(lpState + Math.Log(Yield) - lpObservable) <= 1e-7, $"t = {t}: {lpObservable} vs {lpState + Math.Log(Yield)}"); // p_OD(od) = p_X(0.37 od) · 0.37, up to the 1e−12 variance floor
            for (int i = 0; i < 2; i++)
            {
                Assert.Equal(byState.Filtered.Mean[i], byObservable.Filtered.Mean[i], 8);
                Assert.Equal(byState.Filtered.Covariance[(i * 2) + i], byObservable.Filtered.Covariance[(i * 2) + i], 10);
            }

            for (int j = 0; j < byState.Estimate.Length; j++)
            {
                Assert.Equal(byState.Estimate[j], byObservable.Estimate[j], 8);
            }
        }

        if (online)
        {
            Assert.True(Math.Abs(byState.Estimate[0] - Math.Log(0.3)) > 1e-3, "the online posterior moved μ: the comparison is not vacuous");
        }
    }

    [Fact]
    public void A_parameter_initial_value_starts_the_batch_at_the_estimate_and_is_learnt_online()
    {
        var model = ModelJson.Parse(Json, "growth-od.json");
        var space = new ParameterSpace(model, [0.3, 1.0, 0.5]);
        var noise = MeasurementNoise.ForModel(model).SetAbsolute(1, 0.02).SetAbsolute(2, 0.02 / Yield);
        var fixedTwin = new StreamingPosterior(space, d => new KalmanLnaDataLikelihood(new KalmanLnaLikelihood(model, space.Indices), d, noise), noise);
        fixedTwin.AddMeasurement("b1", 0, "S", 10);
        var start = fixedTwin.CreateState();
        fixedTwin.Predict(0, start);
        Assert.Equal(0.5, start.Mean[1], 12); // θ̂'s X0, not the model file's 0.2

        var learning = Posterior(model, online: true, 0.02); // prior median X0 = 0.2; the culture started at 0.36
        learning.AddMeasurement("b1", 0, "S", 10);
        foreach (var (t, x) in Readings.Skip(1))
        {
            learning.AddMeasurement("b1", t, "OD600", x / Yield);
        }

        // Without the seeded ∂z(0)/∂X0 the readings carry no information on X0 and it would stay at 0.2 exactly; the
        // Fisher steps are capped per reading (and μ takes part of the misfit), so five readings move it part-way.
        double x0 = Math.Exp(learning.Estimate[1]);
        Assert.True(x0 > 0.2 + (0.2 * (0.36 - 0.2)) && x0 < 0.36 + 0.05, $"online X0 = {x0:G4}: it should have moved from the prior's 0.2 towards the culture's 0.36");
    }

    [Fact]
    public void An_unknown_channel_is_refused_by_name()
    {
        var model = ModelJson.Parse(Json, "growth-od.json");
        var e = Assert.Throws<ArgumentException>(() => Posterior(model, false, 0.02).AddMeasurement("b1", 1, "OD660", 1));
        Assert.Contains("'OD660' is not a species, cell phase or observable of model 'growth-od'", e.Message, StringComparison.Ordinal);
    }
}
