using System.Globalization;
using ReactorTwin.Adapters.Import.Sbml;
using ReactorTwin.Core.Expressions;

namespace ReactorTwin.Adapters.Import.Petab;

/// <summary>How a PEtab parameter is estimated: on its natural scale, natural log or log10.</summary>
public enum PetabScale
{
    /// <summary>lin.</summary>
    Linear,

    /// <summary>log (natural).</summary>
    Log,

    /// <summary>log10.</summary>
    Log10,
}

/// <summary>A row of the parameter table. <paramref name="Nominal"/>, the bounds and values are on the natural scale.</summary>
/// <param name="Id">parameterId.</param>
/// <param name="Scale">parameterScale.</param>
/// <param name="Lower">lowerBound.</param>
/// <param name="Upper">upperBound.</param>
/// <param name="Nominal">nominalValue.</param>
/// <param name="Estimate">estimate (1 or 0).</param>
public sealed record PetabParameter(string Id, PetabScale Scale, double Lower, double Upper, double Nominal, bool Estimate)
{
    /// <summary>A natural-scale value on this parameter's scale.</summary>
    public double ToScale(double value) => Scale switch { PetabScale.Log => Math.Log(value), PetabScale.Log10 => Math.Log10(value), _ => value };

    /// <summary>A value on this parameter's scale back on the natural scale.</summary>
    public double FromScale(double value) => Scale switch { PetabScale.Log => Math.Exp(value), PetabScale.Log10 => Math.Pow(10, value), _ => value };
}

/// <summary>A row of the observable table.</summary>
/// <param name="Id">observableId.</param>
/// <param name="Formula">observableFormula.</param>
/// <param name="Noise">noiseFormula (the SD).</param>
/// <param name="Transformation">observableTransformation: lin, log or log10.</param>
/// <param name="Laplace">True for noiseDistribution laplace, false for normal.</param>
public sealed record PetabObservable(string Id, Formula Formula, Formula Noise, PetabScale Transformation, bool Laplace);

/// <summary>A row of the measurement table.</summary>
/// <param name="Observable">observableId.</param>
/// <param name="Preequilibration">preequilibrationConditionId, or "" for none.</param>
/// <param name="Condition">simulationConditionId.</param>
/// <param name="Time">time.</param>
/// <param name="Value">measurement.</param>
/// <param name="ObservableParameters">observableParameters, split at ';' (numbers or parameter ids).</param>
/// <param name="NoiseParameters">noiseParameters, split at ';'.</param>
/// <param name="Line">Line in the measurement file.</param>
public sealed record PetabMeasurement(string Observable, string Preequilibration, string Condition, double Time, double Value, IReadOnlyList<string> ObservableParameters, IReadOnlyList<string> NoiseParameters, int Line);

/// <summary>
/// A PEtab v1 problem (docs/petab.md): the SBML model (imported by <see cref="SbmlImporter"/>) and the condition,
/// measurement, observable and parameter tables named by its YAML file. <see cref="Load"/> checks every reference
/// (observables, conditions, parameters, formula names) and reports the file, line and column of a problem.
/// Evaluate it with <see cref="PetabObjective"/>.
/// </summary>
public sealed class PetabProblem
{
    private PetabProblem(string path, SbmlModel model, IReadOnlyList<PetabParameter> parameters, IReadOnlyDictionary<string, IReadOnlyDictionary<string, string>> conditions, IReadOnlyDictionary<string, PetabObservable> observables, IReadOnlyList<PetabMeasurement> measurements)
    {
        Path = path;
        Model = model;
        Parameters = parameters;
        Conditions = conditions;
        Observables = observables;
        Measurements = measurements;
    }

    /// <summary>The YAML file.</summary>
    public string Path { get; }

    /// <summary>The imported SBML model.</summary>
    public SbmlModel Model { get; }

    /// <summary>The parameter table.</summary>
    public IReadOnlyList<PetabParameter> Parameters { get; }

    /// <summary>The condition table: condition id → column → cell text.</summary>
    public IReadOnlyDictionary<string, IReadOnlyDictionary<string, string>> Conditions { get; }

