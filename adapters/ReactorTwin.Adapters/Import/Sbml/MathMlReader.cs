using System.Globalization;
using System.Xml;
using System.Xml.Linq;

namespace ReactorTwin.Adapters.Import.Sbml;

/// <summary>
/// Reads the MathML subset of SBML core that the model language can express: <c>cn</c> (real, integer, e-notation,
/// rational), <c>ci</c>, the constants <c>exponentiale</c> and <c>pi</c>, and <c>apply</c> of plus, minus, times,
/// divide, power, exp, ln, log (any base), root (any degree) and calls of function definitions; in event triggers
/// (<c>logic</c> true) also the relational and logical operators, <c>true</c>, <c>false</c> and the time symbol
/// (<see cref="TimeSymbol"/>). Anything else (piecewise, relational operators outside triggers, trigonometric
/// functions, the time symbol in rates and rules, delay) is reported as unsupported with the element's line.
/// </summary>
internal static class MathMlReader
{
    public const string Namespace = "http://www.w3.org/1998/Math/MathML";

    /// <summary>The name the time csymbol reads as in a trigger (no SBML identifier can take it).</summary>
    public const string TimeSymbol = "\u0001time";

    /// <summary>Reads the single expression inside a <c>math</c> element.</summary>
    /// <exception cref="SbmlReadException">The element holds no expression or an unsupported one.</exception>
    public static MathNode ReadMath(XElement math, string where, bool logic = false)
    {
        var body = math.Elements().FirstOrDefault() ?? throw Unsupported(math, where, "an empty <math> element");
        return Read(body, where, logic);
    }

    public static MathNode Read(XElement e, string where, bool logic = false)
    {
        switch (e.Name.LocalName)
        {
            case "cn":
                return new MathNumber(ReadNumber(e, where));
            case "ci":
                return new MathName(e.Value.Trim());
            case "exponentiale":
                return new MathNumber(Math.E);
            case "pi":
                return new MathNumber(Math.PI);
            case "true" when logic:
                return new MathNumber(1);
            case "false" when logic:
                return new MathNumber(0);
            case "csymbol" when logic && e.Attribute("definitionURL")?.Value == "http://www.sbml.org/sbml/symbols/time":
                return new MathName(TimeSymbol);
            case "csymbol":
                throw Unsupported(e, where, $"the symbol '{e.Attribute("definitionURL")?.Value}' (time and delay are not supported in rate laws and rules of imported models yet; time is, in event triggers)");
            case "piecewise":
                throw Unsupported(e, where, "piecewise");
            case "semantics":
                return Read(e.Elements().First(), where, logic);
            case "apply":
                return ReadApply(e, where, logic);
            default:
                throw Unsupported(e, where, $"the MathML element <{e.Name.LocalName}>");
        }
    }

    private static MathApply ReadApply(XElement e, string where, bool logic)
    {
        var children = e.Elements().ToList();
        if (children.Count == 0)
        {
            throw Unsupported(e, where, "an empty <apply>");
        }

        var head = children[0];
        var qualifiers = children.Skip(1).Where(c => c.Name.LocalName is "logbase" or "degree").ToList();
        var args = children.Skip(1).Where(c => c.Name.LocalName is not ("logbase" or "degree")).Select(c => Read(c, where, logic)).ToList();
        string op = head.Name.LocalName;
        MathNode? Qualifier(string name) =>
            qualifiers.FirstOrDefault(q => q.Name.LocalName == name) is { } q ? Read(q.Elements().First(), where, logic) : null;

        void Arity(int min, int max)
        {
            if (args.Count < min || args.Count > max)
            {
                throw Unsupported(e, where, $"'{op}' with {args.Count} argument(s)");
            }
        }

        switch (op)
        {
            case "ci":
                return new MathApply("call", args, head.Value.Trim());
            case "csymbol":
                throw Unsupported(head, where, $"the symbol '{head.Attribute("definitionURL")?.Value}' (delay and rateOf are not supported)");
            case "plus" or "times":
                return new MathApply(op, args);
            case "minus":
                Arity(1, 2);
                return new MathApply(op, args);
            case "divide" or "power":
                Arity(2, 2);
                return new MathApply(op, args);
            case "exp" or "ln":
                Arity(1, 1);
                return new MathApply(op, args);
            case "log":
                Arity(1, 1);
                var logBase = Qualifier("logbase") ?? new MathNumber(10);
                return new MathApply("divide", [new MathApply("ln", args), new MathApply("ln", [logBase])]);
            case "root":
                Arity(1, 1);
                var degree = Qualifier("degree");
                return degree is null or MathNumber { Value: 2 }
                    ? new MathApply("sqrt", args)
                    : new MathApply("power", [args[0], new MathApply("divide", [new MathNumber(1), degree])]);
            case "not":
                Arity(1, 1);
                return LogicOnly(e, where, logic, op, args);
            case "neq":
                Arity(2, 2);
                return LogicOnly(e, where, logic, op, args);
            case "eq" or "gt" or "geq" or "lt" or "leq" or "and" or "or" or "xor":
                Arity(op is "and" or "or" or "xor" ? 0 : 2, int.MaxValue);
                return LogicOnly(e, where, logic, op, args);
            default:
                throw Unsupported(head, where, $"the MathML operator '{op}'");
        }
    }

    private static MathApply LogicOnly(XElement e, string where, bool logic, string op, List<MathNode> args) => logic
        ? new MathApply(op, args)
        : throw Unsupported(e, where, $"the relational or logical operator '{op}' outside an event trigger (it needs piecewise, which imported rate laws and rules do not have yet)");

    private static double ReadNumber(XElement e, string where)
    {
        string type = e.Attribute("type")?.Value ?? "real";
        var parts = e.Nodes().OfType<XText>().Select(t => t.Value.Trim()).Where(t => t.Length > 0).ToArray();
        double Part(int i)
        {
            if (i >= parts.Length || !double.TryParse(parts[i], NumberStyles.Float, CultureInfo.InvariantCulture, out double v))
            {
                throw Unsupported(e, where, $"the number '{e.Value.Trim()}'");
            }

            return v;
        }

        return type switch
        {
            "e-notation" => Part(0) * Math.Pow(10, Part(1)),
            "rational" => Part(0) / Part(1),
            "real" or "integer" or "double" => Part(0),
            _ => throw Unsupported(e, where, $"a <cn> of type '{type}'"),
        };
    }

    internal static int LineOf(XObject x) => x is IXmlLineInfo info && info.HasLineInfo() ? info.LineNumber : 0;

    private static SbmlReadException Unsupported(XElement e, string where, string what) =>
        new(LineOf(e), where, $"{what} is not supported");
}
