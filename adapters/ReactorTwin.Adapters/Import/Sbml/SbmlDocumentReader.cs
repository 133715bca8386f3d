using System.Globalization;
using System.Xml;
using System.Xml.Linq;

namespace ReactorTwin.Adapters.Import.Sbml;

/// <summary>
/// Reads an SBML Level 2 or 3 core file (any version) into an <see cref="SbmlDocument"/>, collecting every problem
/// with its line: what SBML core has and the importer does not support (algebraic rules, fast reactions,
/// stoichiometry math, conversion factors, non-constant compartments, MathML beyond <see cref="MathMlReader"/>) is
/// refused by name rather than skipped.
/// </summary>
internal static class SbmlDocumentReader
{
    public static SbmlDocument Read(TextReader text, string source)
    {
        XDocument xml;
        try
        {
            xml = XDocument.Load(text, LoadOptions.SetLineInfo);
        }
        catch (XmlException ex)
        {
            throw new SbmlImportException(source, [new SbmlProblem(ex.LineNumber, "file", "not well-formed XML: " + ex.Message)]);
        }

        var problems = new List<SbmlProblem>();
        var root = xml.Root;
        if (root is null || root.Name.LocalName != "sbml")
        {
            throw new SbmlImportException(source, [new SbmlProblem(1, "file", "the root element is not <sbml>")]);
        }

        int level = int.TryParse(root.Attribute("level")?.Value, CultureInfo.InvariantCulture, out int lv) ? lv : 0;
        if (level is not (2 or 3))
        {
            problems.Add(new SbmlProblem(Line(root), "sbml", $"SBML Level {root.Attribute("level")?.Value} is not supported (Level 2 and 3 core are)"));
        }

        foreach (var package in root.Attributes().Where(a => a.Name.LocalName == "required" && a.Value == "true"))
        {
            problems.Add(new SbmlProblem(Line(root), "sbml", $"the required package {package.Name.NamespaceName} is not supported (SBML core only)"));
        }

        var model = Child(root, "model");
        if (model is null)
        {
            throw new SbmlImportException(source, [.. problems, new SbmlProblem(Line(root), "sbml", "the file has no <model>")]);
        }

        if (model.Attribute("conversionFactor") is { } factor)
        {
            problems.Add(new SbmlProblem(Line(model), $"model '{model.Attribute("id")?.Value}'", $"conversion factors are not supported (conversionFactor=\"{factor.Value}\")"));
        }

        T? Try<T>(Func<T> read)
            where T : class
        {
            try
            {
                return read();
            }
            catch (SbmlReadException ex)
            {
                problems.Add(ex.Problem);
                return null;
            }
        }

        var compartments = List(model, "listOfCompartments", "compartment").Select(c => Try(() => Compartment(c, level))).OfType<SbmlCompartment>().ToList();
        var species = List(model, "listOfSpecies", "species").Select(s => Try(() => Species(s, compartments))).OfType<SbmlSpecies>().ToList();
        var parameters = List(model, "listOfParameters", "parameter").Select(p => new SbmlParameter(
            Id(p), Number(p, "value"), Bool(p, "constant", level == 2), Line(p))).ToList();
        var functions = List(model, "listOfFunctionDefinitions", "functionDefinition").Select(f => Try(() => Function(f))).OfType<SbmlFunction>().ToList();
        var initial = List(model, "listOfInitialAssignments", "initialAssignment")
            .Select(a => Try(() => Assignment(a, "symbol", "initial assignment"))).OfType<SbmlAssignment>().ToList();
        var assignmentRules = new List<SbmlAssignment>();
        var rateRules = new List<SbmlAssignment>();
        foreach (var rule in Child(model, "listOfRules")?.Elements() ?? [])
        {
            switch (rule.Name.LocalName)
            {
                case "assignmentRule":
                    if (Try(() => Assignment(rule, "variable", "assignment rule")) is { } ar)
                    {
                        assignmentRules.Add(ar);
                    }

                    break;
                case "rateRule":
                    if (Try(() => Assignment(rule, "variable", "rate rule")) is { } rr)
                    {
                        rateRules.Add(rr);
                    }

                    break;
                case "algebraicRule":
                    problems.Add(new SbmlProblem(Line(rule), "algebraic rule", "algebraic rules (a DAE) are not supported: write the constrained variable as an assignment rule"));
                    break;
                default:
                    break;
            }
        }

        var reactions = List(model, "listOfReactions", "reaction").Select(r => Try(() => Reaction(r, level))).OfType<SbmlReaction>().ToList();
        var events = List(model, "listOfEvents", "event").Select(e => Try(() => Event(e, level))).OfType<SbmlEvent>().ToList();
        if (problems.Count > 0)
        {
            throw new SbmlImportException(source, problems);
        }

        return new SbmlDocument(model.Attribute("id")?.Value ?? "sbml", level, compartments, species, parameters, functions, initial, assignmentRules, rateRules, reactions, events);
    }

    private static SbmlCompartment Compartment(XElement c, int level)
    {
        string id = Id(c);
        bool constant = Bool(c, "constant", level == 2);
        if (!constant)
        {
            throw new SbmlReadException(Line(c), $"compartment '{id}'", "a compartment whose size changes is not supported (give it constant=\"true\")");
        }

        double size = Number(c, "size");
        if (double.IsNaN(size))
        {
            size = Number(c, "volume");
        }

        return new SbmlCompartment(id, double.IsNaN(size) ? 1.0 : size, constant, Line(c));
    }