    /// <summary>The observables by id.</summary>
    public IReadOnlyDictionary<string, PetabObservable> Observables { get; }

    /// <summary>The measurements in file order.</summary>
    public IReadOnlyList<PetabMeasurement> Measurements { get; }

    /// <summary>The parameters to estimate, in table order.</summary>
    public IReadOnlyList<PetabParameter> Estimated => [.. Parameters.Where(p => p.Estimate)];

    /// <summary>The same problem with another parameter table of the same rows (for example other nominal values).</summary>
    /// <exception cref="ArgumentException">The rows' ids differ.</exception>
    public PetabProblem WithParameters(IReadOnlyList<PetabParameter> parameters)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        return parameters.Select(p => p.Id).SequenceEqual(Parameters.Select(p => p.Id), StringComparer.Ordinal)
            ? new PetabProblem(Path, Model, parameters, Conditions, Observables, Measurements)
            : throw new ArgumentException("the parameter table must keep its rows (same ids, same order)", nameof(parameters));
    }

    /// <summary>Reads a PEtab v1 problem from its YAML file.</summary>
    /// <exception cref="PetabException">A file is missing or a table is malformed or inconsistent.</exception>
    /// <exception cref="SbmlImportException">The SBML model cannot be imported.</exception>
    public static PetabProblem Load(string yamlPath)
    {
        var yaml = PetabYaml.Read(yamlPath);
        string dir = System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(yamlPath))!;
        if (yaml.TryGetValue("format_version", out var version) && version.FirstOrDefault() is { } v && v != "1" && !v.StartsWith("1.", StringComparison.Ordinal))
        {
            throw new PetabException($"{yamlPath}: format_version {v} is not supported (PEtab 1)");
        }

        string One(string key)
        {
            if (!yaml.TryGetValue(key, out var files) || files.Count == 0)
            {
                throw new PetabException($"{yamlPath}: '{key}' is missing");
            }

            if (files.Count > 1)
            {
                throw new PetabException($"{yamlPath}: '{key}' lists {files.Count} files; one is supported");
            }

            string file = System.IO.Path.Combine(dir, files[0]);
            return File.Exists(file) ? file : throw new PetabException($"{yamlPath}: {key}: the file {files[0]} does not exist");
        }

        var model = SbmlImporter.Load(One(yaml.ContainsKey("sbml_files") ? "sbml_files" : "model_files"));
        var parameters = ReadParameters(TsvTable.Load(One("parameter_file")));
        var conditions = ReadConditions(TsvTable.Load(One("condition_files")));
        var observables = ReadObservables(TsvTable.Load(One("observable_files")));
        var measurements = ReadMeasurements(TsvTable.Load(One("measurement_files")), observables, conditions);
        var problem = new PetabProblem(yamlPath, model, parameters, conditions, observables, measurements);
        PetabChecks.Check(problem);
        return problem;
    }

    internal static double Number(string text, string source, int line, string column)
    {
        if (text.Equals("nan", StringComparison.OrdinalIgnoreCase))
        {
            return double.NaN;
        }

        string t = text.Equals("inf", StringComparison.OrdinalIgnoreCase) ? "Infinity" : text.Equals("-inf", StringComparison.OrdinalIgnoreCase) ? "-Infinity" : text;
        return double.TryParse(t, NumberStyles.Float, CultureInfo.InvariantCulture, out double v)
            ? v
            : throw new PetabException($"{source}:{line}: {column}: '{text}' is not a number");
    }

    private static PetabScale Scale(string text, string source, int line, string column) => text switch
    {
        "" or "lin" => PetabScale.Linear,
        "log" => PetabScale.Log,
        "log10" => PetabScale.Log10,
        _ => throw new PetabException($"{source}:{line}: {column}: '{text}' is not lin, log or log10"),
    };

    private static List<PetabParameter> ReadParameters(TsvTable t)
    {
        var list = new List<PetabParameter>();
        foreach (var row in t.Rows)
        {
            double N(string column) => Number(t.Required(row, column), t.Source, row.Line, column);
            string estimate = t.Required(row, "estimate");
            if (estimate is not ("0" or "1"))
            {
                throw new PetabException($"{t.Source}:{row.Line}: estimate: '{estimate}' is not 0 or 1");
            }

            if (t.Cell(row.Cells, "objectivePriorType") is { Length: > 0 } prior)
            {
                throw new PetabException($"{t.Source}:{row.Line}: objectivePriorType: '{prior}': priors are not supported (the fit is maximum likelihood); remove the column");
            }

            list.Add(new PetabParameter(t.Required(row, "parameterId"), Scale(t.Cell(row.Cells, "parameterScale"), t.Source, row.Line, "parameterScale"),
                N("lowerBound"), N("upperBound"), N("nominalValue"), estimate == "1"));
        }

        return list;
    }

    private static Dictionary<string, IReadOnlyDictionary<string, string>> ReadConditions(TsvTable t)
    {
        var result = new Dictionary<string, IReadOnlyDictionary<string, string>>(StringComparer.Ordinal);
        foreach (var row in t.Rows)
        {
            var cells = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var column in t.Header.Where(h => h is not ("conditionId" or "conditionName")))
            {
                cells[column] = t.Cell(row.Cells, column);
            }

            result[t.Required(row, "conditionId")] = cells;
        }

        return result;
    }

    private static Dictionary<string, PetabObservable> ReadObservables(TsvTable t)
    {
        var result = new Dictionary<string, PetabObservable>(StringComparer.Ordinal);
        foreach (var row in t.Rows)
        {
            Formula F(string column)
            {
                string text = t.Required(row, column).Replace("**", "^", StringComparison.Ordinal);
                try
                {
                    return Formula.Parse(text);
                }
                catch (FormulaException ex)
                {
                    throw new PetabException($"{t.Source}:{row.Line}: {column}: {ex.Message}");
                }
            }

            string distribution = t.Cell(row.Cells, "noiseDistribution");
            if (distribution is not ("" or "normal" or "laplace"))
            {
                throw new PetabException($"{t.Source}:{row.Line}: noiseDistribution: '{distribution}' is not normal or laplace");
            }

            string id = t.Required(row, "observableId");
            result[id] = new PetabObservable(id, F("observableFormula"), F("noiseFormula"),
                Scale(t.Cell(row.Cells, "observableTransformation"), t.Source, row.Line, "observableTransformation"), distribution == "laplace");
        }

        return result;
    }

    private static List<PetabMeasurement> ReadMeasurements(TsvTable t, Dictionary<string, PetabObservable> observables, Dictionary<string, IReadOnlyDictionary<string, string>> conditions)
    {
        var list = new List<PetabMeasurement>();
        foreach (var row in t.Rows)
        {
            string obs = t.Required(row, "observableId");
            if (!observables.ContainsKey(obs))
            {
                throw new PetabException($"{t.Source}:{row.Line}: observableId: '{obs}' is not in the observable table");
            }

            string pre = t.Cell(row.Cells, "preequilibrationConditionId");
            string sim = t.Required(row, "simulationConditionId");
            foreach (var (c, column) in new[] { (pre, "preequilibrationConditionId"), (sim, "simulationConditionId") })
            {
                if (c.Length > 0 && !conditions.ContainsKey(c))
                {
                    throw new PetabException($"{t.Source}:{row.Line}: {column}: '{c}' is not in the condition table");
                }
            }

            double time = Number(t.Required(row, "time"), t.Source, row.Line, "time");
            if (!double.IsFinite(time) || time < 0)
            {
                throw new PetabException($"{t.Source}:{row.Line}: time: '{t.Required(row, "time")}' must be finite and ≥ 0 (steady-state measurements, time inf, are not supported)");
            }

            static string[] Split(string cell) => cell.Length == 0 ? [] : [.. cell.Split(';').Select(s => s.Trim())];
            list.Add(new PetabMeasurement(obs, pre, sim, time, Number(t.Required(row, "measurement"), t.Source, row.Line, "measurement"),
                Split(t.Cell(row.Cells, "observableParameters")), Split(t.Cell(row.Cells, "noiseParameters")), row.Line));
        }

        return list;
    }
}
