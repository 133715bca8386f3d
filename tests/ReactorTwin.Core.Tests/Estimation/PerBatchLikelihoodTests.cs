using ReactorTwin.Core.Estimation;
using ReactorTwin.Core.Inference;
using ReactorTwin.Core.Lna;
using ReactorTwin.Core.Models;
using ReactorTwin.Core.Numerics;
using ReactorTwin.Core.Tests.Lna;
using ReactorTwin.Core.Tests.Numerics;

namespace ReactorTwin.Core.Tests.Estimation;

/// <summary>
/// Per-batch parameters: three batches of a growth culture whose inoculum X0 differs between them while μ and K are
/// shared. The per-batch likelihood must equal the sum of the batches evaluated one by one with their own X0 (an
/// independent assembly), its gradient must match central differences, and the model file and parameter space must
/// carry the copies.
/// </summary>
public class PerBatchLikelihoodTests
{
    private const string Json = """
        {
          "name": "growth-x0",
          "systemSize": 80,
          "species": [ { "name": "S", "unit": "g/L", "initial": 10 } ],
          "cellPhases": [ { "name": "X", "unit": "g/L", "initial": "X0" } ],
          "parameters": [
            { "name": "mu", "value": 0.3, "lower": 0.01, "upper": 2 },
            { "name": "K", "value": 1.0, "lower": 0.01, "upper": 10 },
            { "name": "X0", "value": 0.2, "lower": 0.001, "upper": 5, "unit": "g/L", "perBatch": true }
          ],
          "reactions": [ { "name": "uptake", "stoichiometry": { "S": -2, "X": 1 }, "rate": "mu*S/(K+S)*X" } ]
        }
        """;

    private static readonly string[] Ids = ["b1", "b2", "b3"];
    private static readonly double[] X0 = [0.15, 0.35, 0.6];

    private static ReactionNetwork Model => ModelJson.Parse(Json, "growth-x0.json");

    private static Batch BatchOf(int b) => new(Ids[b], [10, 0.2], [0],
        [new ObservationTime(2, [0, 1], [9.1 - b, 0.62 + (0.3 * b)]), new ObservationTime(5, [0, 1], [6.0 - b, 2.1 + b]), new ObservationTime(8, [1], [4.4 + b])]);

    private static ObservationSet Data(ReactionNetwork model) => ObservationSet.FromBatches(model, [BatchOf(0), BatchOf(1), BatchOf(2)]);

    private static MeasurementNoise Noise(ReactionNetwork model) => MeasurementNoise.ForModel(model).SetAbsolute(0, 0.2).SetAbsolute(1, 0.05);

    private static Func<ObservationSet, IReadOnlyList<int>, IDataLikelihood> Inner(string kind, ReactionNetwork model) => kind == "kalman"
        ? (d, k) => new KalmanLnaDataLikelihood(new KalmanLnaLikelihood(model, k, LnaTestSupport.Tight), d, Noise(model))
        : (d, k) => new OdeDataLikelihood(new OdeLikelihood(model, k, new OdeOptions { RelativeTolerance = 1e-11, AbsoluteTolerance = 1e-13 }), d, Noise(model));

    /// <summary>θ⁺ = (μ, K, X0 (unused), X0@b1, X0@b2, X0@b3).</summary>
    private static double[] Extended(BatchParameterLayout layout)
    {
        var theta = layout.Extend([0.3, 1.0, 0.2]);
        for (int b = 0; b < 3; b++)
        {
            theta[layout.CopyIndex(0, b)] = X0[b];
        }

        return theta;
    }

    [Fact]
    public void The_layout_names_one_copy_per_batch_and_the_space_estimates_the_copies_not_the_parameter()
    {
        var model = Model;
        Assert.True(model.Parameters[2].PerBatch);
        Assert.True(ModelJson.Parse(ModelJson.Write(model), "again.json").Parameters[2].PerBatch);
        var layout = BatchParameterLayout.ForModel(model, Ids);
        Assert.Equal(["mu", "K", "X0", "X0@b1", "X0@b2", "X0@b3"], layout.Parameters.Select(p => p.Name));
        Assert.Equal((2, 1), layout.Source(layout.CopyIndex(0, 1)));
        var space = new ParameterSpace(model, layout.Parameters, Extended(layout));
        Assert.True(space.ExtendsModel);
        Assert.Equal(["mu", "K", "X0@b1", "X0@b2", "X0@b3"], space.Names);
        Assert.All(space.Indices.Skip(2), k => Assert.Equal((model.Parameters[2].Lower, model.Parameters[2].Upper), (layout.Parameters[k].Lower, layout.Parameters[k].Upper)));
        var theta = new double[3];
        layout.ForBatch(Extended(layout), 2, theta);
        Assert.Equal([0.3, 1.0, 0.6], theta);
        Assert.Throws<ArgumentException>(() => new ParametricBootstrapProbe(space).Run());
    }

