using System.Text.Json;
using ReactorTwin.Core.Models;

namespace ReactorTwin.Core.Tests;

/// <summary>The model file format: round trips, the built-in models' files against their C# definitions (the
/// malformed-file errors are in ModelJsonTests.Errors.cs).</summary>
public partial class ModelJsonTests
{
    public static TheoryData<string> BuiltInNames
    {
        get
        {
            var data = new TheoryData<string>();
            foreach (string name in BuiltInModels.Names)
            {
                data.Add(name);
            }

            return data;
        }
    }

    /// <summary>A small valid model using every construct; each test breaks one thing.</summary>
    private const string Valid = """
        {
          "name": "test",
          "systemSize": 10,
          "species": [
            { "name": "A", "unit": "mM", "initial": 1 },
            { "name": "B", "unit": "mM", "initial": 0 }
          ],
          "cellPhases": [
            { "name": "X0", "unit": "cells", "initial": 1 },
            { "name": "X1", "unit": "cells", "initial": 1 }
          ],
          "parameters": [
            { "name": "k", "value": 1, "lower": 0.1, "upper": 10 },
            { "name": "beta", "value": 0.2, "lower": 0.01, "upper": 1 }
          ],
          "reactions": [
            { "name": "conv", "stoichiometry": { "A": -1, "B": 1 }, "rate": "k*A" },
            { "name": "grow", "stoichiometry": { "B": -0.1, "X0": 1 }, "perPhaseRates": { "X0": "k*B" } }
          ],
          "transitions": [
            { "from": "X0", "to": "X1", "rate": "beta" }
          ]
        }
        """;

    private const string Source = "models/test.json";

    /// <summary>Applies a textual edit, making sure it actually changed the text.</summary>
    private static string Edit(string json, string from, string to)
    {
        Assert.Contains(from, json, StringComparison.Ordinal);
        return json.Replace(from, to, StringComparison.Ordinal);
    }

    private static int LineContaining(string json, string marker)
    {
        var lines = json.Split('\n');
        int i = Array.FindIndex(lines, l => l.Contains(marker, StringComparison.Ordinal));
        Assert.True(i >= 0, $"marker {marker} not in the json");
        return i + 1;
    }

    private static ModelDefinitionException Fails(string json) =>
        Assert.Throws<ModelDefinitionException>(() => ModelJson.Parse(json, Source));

    /// <summary>Finds the error at <paramref name="path"/> and checks its message, source and line.</summary>
    private static ModelError AssertError(ModelDefinitionException ex, string path, string messagePart, int line)
    {
        var error = ex.Errors.FirstOrDefault(e => e.Path == path);
        Assert.True(error is not null, $"no error at {path}; errors: {string.Join(" | ", ex.Errors)}");
        Assert.Contains(messagePart, error.Message, StringComparison.Ordinal);
        Assert.Equal(Source, error.Source);
        Assert.True(error.Line > 0, "file errors carry a line");
        Assert.Equal(line, error.Line);
        Assert.Contains($"{Source}:{line}: {path}", ex.Message, StringComparison.Ordinal);
        return error;
    }