    private static SbmlSpecies Species(XElement s, List<SbmlCompartment> compartments)
    {
        string id = Id(s);
        string where = $"species '{id}'";
        if (s.Attribute("conversionFactor") is not null)
        {
            throw new SbmlReadException(Line(s), where, "conversion factors are not supported");
        }

        string compartment = s.Attribute("compartment")?.Value ?? string.Empty;
        var c = compartments.FirstOrDefault(x => x.Id == compartment)
            ?? throw new SbmlReadException(Line(s), where, $"its compartment '{compartment}' is not defined");
        bool onlySubstance = Bool(s, "hasOnlySubstanceUnits", false);
        double concentration = Number(s, "initialConcentration"), amount = Number(s, "initialAmount");
        double initial = onlySubstance
            ? (double.IsNaN(amount) ? concentration * c.Size : amount)
            : (double.IsNaN(concentration) ? amount / c.Size : concentration);
        return new SbmlSpecies(id, compartment, initial, onlySubstance, Bool(s, "boundaryCondition", false), Bool(s, "constant", false), Line(s));
    }

    private static SbmlFunction Function(XElement f)
    {
        string id = Id(f);
        var lambda = Child(Child(f, "math") ?? f, "lambda")
            ?? throw new SbmlReadException(Line(f), $"function definition '{id}'", "it holds no <lambda>");
        var args = lambda.Elements().Where(e => e.Name.LocalName == "bvar").Select(b => b.Value.Trim()).ToList();
        var body = lambda.Elements().FirstOrDefault(e => e.Name.LocalName != "bvar")
            ?? throw new SbmlReadException(Line(f), $"function definition '{id}'", "its <lambda> has no body");
        return new SbmlFunction(id, args, MathMlReader.Read(body, $"function definition '{id}'"));
    }

    private static SbmlAssignment Assignment(XElement a, string attribute, string kind)
    {
        string variable = a.Attribute(attribute)?.Value ?? string.Empty;
        string where = $"{kind} of '{variable}'";
        var math = Child(a, "math") ?? throw new SbmlReadException(Line(a), where, "it has no <math>");
        return new SbmlAssignment(variable, MathMlReader.ReadMath(math, where), Line(a));
    }

    private static SbmlReaction Reaction(XElement r, int level)
    {
        string id = Id(r);
        string where = $"reaction '{id}'";
        if (Bool(r, "fast", false))
        {
            throw new SbmlReadException(Line(r), where, "fast reactions (a quasi-steady-state constraint) are not supported");
        }

        List<SbmlSpeciesReference> Refs(string list) => [.. List(r, list, "speciesReference").Select(sr =>
        {
            if (Child(sr, "stoichiometryMath") is not null)
            {
                throw new SbmlReadException(Line(sr), where, "stoichiometryMath is not supported (give a number)");
            }

            if (level == 3 && sr.Attribute("constant")?.Value is "false" or "0")
            {
                throw new SbmlReadException(Line(sr), where, $"a stoichiometry that changes (constant=\"false\") is not supported (species '{sr.Attribute("species")?.Value}': set constant=\"true\")");
            }

            double st = Number(sr, "stoichiometry");
            return new SbmlSpeciesReference(sr.Attribute("species")?.Value ?? string.Empty, double.IsNaN(st) ? 1.0 : st);
        })];

        var law = Child(r, "kineticLaw") ?? throw new SbmlReadException(Line(r), where, "it has no kinetic law");
        var math = Child(law, "math") ?? throw new SbmlReadException(Line(law), where, "its kinetic law has no <math>");
        var locals = new Dictionary<string, double>(StringComparer.Ordinal);
        foreach (var p in List(law, "listOfLocalParameters", "localParameter").Concat(List(law, "listOfParameters", "parameter")))
        {
            locals[Id(p)] = Number(p, "value");
        }

        return new SbmlReaction(id, Refs("listOfReactants"), Refs("listOfProducts"), MathMlReader.ReadMath(math, where), locals, Line(r));
    }

    private static SbmlEvent Event(XElement e, int level)
    {
        string id = Id(e);
        string where = $"event '{id}'";
        if (Child(e, "delay") is { } delay)
        {
            throw new SbmlReadException(Line(delay), where, "delayed events are not supported (remove the <delay>, or model the delay with a time trigger)");
        }

        if (Child(e, "priority") is { } priority)
        {
            throw new SbmlReadException(Line(priority), where, "event priorities are not supported (simultaneous events are applied in file order)");
        }

        var trigger = Child(e, "trigger") ?? throw new SbmlReadException(Line(e), where, "it has no <trigger>");
        var math = Child(trigger, "math") ?? throw new SbmlReadException(Line(trigger), where, "its trigger has no <math>");
        var assignments = List(e, "listOfEventAssignments", "eventAssignment").Select(a => Assignment(a, "variable", $"{where}: assignment")).ToList();
        return new SbmlEvent(id, MathMlReader.ReadMath(math, where, logic: true), level == 2 || Bool(trigger, "initialValue", true), assignments, Line(e));
    }

    private static XElement? Child(XElement e, string name) => e.Elements().FirstOrDefault(c => c.Name.LocalName == name);

    private static IEnumerable<XElement> List(XElement e, string list, string item) =>
        Child(e, list)?.Elements().Where(c => c.Name.LocalName == item) ?? [];

    private static string Id(XElement e) => e.Attribute("id")?.Value ?? string.Empty;

    private static int Line(XObject x) => MathMlReader.LineOf(x);

    private static double Number(XElement e, string attribute) =>
        e.Attribute(attribute)?.Value is { } s && double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out double v) ? v : double.NaN;

    private static bool Bool(XElement e, string attribute, bool fallback) =>
        e.Attribute(attribute)?.Value is { } s ? s is "true" or "1" : fallback;
}