    [Theory]
    [InlineData("kalman")]
    [InlineData("ode")]
    public void The_value_and_gradient_are_the_batches_evaluated_one_by_one_with_their_own_values(string kind)
    {
        var model = Model;
        var data = Data(model);
        var layout = BatchParameterLayout.ForModel(model, Ids);
        int[] gradient = [0, 1, 3, 4, 5];
        var perBatch = new PerBatchLikelihood(layout, data, gradient, Inner(kind, model));
        var result = new LikelihoodResult(gradient.Length);
        perBatch.Evaluate(Extended(layout), result);

        double expected = 0;
        var expectedGradient = new double[gradient.Length];
        for (int b = 0; b < 3; b++)
        {
            var single = Inner(kind, model)(ObservationSet.FromBatches(model, [BatchOf(b)]), [0, 1, 2]);
            var r = new LikelihoodResult(3);
            single.Evaluate([0.3, 1.0, X0[b]], r);
            expected += r.LogLikelihood;
            expectedGradient[0] += r.Gradient[0];
            expectedGradient[1] += r.Gradient[1];
            expectedGradient[2 + b] = r.Gradient[2];
        }

        Assert.Equal(expected, result.LogLikelihood, 12);
        for (int j = 0; j < gradient.Length; j++)
        {
            Assert.True(Math.Abs(expectedGradient[j] - result.Gradient[j]) <= 1e-12 * Math.Max(1, Math.Abs(expectedGradient[j])), $"component {j}: {result.Gradient[j]} vs {expectedGradient[j]}");
        }

        Assert.Equal(15, result.MeasurementCount);
        Assert.True(Math.Abs(result.Gradient[2] - result.Gradient[4]) > 1, "the three inocula pull differently on the data");
    }

    [Theory]
    [InlineData("kalman")]
    [InlineData("ode")]
    public void The_gradient_matches_central_differences(string kind)
    {
        var model = Model;
        var layout = BatchParameterLayout.ForModel(model, Ids);
        int[] gradient = [0, 1, 3, 4, 5];
        var likelihood = new PerBatchLikelihood(layout, Data(model), gradient, Inner(kind, model));
        var theta = Extended(layout);
        var result = new LikelihoodResult(gradient.Length);
        likelihood.Evaluate(theta, result);
        for (int j = 0; j < gradient.Length; j++)
        {
            int k = gradient[j];
            double h = 1e-5 * theta[k];
            var plus = (double[])theta.Clone();
            var minus = (double[])theta.Clone();
            plus[k] += h;
            minus[k] -= h;
            var rp = new LikelihoodResult(gradient.Length);
            var rm = new LikelihoodResult(gradient.Length);
            likelihood.Evaluate(plus, rp);
            likelihood.Evaluate(minus, rm);
            double fd = (rp.LogLikelihood - rm.LogLikelihood) / (2 * h);
            Assert.True(Math.Abs(fd - result.Gradient[j]) <= 1e-5 * Math.Max(1, Math.Abs(fd)), $"{kind} ∂ℓ/∂{layout.Parameters[k].Name}: exact {result.Gradient[j]:G10}, central difference {fd:G10}");
        }
    }

    [Fact]
    public void An_evaluation_allocates_nothing()
    {
        var model = Model;
        var layout = BatchParameterLayout.ForModel(model, Ids);
        int[] gradient = [0, 1, 3, 4, 5];
        var likelihood = new PerBatchLikelihood(layout, Data(model), gradient, Inner("ode", model));
        var theta = Extended(layout);
        var result = new LikelihoodResult(gradient.Length);
        Assert.Equal(0, AllocationTests.AllocatedInSteadyState(() => likelihood.Evaluate(theta, result)));
    }

    [Fact]
    public void Estimating_the_shared_entry_of_a_per_batch_parameter_or_other_batches_is_refused()
    {
        var model = Model;
        var layout = BatchParameterLayout.ForModel(model, Ids);
        var e = Assert.Throws<ArgumentException>(() => new PerBatchLikelihood(layout, Data(model), [0, 2], Inner("ode", model)));
        Assert.Contains("'X0' has one value per batch; estimate its copies (X0@b1, …)", e.Message, StringComparison.Ordinal);
        var other = BatchParameterLayout.ForModel(model, ["b1", "b2"]);
        e = Assert.Throws<ArgumentException>(() => new PerBatchLikelihood(other, Data(model), [0], Inner("ode", model)));
        Assert.Contains("the data's batches (b1, b2, b3) are not the layout's (b1, b2)", e.Message, StringComparison.Ordinal);
    }

    /// <summary>Calls the bootstrap, which must refuse a space with per-batch copies.</summary>
    private sealed class ParametricBootstrapProbe(ParameterSpace space)
    {
        public void Run() => ParametricBootstrap.Run(space, space.BaseUnconstrained(), Data(space.Model), _ => throw new InvalidOperationException("not reached"));
    }
}
