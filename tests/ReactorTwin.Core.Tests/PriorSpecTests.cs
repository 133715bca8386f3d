using ReactorTwin.Core.Estimation;
using ReactorTwin.Core.Models;

namespace ReactorTwin.Core.Tests;

public sealed class PriorSpecTests
{
    private const string Source = "models/prior.json";

    private static string Model(string prior, bool logScale = true) => $$"""
        {
          "name": "p",
          "species": [ { "name": "A", "unit": "mM", "initial": 1 } ],
          "parameters": [
            { "name": "k", "value": 1, "lower": 0.01, "upper": 100, "logScale": {{(logScale ? "true" : "false")}}{{(prior.Length > 0 ? ", \"prior\": " + prior : "")}} }
          ],
          "reactions": [ { "name": "decay", "stoichiometry": { "A": -1 }, "rate": "k*A" } ]
        }
        """;

    [Theory]
    [InlineData("""{ "kind": "lognormal", "median": 2, "sdLog": 0.5 }""", PriorKind.LogNormal, 2, 0.5)]
    [InlineData("""{ "kind": "uniform" }""", PriorKind.Uniform, double.NaN, double.NaN)]
    public void Parse_StatedPrior_IsKeptAndWrittenBack(string json, PriorKind kind, double center, double scale)
    {
        var model = ModelJson.Parse(Model(json), Source);
        var prior = model.Parameters[0].Prior!;
        Assert.Equal(kind, prior.Kind);
        Assert.Equal(center, prior.Center);
        Assert.Equal(scale, prior.Scale);
        Assert.Equal(prior, ModelJson.Parse(ModelJson.Write(model), "round-trip").Parameters[0].Prior);
    }

    [Fact]
    public void NoPriorStated_WeaklyInformativeDefault_PutsTheBoundsTwoSdOut()
    {
        var p = ModelJson.Parse(Model(""), Source).Parameters[0];
        Assert.Null(p.Prior);
        Assert.Equal(PriorKind.LogNormal, p.EffectivePrior.Kind);
        Assert.Equal(1, p.EffectivePrior.Center);
        Assert.Equal(Math.Log(100 / 0.01) / 4, p.EffectivePrior.Scale, 1e-15); // log bounds at ±2 sd of the median 1
        var linear = ModelJson.Parse(Model("", logScale: false), Source).Parameters[0];
        Assert.Equal(PriorSpec.Normal(1, (100 - 0.01) / 4), linear.EffectivePrior);
    }

    [Theory]
    [InlineData("""{ "kind": "lognormal", "median": 500, "sdLog": 0.5 }""", true, "median 500 must be a number within the bounds")]
    [InlineData("""{ "kind": "lognormal", "median": 2, "sdLog": 0 }""", true, "sdLog must be a number > 0")]
    [InlineData("""{ "kind": "lognormal", "median": 2, "sdLog": 0.5 }""", false, "give it a normal prior, or set logScale")]
    [InlineData("""{ "kind": "beta" }""", true, "unknown prior kind 'beta'")]
    [InlineData("""{ "kind": "normal", "mean": 2 }""", true, "sd")]
    [InlineData("""{ "kind": "normal", "mean": 2, "sd": 1, "shape": 3 }""", true, "shape")]
    [InlineData("""3""", true, "a prior must be an object")]
    public void Parse_BadPrior_NamesTheParameterAndWhatIsWrong(string json, bool logScale, string message)
    {
        var ex = Assert.Throws<ModelDefinitionException>(() => ModelJson.Parse(Model(json, logScale), Source));
        Assert.Contains(ex.Errors, e => e.Path.StartsWith("$.parameters[0]", StringComparison.Ordinal) && e.Message.Contains(message, StringComparison.Ordinal));
    }

    [Fact]
    public void ModelPriors_MapEachFamilyToItsDensityOnU()
    {
        var b = ReactionNetwork.CreateBuilder("m").AddSpecies("A", "mM", 1);
        b.AddParameter("a", 2, 0.02, 200, "", PriorSpec.LogNormal(2, 0.5));
        b.AddParameter(new Parameter("c", 1, -5, 5, LogScale: false, Prior: PriorSpec.Normal(1, 2)));
        b.AddParameter("d", 1, 0.1, 10, "", PriorSpec.Uniform);
        var model = b.AddReaction("r", new() { ["A"] = -1 }, "a*c*d*A").Build();
        var space = new ParameterSpace(model);
        var priors = ModelPriors.For(space);
        Assert.Equal(new LogNormalPrior(2, 0.5), priors[0]);
        Assert.Equal(new NormalPrior(1, 2), priors[1]);
        Assert.IsType<BoundedUniformPrior>(priors[2]);
        Assert.Equal([0.5, 2, Math.Log(100) / Math.Sqrt(12)], ModelPriors.ScalesInU(space));
        var overridden = ModelPriors.For(space, new Dictionary<string, PriorSpec> { ["a"] = PriorSpec.LogNormal(3, 0.1) });
        Assert.Equal(new LogNormalPrior(3, 0.1), overridden[0]);
    }
}
