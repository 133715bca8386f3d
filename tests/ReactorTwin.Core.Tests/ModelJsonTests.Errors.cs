using ReactorTwin.Core.Models;

namespace ReactorTwin.Core.Tests;

/// <summary>Malformed model files: every error names the path, the problem and the line.</summary>
public partial class ModelJsonTests
{
    [Fact]
    public void Parse_UnknownSpeciesInFormula_ReportsRatePath()
    {
        string json = Edit(Valid, "\"rate\": \"k*A\"", "\"rate\": \"k*C\"");
        var ex = Fails(json);
        AssertError(ex, "$.reactions[0].rate", "unknown name 'C'", LineContaining(json, "k*C"));
        Assert.Single(ex.Errors);
    }

    [Fact]
    public void Parse_FormulaWithUndefinedParameter_ReportsUnknownName()
    {
        string json = Edit(Valid, "\"X0\": \"k*B\"", "\"X0\": \"kk*B\"");
        var ex = Fails(json);
        AssertError(ex, "$.reactions[1].perPhaseRates.X0", "unknown name 'kk'", LineContaining(json, "kk*B"));
    }

    [Fact]
    public void Parse_StoichiometryWithUnknownSpecies_ReportsTheKey()
    {
        string json = Edit(Valid, "{ \"A\": -1, \"B\": 1 }", "{ \"A\": -1, \"Q\": 1 }");
        var ex = Fails(json);
        AssertError(ex, "$.reactions[0].stoichiometry.Q", "'Q', which is not a species", LineContaining(json, "\"Q\""));
    }

    [Fact]
    public void Parse_ZeroStoichiometricCoefficient_IsRejected()
    {
        string json = Edit(Valid, "{ \"A\": -1, \"B\": 1 }", "{ \"A\": -1, \"B\": 0 }");
        var ex = Fails(json);
        AssertError(ex, "$.reactions[0].stoichiometry.B", "non-zero", LineContaining(json, "\"B\": 0"));
    }

    [Fact]
    public void Parse_UnknownNameInFormulaCoefficient_IsReportedOnce()
    {
        string json = Edit(Valid, "{ \"A\": -1, \"B\": 1 }", "{ \"A\": -1, \"B\": \"one\" }");
        var ex = Fails(json);
        AssertError(ex, "$.reactions[0].stoichiometry.B", "unknown name 'one' in \"one\": a stoichiometric coefficient may use parameters and numbers", LineContaining(json, "\"one\""));
        Assert.Single(ex.Errors); // the validator's echo on the same path is suppressed
    }

    [Fact]
    public void Parse_ParameterWithoutValue_ReportsMissingProperty()
    {
        string json = Edit(Valid, "\"name\": \"k\", \"value\": 1, ", "\"name\": \"k\", ");
        var ex = Fails(json);

        // The missing property has no line of its own: the line of the parameter object is reported.
        AssertError(ex, "$.parameters[0].value", "required property 'value' is missing", LineContaining(json, "\"name\": \"k\""));
        Assert.Single(ex.Errors);
    }

    [Fact]
    public void Parse_DivisionByConstantZero_IsRejected()
    {
        string json = Edit(Valid, "\"rate\": \"k*A\"", "\"rate\": \"k*A/(2-2)\"");
        var ex = Fails(json);
        AssertError(ex, "$.reactions[0].rate", "division by a constant zero", LineContaining(json, "k*A/(2-2)"));
    }

    [Fact]
    public void Parse_DuplicateSpeciesName_ReportsSecondOccurrence()
    {
        string json = Edit(Valid, "{ \"name\": \"B\", \"unit\": \"mM\", \"initial\": 0 }", "{ \"name\": \"B\", \"unit\": \"mM\", \"initial\": 0 },\n    { \"name\": \"A\", \"unit\": \"uM\", \"initial\": 3 }");
        var ex = Fails(json);
        AssertError(ex, "$.species[2].name", "'A' is already used at $.species[0].name", LineContaining(json, "\"uM\""));
    }

    [Fact]
    public void Parse_ParameterNamedLikeASpecies_ReportsDuplicate()
    {
        string json = Edit(Valid, "\"name\": \"beta\"", "\"name\": \"B\"");
        var ex = Fails(json);
        AssertError(ex, "$.parameters[1].name", "'B' is already used at $.species[1].name", LineContaining(json, "\"value\": 0.2"));
    }

    [Fact]
    public void Parse_DuplicateReactionName_IsRejected()
    {
        string json = Edit(Valid, "\"name\": \"grow\"", "\"name\": \"conv\"");
        var ex = Fails(json);
        AssertError(ex, "$.reactions[1].name", "used twice", LineContaining(json, "\"X0\": 1"));
    }