    [Fact]
    public void Parse_DeterministicReaction_KeepsItsDriftAndLeavesItOutOfTheNoise()
    {
        var plain = ModelJson.Parse(Valid, Source);
        var marked = ModelJson.Parse(Edit(Valid, "\"rate\": \"k*A\" }", "\"rate\": \"k*A\", \"deterministic\": true }"), Source);
        Assert.True(plain.Compiled.IsStochasticChannel(0));
        Assert.False(marked.Compiled.IsStochasticChannel(0));
        Assert.True(marked.Compiled.IsStochasticChannel(1));
        Assert.True(marked.Reactions[0].Deterministic);
        double[] z = [1.5, 0.5, 2, 1], theta = [1.3, 0.2, 0], bPlain = new double[4], bMarked = new double[4];
        plain.Compiled.Drift(z, theta, bPlain);
        marked.Compiled.Drift(z, theta, bMarked);
        Assert.Equal(bPlain, bMarked);
        Assert.Contains("\"deterministic\": true", ModelJson.Write(marked), StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_DeterministicNotABoolean_ReportsPathAndLine()
    {
        string json = Edit(Valid, "\"rate\": \"k*A\" }", "\"rate\": \"k*A\", \"deterministic\": \"yes\" }");
        AssertError(Fails(json), "$.reactions[0].deterministic", "must be true or false", LineContaining(json, "\"yes\""));
    }

    [Fact]
    public void Parse_ValidTemplate_Builds()
    {
        var model = ModelJson.Parse(Valid, Source);
        Assert.Equal(["A", "B", "X0", "X1"], model.StateNames);
        Assert.Equal(10, model.SystemSize);
        Assert.Equal(3, model.Compiled.ChannelCount);
    }

    [Theory]
    [MemberData(nameof(BuiltInNames))]
    public void Write_BuiltInModel_RoundTripIsByteIdentical(string name)
    {
        var model = BuiltInModels.Load(name);
        string written = ModelJson.Write(model);
        var reread = ModelJson.Parse(written, "round-trip");
        Assert.Equal(written, ModelJson.Write(reread));
    }

    [Theory]
    [MemberData(nameof(BuiltInNames))]
    public void Write_BuiltInModel_RoundTripHasIdenticalRatesAndDrift(string name)
    {
        var model = BuiltInModels.Load(name);
        var reread = ModelJson.Parse(ModelJson.Write(model), "round-trip");
        Assert.Equal(model.StateNames, reread.StateNames);
        Assert.Equal(model.Parameters, reread.Parameters); // records: every field including descriptions
        Assert.Equal(model.SystemSize, reread.SystemSize);
        AssertSameFunctions(model, reread, new Random(3001));
    }

    [Fact]
    public void Write_BuilderModelWithoutDescriptions_RoundTripsAndKeepsSystemSize()
    {
        var model = DerivativeTests.HandWritten().WithSystemSize(250);
        string written = ModelJson.Write(model);
        var reread = ModelJson.Parse(written, "round-trip");
        Assert.Equal(250, reread.SystemSize);
        Assert.Null(reread.Description);
        Assert.Equal(written, ModelJson.Write(reread));
        AssertSameFunctions(model, reread, new Random(3002));
    }

    [Fact]
    public void Write_Output_IsJsonWithHourTimeUnit()
    {
        using var doc = JsonDocument.Parse(ModelJson.Write(BuiltInModels.Load("cho")));
        Assert.Equal("h", doc.RootElement.GetProperty("timeUnit").GetString());
        Assert.Equal(5, doc.RootElement.GetProperty("species").GetArrayLength() + doc.RootElement.GetProperty("cellPhases").GetArrayLength());
    }

    [Fact]
    public void Cho_CSharpDefinition_AgreesWithJsonFile()
    {
        AssertSameDefinition(BuiltInModels.Load("cho"), BuiltInModels.Cho());
    }

    [Fact]
    public void MichaelisMenten_CSharpDefinition_AgreesWithJsonFile()
    {
        AssertSameDefinition(BuiltInModels.Load("michaelis-menten"), BuiltInModels.MichaelisMenten());
    }

    [Fact]
    public void Cho_InitialGlucoseArgument_SetsGlcInitialOnly()
    {
        var a = BuiltInModels.Cho(20.0).DefaultInitialState();
        var b = BuiltInModels.Cho().DefaultInitialState();
        Assert.Equal(20.0, a[0]);
        Assert.Equal(28.0, b[0]);
        Assert.Equal(b[1..], a[1..]);
    }

    [Fact]
    public void Json_UnknownModel_ThrowsArgumentException()
    {
        Assert.Throws<ArgumentException>(() => BuiltInModels.Json("no-such-model"));
        Assert.False(BuiltInModels.Contains("no-such-model"));
        Assert.All(BuiltInModels.Names, n => Assert.True(BuiltInModels.Contains(n)));
    }

    private static void AssertSameDefinition(ReactionNetwork json, ReactionNetwork code)
    {
        Assert.Equal(json.Name, code.Name);
        Assert.Equal(json.SystemSize, code.SystemSize);
        Assert.Equal(json.StateNames, code.StateNames);
        Assert.Equal(json.Species.Select(s => (s.Name, s.Unit, s.Initial)), code.Species.Select(s => (s.Name, s.Unit, s.Initial)));
        Assert.Equal(json.CellPhases.Select(s => (s.Name, s.Unit, s.Initial)), code.CellPhases.Select(s => (s.Name, s.Unit, s.Initial)));

        // Parameters: everything but the free-text description.
        Assert.Equal(json.Parameters.Select(p => p with { Description = null }), code.Parameters.Select(p => p with { Description = null }));
        Assert.Equal(json.Reactions.Count, code.Reactions.Count);
        for (int r = 0; r < json.Reactions.Count; r++)
        {
            var a = json.Reactions[r];
            var b = code.Reactions[r];
            Assert.Equal(a.Name, b.Name);
            Assert.Equal(a.Stoichiometry.OrderBy(kv => kv.Key, StringComparer.Ordinal), b.Stoichiometry.OrderBy(kv => kv.Key, StringComparer.Ordinal));
            Assert.Equal(a.Rate, b.Rate);
            Assert.Equal(a.PerPhaseRates?.OrderBy(kv => kv.Key, StringComparer.Ordinal), b.PerPhaseRates?.OrderBy(kv => kv.Key, StringComparer.Ordinal));
        }

        Assert.Equal(json.Transitions, code.Transitions);
        Assert.Equal(json.Compiled.ChannelNames, code.Compiled.ChannelNames);
        Assert.Equal(json.Compiled.Stoichiometry.ToArray(), code.Compiled.Stoichiometry.ToArray());
        AssertSameFunctions(json, code, new Random(3003));
    }

    /// <summary>Rates, drift and all four Jacobians agree bit for bit at random positive points (same formulas ⇒ same trees ⇒ same code).</summary>
    private static void AssertSameFunctions(ReactionNetwork a, ReactionNetwork b, Random rng)
    {
        var ca = a.Compiled;
        var cb = b.Compiled;
        int n = ca.StateDimension, m = ca.ChannelCount, p = ca.ParameterCount;
        Assert.Equal(n, cb.StateDimension);
        Assert.Equal(m, cb.ChannelCount);
        Assert.Equal(p, cb.ParameterCount);
        Assert.Equal(Enumerable.Range(0, m).Select(ca.IsStochasticChannel), Enumerable.Range(0, m).Select(cb.IsStochasticChannel));
        var functions = new (Action<CompiledModel, double[], double[], double[]> F, int Size)[]
        {
            ((c, z, t, o) => c.Rates(z, t, o), m),
            ((c, z, t, o) => c.Drift(z, t, o), n),
            ((c, z, t, o) => c.RateStateJacobian(z, t, o), m * n),
            ((c, z, t, o) => c.RateParameterJacobian(z, t, o), m * p),
            ((c, z, t, o) => c.DriftStateJacobian(z, t, o), n * n),
            ((c, z, t, o) => c.DriftParameterJacobian(z, t, o), n * p),
        };
        for (int point = 0; point < 5; point++)
        {
            var z = a.DefaultInitialState().Select(v => Math.Max(v, 1.0) * (0.1 + (2 * rng.NextDouble()))).ToArray();
            var theta = a.NominalParameters().Select(v => v * (0.5 + rng.NextDouble())).ToArray();
            theta = [.. theta, .. Enumerable.Range(0, ca.ArgumentCount - p).Select(_ => rng.NextDouble())]; // t and the inputs
            foreach (var (f, size) in functions)
            {
                var oa = new double[size];
                var ob = new double[size];
                f(ca, z, theta, oa);
                f(cb, z, theta, ob);
                Assert.Equal(oa, ob);
            }
        }
    }
}
