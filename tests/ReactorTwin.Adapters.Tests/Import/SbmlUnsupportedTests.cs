using ReactorTwin.Adapters.Import.Sbml;

namespace ReactorTwin.Adapters.Tests.Import;

/// <summary>
/// What SBML has and the importer does not support is refused with the file, the line, the element's id and what
/// is unsupported: one case per message.
/// </summary>
public sealed class SbmlUnsupportedTests
{
    private const string Source = "lab-model.xml";
    private const string Law = "<apply><times/><ci>k</ci><ci>A</ci></apply>";

    public static TheoryData<string, string, string, string> Cases => new()
    {
        { "not XML", "<sbml", "file", "not well-formed XML" },
        { "not SBML", "<model/>", "file", "the root element is not <sbml>" },
        { "Level 1", Model().Replace("level=\"3\"", "level=\"1\"", StringComparison.Ordinal), "sbml", "SBML Level 1 is not supported" },
        { "package", Model().Replace("version=\"2\">", "version=\"2\" xmlns:comp=\"http://www.sbml.org/sbml/level3/version1/comp/version1\" comp:required=\"true\">", StringComparison.Ordinal), "sbml", "the required package http://www.sbml.org/sbml/level3/version1/comp/version1 is not supported" },
        { "no model", "<sbml xmlns=\"http://www.sbml.org/sbml/level3/version2/core\" level=\"3\" version=\"2\"/>", "sbml", "the file has no <model>" },
        { "variable compartment", Model(compartment: "<compartment id=\"c\" size=\"1\" constant=\"false\"/>"), "compartment 'c'", "a compartment whose size changes is not supported" },
        { "conversion factor", Model(species: Species("A", "conversionFactor=\"k\"")), "species 'A'", "conversion factors are not supported" },
        { "model conversion factor", Model().Replace("<model id=\"m\">", "<model id=\"m\" conversionFactor=\"k\">", StringComparison.Ordinal), "model 'm'", "conversion factors are not supported" },
        { "unknown compartment", Model(species: Species("A", "").Replace("compartment=\"c\"", "compartment=\"cyto\"", StringComparison.Ordinal)), "species 'A'", "its compartment 'cyto' is not defined" },
        { "algebraic rule", Model(extra: "<listOfRules><algebraicRule><math xmlns=\"http://www.w3.org/1998/Math/MathML\"><ci>k</ci></math></algebraicRule></listOfRules>"), "algebraic rule", "algebraic rules (a DAE) are not supported" },
        { "fast reaction", Model(reactionAttributes: "fast=\"true\""), "reaction 'r'", "fast reactions" },
        { "stoichiometry math", Model(reactant: "<speciesReference species=\"A\"><stoichiometryMath><math xmlns=\"http://www.w3.org/1998/Math/MathML\"><ci>k</ci></math></stoichiometryMath></speciesReference>"), "reaction 'r'", "stoichiometryMath is not supported" },
        { "variable stoichiometry", Model(reactant: "<speciesReference id=\"sr\" species=\"A\" stoichiometry=\"1\" constant=\"false\"/>"), "reaction 'r'", "a stoichiometry that changes (constant=\"false\") is not supported" },
        { "no kinetic law", Model().Replace("<kineticLaw>", "<notKineticLaw>", StringComparison.Ordinal).Replace("</kineticLaw>", "</notKineticLaw>", StringComparison.Ordinal), "reaction 'r'", "it has no kinetic law" },
        { "piecewise", Model(law: "<piecewise><piece><ci>k</ci><true/></piece></piecewise>"), "reaction 'r'", "piecewise is not supported" },
        { "relational outside a trigger", Model(law: "<apply><gt/><ci>A</ci><ci>k</ci></apply>"), "reaction 'r'", "the relational or logical operator 'gt' outside an event trigger" },
        { "time in a rate", Model(law: "<apply><times/><ci>k</ci><csymbol encoding=\"text\" definitionURL=\"http://www.sbml.org/sbml/symbols/time\">t</csymbol></apply>"), "reaction 'r'", "the symbol 'http://www.sbml.org/sbml/symbols/time'" },
        { "delay", Model(law: "<apply><csymbol encoding=\"text\" definitionURL=\"http://www.sbml.org/sbml/symbols/delay\">delay</csymbol><ci>A</ci><cn>1</cn></apply>"), "reaction 'r'", "the symbol 'http://www.sbml.org/sbml/symbols/delay'" },
        { "trigonometry", Model(law: "<apply><sin/><ci>A</ci></apply>"), "reaction 'r'", "the MathML operator 'sin' is not supported" },
        { "delayed event", Model(extra: Event("<delay><math xmlns=\"http://www.w3.org/1998/Math/MathML\"><cn>1</cn></math></delay>", "A")), "event 'e'", "delayed events are not supported" },
        { "event priority", Model(extra: Event("<priority><math xmlns=\"http://www.w3.org/1998/Math/MathML\"><cn>1</cn></math></priority>", "A")), "event 'e'", "event priorities are not supported" },
        { "event on a rule variable", Model(extra: Event("", "v") + Rule("v")), "event 'e': assignment of 'v'", "'v' is set by a rule or initial assignment, so an event cannot change it" },
        { "event on an unknown variable", Model(extra: Event("", "nothing")), "event 'e': assignment of 'nothing'", "'nothing' is not a species, parameter or compartment of the model" },
        { "parameter without value", Model(parameters: "<parameter id=\"k\" constant=\"true\"/>"), "parameter 'k'", "it has no value, initial assignment or rule" },
        { "species without initial value", Model(species: Species("A", "").Replace(" initialConcentration=\"1\"", "", StringComparison.Ordinal)), "'A'", "it has no initial value and no initial assignment" },
        { "unknown function", Model(law: "<apply><ci>rate_law</ci><ci>A</ci></apply>"), "reaction 'r'", "it calls 'rate_law', which is not a function definition" },
        { "wrong arity", Model(law: "<apply><ci>f</ci><ci>A</ci></apply>", extra: "<listOfFunctionDefinitions><functionDefinition id=\"f\"><math xmlns=\"http://www.w3.org/1998/Math/MathML\"><lambda><bvar><ci>x</ci></bvar><bvar><ci>y</ci></bvar><apply><times/><ci>x</ci><ci>y</ci></apply></lambda></math></functionDefinition></listOfFunctionDefinitions>"), "reaction 'r'", "'f' takes 2 arguments, not 1" },
        { "cyclic rules", Model(law: "<ci>v</ci>", extra: "<listOfRules><assignmentRule variable=\"v\"><math xmlns=\"http://www.w3.org/1998/Math/MathML\"><ci>w</ci></math></assignmentRule><assignmentRule variable=\"w\"><math xmlns=\"http://www.w3.org/1998/Math/MathML\"><ci>v</ci></math></assignmentRule></listOfRules>", parameters: "<parameter id=\"k\" value=\"1\" constant=\"true\"/><parameter id=\"v\" constant=\"false\"/><parameter id=\"w\" constant=\"false\"/>"), "reaction 'r'", "refer to each other in a cycle" },
        { "unknown species in a reaction", Model(reactant: "<speciesReference species=\"Z\" stoichiometry=\"1\" constant=\"true\"/>"), "reaction 'r'", "it names the species 'Z', which is not defined" },
        { "rate rule on a constant", Model(extra: "<listOfRules><rateRule variable=\"c\"><math xmlns=\"http://www.w3.org/1998/Math/MathML\"><cn>1</cn></math></rateRule></listOfRules>"), "rate rule of 'c'", "a compartment whose size changes is not supported" },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Read_Unsupported_NamesFileLineElementAndWhat(string feature, string sbml, string where, string message)
    {
        var ex = Assert.Throws<SbmlImportException>(() => SbmlImporter.Read(new StringReader(sbml), Source));

        var problem = Assert.Single(ex.Problems, p => p.Where == where && p.Message.Contains(message, StringComparison.Ordinal));
        Assert.Equal(Source, ex.Source);
        Assert.Contains($"{Source}:{problem.Line}: {where}: ", ex.Message, StringComparison.Ordinal);
        if (feature is not ("not SBML" or "species without initial value" or "parameter without value" or "unknown function" or "wrong arity" or "cyclic rules" or "unknown species in a reaction"))
        {
            Assert.True(problem.Line > 0, $"{feature}: no line in {ex.Message}");
        }
    }

    [Fact]
    public void Read_SupportedCore_ImportsEveryPart()
    {
        var model = SbmlImporter.Read(new StringReader(Model(extra: Event("", "A"))), Source);

        Assert.Equal(["A"], model.Network.StateNames);
        Assert.Equal("e", Assert.Single(model.Events).Id);
    }

    private static string Species(string id, string attributes) =>
        $"<species id=\"{id}\" compartment=\"c\" initialConcentration=\"1\" hasOnlySubstanceUnits=\"false\" boundaryCondition=\"false\" constant=\"false\" {attributes}/>";

    private static string Event(string inner, string variable) =>
        "<listOfEvents><event id=\"e\"><trigger initialValue=\"false\" persistent=\"true\"><math xmlns=\"http://www.w3.org/1998/Math/MathML\"><apply><lt/><ci>A</ci><cn>0.5</cn></apply></math></trigger>"
        + inner + $"<listOfEventAssignments><eventAssignment variable=\"{variable}\"><math xmlns=\"http://www.w3.org/1998/Math/MathML\"><cn>1</cn></math></eventAssignment></listOfEventAssignments></event></listOfEvents>";

    private static string Rule(string variable) =>
        $"<listOfRules><assignmentRule variable=\"{variable}\"><math xmlns=\"http://www.w3.org/1998/Math/MathML\"><ci>k</ci></math></assignmentRule></listOfRules>";

    private static string Model(string law = Law, string extra = "", string? compartment = null, string? species = null, string? parameters = null, string reactionAttributes = "", string? reactant = null) => $"""
        <?xml version="1.0" encoding="UTF-8"?>
        <sbml xmlns="http://www.sbml.org/sbml/level3/version2/core" level="3" version="2">
          <model id="m">
            <listOfCompartments>{compartment ?? "<compartment id=\"c\" size=\"1\" constant=\"true\"/>"}</listOfCompartments>
            <listOfSpecies>{species ?? Species("A", "")}</listOfSpecies>
            <listOfParameters>{parameters ?? "<parameter id=\"k\" value=\"1\" constant=\"true\"/>"}{(extra.Contains("variable=\"v\"", StringComparison.Ordinal) && parameters is null ? "<parameter id=\"v\" constant=\"false\"/>" : "")}</listOfParameters>
            {extra}
            <listOfReactions>
              <reaction id="r" reversible="false" {reactionAttributes}>
                <listOfReactants>{reactant ?? "<speciesReference species=\"A\" stoichiometry=\"1\" constant=\"true\"/>"}</listOfReactants>
                <kineticLaw><math xmlns="http://www.w3.org/1998/Math/MathML">{law}</math></kineticLaw>
              </reaction>
            </listOfReactions>
          </model>
        </sbml>
        """;
}