    [Fact]
    public void Parse_InvalidJsonSyntax_ReportsTheLine()
    {
        // Missing comma after "systemSize": the reader fails at the next token, on the "species" line.
        string json = Edit(Valid, "\"systemSize\": 10,", "\"systemSize\": 10");
        var ex = Fails(json);
        var error = Assert.Single(ex.Errors);
        Assert.StartsWith("invalid JSON", error.Message, StringComparison.Ordinal);
        Assert.Equal(LineContaining(json, "\"species\""), error.Line);
        Assert.Equal(Source, error.Source);
    }

    [Fact]
    public void Parse_TruncatedJson_ReportsInvalidJsonWithLine()
    {
        string json = Valid[..Valid.IndexOf("\"reactions\"", StringComparison.Ordinal)];
        var ex = Fails(json);
        var error = Assert.Single(ex.Errors);
        Assert.StartsWith("invalid JSON", error.Message, StringComparison.Ordinal);
        Assert.True(error.Line >= LineContaining(json, "\"parameters\""), $"line {error.Line}");
    }

    [Fact]
    public void Parse_LowerBoundAboveUpper_IsRejected()
    {
        string json = Edit(Valid, "\"lower\": 0.1, \"upper\": 10", "\"lower\": 10, \"upper\": 0.1");
        var ex = Fails(json);
        AssertError(ex, "$.parameters[0].lower", "lower < upper", LineContaining(json, "\"lower\": 10"));
    }

    [Fact]
    public void Parse_ValueOutsideBounds_IsRejected()
    {
        string json = Edit(Valid, "\"value\": 0.2", "\"value\": 2");
        var ex = Fails(json);
        AssertError(ex, "$.parameters[1].value", "outside its bounds", LineContaining(json, "\"value\": 2,"));
    }

    [Fact]
    public void Parse_LogScaleWithNonPositiveLowerBound_IsRejected()
    {
        string json = Edit(Valid, "\"lower\": 0.1, \"upper\": 10 }", "\"lower\": 0, \"upper\": 10, \"logScale\": true }");
        var ex = Fails(json);
        AssertError(ex, "$.parameters[0].logScale", "lower bound must be > 0", LineContaining(json, "\"logScale\": true"));
    }

    [Fact]
    public void Parse_ZeroLowerBoundWithoutLogScale_DefaultsToLinearScale()
    {
        // logScale defaults to lower > 0, so lower = 0 alone is valid (and linear).
        string json = Edit(Valid, "\"lower\": 0.1, \"upper\": 10 }", "\"lower\": 0, \"upper\": 10 }");
        var model = ModelJson.Parse(json, Source);
        Assert.False(model.Parameters[0].LogScale);
        Assert.True(model.Parameters[1].LogScale);
    }

    [Fact]
    public void Parse_MisspelledProperty_ReportsUnknownPropertyAndMissingRequired()
    {
        string json = Edit(Valid, "\"stoichiometry\": { \"A\": -1", "\"stoichiometery\": { \"A\": -1");
        var ex = Fails(json);
        int line = LineContaining(json, "stoichiometery");
        AssertError(ex, "$.reactions[0].stoichiometery", "unknown property 'stoichiometery'", line);
        AssertError(ex, "$.reactions[0].stoichiometry", "required property 'stoichiometry' is missing", line);
        Assert.Equal(2, ex.Errors.Count); // the validator's "empty stoichiometry" echo is suppressed
    }

    [Fact]
    public void Parse_TransitionToUnknownPhase_IsRejected()
    {
        string json = Edit(Valid, "\"to\": \"X1\"", "\"to\": \"X9\"");
        var ex = Fails(json);
        AssertError(ex, "$.transitions[0].to", "'X9' is not a cell phase", LineContaining(json, "X9"));
    }

    [Fact]
    public void Parse_TransitionToItself_IsRejected()
    {
        string json = Edit(Valid, "\"to\": \"X1\"", "\"to\": \"X0\"");
        var ex = Fails(json);
        AssertError(ex, "$.transitions[0].to", "to itself", LineContaining(json, "\"from\": \"X0\""));
    }

    [Fact]
    public void Parse_PerPhaseRateForUnknownPhase_IsRejected()
    {
        string json = Edit(Valid, "\"X0\": \"k*B\"", "\"X7\": \"k*B\"");
        var ex = Fails(json);
        AssertError(ex, "$.reactions[1].perPhaseRates.X7", "'X7', which is not a cell phase", LineContaining(json, "X7"));
    }

    [Fact]
    public void Parse_ReactionWithBothRateAndPerPhaseRates_IsRejected()
    {
        string json = Edit(Valid, "\"rate\": \"k*A\" }", "\"rate\": \"k*A\", \"perPhaseRates\": { \"X0\": \"k\" } }");
        var ex = Fails(json);
        AssertError(ex, "$.reactions[0]", "exactly one of 'rate' and 'perPhaseRates'", LineContaining(json, "\"name\": \"conv\""));
    }

    [Fact]
    public void Parse_ReactionWithNeitherRateNorPerPhaseRates_IsRejected()
    {
        string json = Edit(Valid, ", \"rate\": \"k*A\" }", " }");
        var ex = Fails(json);
        AssertError(ex, "$.reactions[0]", "exactly one of", LineContaining(json, "\"name\": \"conv\""));
    }

