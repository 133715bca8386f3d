using ReactorTwin.Core.Inference;
using ReactorTwin.Core.Lna;
using ReactorTwin.Core.Models;
using ReactorTwin.Core.Tests.Lna;

namespace ReactorTwin.Core.Tests.Inference;

/// <summary>
/// Initial values that are parameters (<c>"initial": "X0"</c>): the model file, and the Kalman–LNA and ODE likelihoods,
/// whose value must equal that of the same batch started from the measured value and whose gradient by X0 must match
/// central differences (the sensitivities start at ∂z(0)/∂X0 = e_X).
/// </summary>
public class ParameterInitialStateTests
{
    private static string Json(string xInitial, string x0Lower = "0.001") => $$"""
        {
          "name": "growth-x0",
          "systemSize": 80,
          "species": [ { "name": "S", "unit": "g/L", "initial": 10 } ],
          "cellPhases": [ { "name": "X", "unit": "g/L", "initial": {{xInitial}} } ],
          "parameters": [
            { "name": "mu", "value": 0.3, "lower": 0.01, "upper": 2 },
            { "name": "K", "value": 1.0, "lower": 0.01, "upper": 10 },
            { "name": "X0", "value": 0.2, "lower": {{x0Lower}}, "upper": 5, "unit": "g/L" }
          ],
          "reactions": [ { "name": "uptake", "stoichiometry": { "S": -2, "X": 1 }, "rate": "mu*S/(K+S)*X" } ]
        }
        """;

    private static readonly double[] Theta = [0.3, 1.0, 0.35];
    private static readonly int[] All = [0, 1, 2];

    private static ReactionNetwork Model => ModelJson.Parse(Json("\"X0\""), "growth-x0.json");

    /// <summary>S measured at 0 (known) and S, X later; X not at t = 0 unless <paramref name="x0"/> is given.</summary>
    private static ObservationSet Data(ReactionNetwork model, double? x0)
    {
        double[] z0 = [10, x0 ?? model.DefaultInitialState()[1]];
        int[] measured = x0 is null ? [0] : [0, 1];
        return ObservationSet.FromBatches(model, [new Batch("b1", z0, measured,
            [new ObservationTime(2, [0, 1], [9.1, 0.62]), new ObservationTime(5, [0, 1], [6.0, 2.1]), new ObservationTime(8, [1], [4.4])])]);
    }

    private static MeasurementNoise Noise(ReactionNetwork model) => MeasurementNoise.ForModel(model).SetAbsolute(0, 0.2).SetAbsolute(1, 0.05);

    private static (double Value, double[] Gradient) Evaluate(string kind, ReactionNetwork model, ObservationSet data, double[] theta)
    {
        var r = new LikelihoodResult(All.Length);
        if (kind == "kalman")
        {
            var k = new KalmanLnaLikelihood(model, All, LnaTestSupport.Tight);
            Assert.False(k.UsesAdjoint); // an initial value that is a parameter takes the forward recursion
            k.Evaluate(data, theta, Noise(model), r);
        }
        else
        {
            new OdeLikelihood(model, All, new ReactorTwin.Core.Numerics.OdeOptions { RelativeTolerance = 1e-11, AbsoluteTolerance = 1e-13 }).Evaluate(data, theta, Noise(model), r);
        }

        return (r.LogLikelihood, r.Gradient);
    }

    [Fact]
    public void The_model_file_names_a_parameter_as_initial_value_and_writes_it_back()
    {
        var model = Model;
        Assert.Equal([-1, 2], model.InitialStateParameters);
        Assert.True(model.HasParameterInitialValues);
        Assert.Equal([10, 0.2], model.DefaultInitialState());
        var again = ModelJson.Parse(ModelJson.Write(model), "again.json");
        Assert.Equal("X0", again.CellPhases[0].InitialParameter);
    }

    [Theory]
    [InlineData("\"Xstart\"", "0.001", "$.cellPhases[0].initial: the initial value of 'X' names 'Xstart', which is not a parameter of the model (mu, K, X0)")]
    [InlineData("\"X0\"", "-1", "$.cellPhases[0].initial: the initial value of 'X' is parameter 'X0', whose lower bound -1 is negative")]
    [InlineData("true", "0.001", "$.cellPhases[0].initial: 'initial' must be a number or the name of a parameter (to estimate it), not")]
    public void A_bad_initial_parameter_is_reported_with_its_path(string initial, string lower, string message)
    {
        var e = Assert.Throws<ModelDefinitionException>(() => ModelJson.Parse(Json(initial, lower), "bad.json"));
        Assert.Contains(message, e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("kalman")]
    [InlineData("ode")]
    public void The_likelihood_starts_from_the_parameter_as_if_it_had_been_measured(string kind)
    {
        var model = Model;
        var fromParameter = Evaluate(kind, model, Data(model, null), Theta);
        var measured = Evaluate(kind, model, Data(model, Theta[2]), Theta);
        Assert.Equal(measured.Value, fromParameter.Value, 7); // the X0 sensitivity joins the step control: ~1e−10 apart
        Assert.Equal(0, measured.Gradient[2]); // a batch that measures X at t = 0 does not depend on X0
        for (int k = 0; k < 2; k++)
        {
            Assert.True(Math.Abs(measured.Gradient[k] - fromParameter.Gradient[k]) <= 1e-8 * Math.Max(1, Math.Abs(measured.Gradient[k]))); // the same trajectory: the same ∂ℓ/∂μ, ∂ℓ/∂K
        }
    }

    [Theory]
    [InlineData("kalman")]
    [InlineData("ode")]
    public void The_gradient_by_the_initial_value_matches_central_differences(string kind)
    {
        var model = Model;
        var data = Data(model, null);
        var (_, gradient) = Evaluate(kind, model, data, Theta);
        Assert.True(Math.Abs(gradient[2]) > 1, $"∂ℓ/∂X0 = {gradient[2]} should be far from 0 at X0 = 0.35");
        for (int k = 0; k < Theta.Length; k++)
        {
            double h = 1e-5 * Theta[k];
            var plus = (double[])Theta.Clone();
            var minus = (double[])Theta.Clone();
            plus[k] += h;
            minus[k] -= h;
            double fd = (Evaluate(kind, model, data, plus).Value - Evaluate(kind, model, data, minus).Value) / (2 * h);
            Assert.True(Math.Abs(fd - gradient[k]) <= 1e-5 * Math.Max(1, Math.Abs(fd)), $"{kind} ∂ℓ/∂{model.Parameters[k].Name}: exact {gradient[k]:G10}, central difference {fd:G10}");
        }
    }
}