    [Fact]
    public void Parse_FunctionNameAsParameterName_IsRejected()
    {
        string json = Edit(Valid, "\"name\": \"beta\"", "\"name\": \"exp\"");
        json = Edit(json, "\"rate\": \"beta\"", "\"rate\": \"0.2\"");
        var ex = Fails(json);
        AssertError(ex, "$.parameters[1].name", "is a function name", LineContaining(json, "\"name\": \"exp\""));
    }

    [Fact]
    public void Parse_WrongTimeUnit_IsRejected()
    {
        string json = Edit(Valid, "\"systemSize\": 10,", "\"systemSize\": 10,\n  \"timeUnit\": \"s\",");
        var ex = Fails(json);
        AssertError(ex, "$.timeUnit", "hours", LineContaining(json, "timeUnit"));
    }

    [Fact]
    public void Parse_RootIsNotAnObject_IsRejected()
    {
        var ex = Fails("[1, 2]");
        var error = Assert.Single(ex.Errors);
        Assert.Equal("$", error.Path);
        Assert.Contains("one JSON object", error.Message, StringComparison.Ordinal);
        Assert.Equal(1, error.Line);
    }

    [Fact]
    public void Parse_SeveralProblems_AreAllReported()
    {
        string json = Edit(Valid, "\"rate\": \"k*A\"", "\"rate\": \"k*C\"");
        json = Edit(json, "\"lower\": 0.1, \"upper\": 10", "\"lower\": 10, \"upper\": 0.1");
        json = Edit(json, "\"to\": \"X1\"", "\"to\": \"X9\"");
        json = Edit(json, "\"stoichiometry\": { \"B\": -0.1", "\"stoichiometry\": { \"Z\": -0.1");
        var ex = Fails(json);
        Assert.True(ex.Errors.Count >= 4, string.Join(" | ", ex.Errors));
        AssertError(ex, "$.reactions[0].rate", "unknown name 'C'", LineContaining(json, "k*C"));
        AssertError(ex, "$.parameters[0].lower", "lower < upper", LineContaining(json, "\"lower\": 10"));
        AssertError(ex, "$.transitions[0].to", "'X9'", LineContaining(json, "X9"));
        AssertError(ex, "$.reactions[1].stoichiometry.Z", "'Z'", LineContaining(json, "\"Z\""));
        Assert.Contains($"({ex.Errors.Count} problems)", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_StructuralAndValidationProblems_AreMerged()
    {
        // A structural problem (unknown property) and a validation problem elsewhere (bad formula) both appear.
        string json = Edit(Valid, "\"name\": \"A\", \"unit\": \"mM\"", "\"name\": \"A\", \"units\": \"mM\"");
        json = Edit(json, "\"rate\": \"beta\"", "\"rate\": \"beta*(X0\"");
        var ex = Fails(json);
        AssertError(ex, "$.species[0].units", "unknown property 'units'", LineContaining(json, "\"units\""));
        AssertError(ex, "$.transitions[0].rate", "missing ')'", LineContaining(json, "beta*(X0"));
    }

    [Fact]
    public void Build_BadFormula_ThrowsModelDefinitionExceptionNotFormulaException()
    {
        var builder = ReactionNetwork.CreateBuilder("bad")
            .AddSpecies("A", "mM", 1)
            .AddParameter("k", 1, 0.1, 10)
            .AddReaction("decay", new() { ["A"] = -1 }, "k*(A");
        var ex = Assert.Throws<ModelDefinitionException>(() => builder.Build());
        var error = Assert.Single(ex.Errors);
        Assert.Equal("$.reactions[0].rate", error.Path);
        Assert.Contains("missing ')'", error.Message, StringComparison.Ordinal);
        Assert.Contains("column 5", error.Message, StringComparison.Ordinal);
        Assert.Equal("<code>", error.Source);
        Assert.Equal(0, error.Line); // no file, no line
    }

    [Fact]
    public void Build_SeveralProblems_AreAllReported()
    {
        var builder = ReactionNetwork.CreateBuilder("")
            .WithSystemSize(0)
            .AddSpecies("A", "mM", -1)
            .AddParameter("k", 1, 0.1, 10)
            .AddReaction("decay", new() { ["A"] = -1, ["Q"] = 2 }, "k*A*C");
        var ex = Assert.Throws<ModelDefinitionException>(() => builder.Build("my-code"));
        var paths = ex.Errors.Select(e => e.Path).ToArray();
        Assert.Contains("$.name", paths);
        Assert.Contains("$.systemSize", paths);
        Assert.Contains("$.species[0].initial", paths);
        Assert.Contains("$.reactions[0].stoichiometry.Q", paths);
        Assert.Contains("$.reactions[0].rate", paths);
        Assert.All(ex.Errors, e => Assert.Equal("my-code", e.Source));
    }
}
