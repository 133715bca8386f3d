namespace ReactorTwin.Adapters.Import.Petab;

/// <summary>Checks that every name a PEtab problem uses is defined somewhere, before anything is simulated.</summary>
internal static class PetabChecks
{
    public static void Check(PetabProblem p)
    {
        var net = p.Model.Network;
        var tableIds = p.Parameters.Select(x => x.Id).ToHashSet(StringComparer.Ordinal);
        var columns = p.Conditions.Values.SelectMany(c => c.Keys).ToHashSet(StringComparer.Ordinal);
        bool Known(string name) => net.IndexOfState(name) >= 0 || net.IndexOfParameter(name) >= 0 || tableIds.Contains(name) || columns.Contains(name)
            || p.Model.Assignments.ContainsKey(name) || name is "time" or "t";
        var problems = new List<string>();
        foreach (var o in p.Observables.Values)
        {
            foreach (var (formula, kind) in new[] { (o.Formula, "observableFormula"), (o.Noise, "noiseFormula") })
            {
                foreach (var name in formula.Symbols.Where(n => !Known(n) && !IsPlaceholder(n, o.Id)))
                {
                    problems.Add($"observable '{o.Id}': {kind} names '{name}', which is not a state or parameter of the model, a row of the parameter table or a condition column");
                }
            }
        }

        foreach (var column in columns.Where(c => !Known(c) || (net.IndexOfState(c) < 0 && net.IndexOfParameter(c) < 0 && !UsedByObservables(p, c))))
        {
            problems.Add($"condition column '{column}' is not a species, compartment or parameter of the model, nor a parameter of an observable");
        }

        foreach (var (id, cells) in p.Conditions)
        {
            foreach (var (column, cell) in cells)
            {
                if (cell.Length > 0 && !IsNumber(cell) && !tableIds.Contains(cell) && net.IndexOfParameter(cell) < 0)
                {
                    problems.Add($"condition '{id}', column '{column}': '{cell}' is neither a number nor a parameter");
                }
            }
        }

        foreach (var m in p.Measurements)
        {
            var o = p.Observables[m.Observable];
            foreach (var (formula, kind, given) in new[] { (o.Formula, "observableParameter", m.ObservableParameters.Count), (o.Noise, "noiseParameter", m.NoiseParameters.Count) })
            {
                int needed = formula.Symbols.Where(n => IsPlaceholder(n, o.Id) && n.StartsWith(kind, StringComparison.Ordinal))
                    .Select(n => int.TryParse(n.AsSpan(kind.Length, n.Length - kind.Length - o.Id.Length - 1), System.Globalization.CultureInfo.InvariantCulture, out int k) ? k : 0)
                    .DefaultIfEmpty(0).Max();
                if (given < needed)
                {
                    problems.Add($"measurement line {m.Line}: observable '{o.Id}' needs {needed} {kind}s, the measurement gives {given}");
                }
            }

            foreach (var cell in m.ObservableParameters.Concat(m.NoiseParameters).Where(c => !IsNumber(c) && !tableIds.Contains(c) && net.IndexOfParameter(c) < 0))
            {
                problems.Add($"measurement line {m.Line}: the override '{cell}' is neither a number nor a parameter of the parameter table");
            }
        }

        if (problems.Count > 0)
        {
            throw new PetabException($"{p.Path}: {problems.Count} problem(s):{Environment.NewLine}  " + string.Join(Environment.NewLine + "  ", problems));
        }
    }

    internal static bool IsPlaceholder(string name, string observable) =>
        (name.StartsWith("observableParameter", StringComparison.Ordinal) || name.StartsWith("noiseParameter", StringComparison.Ordinal))
        && name.EndsWith("_" + observable, StringComparison.Ordinal);

    internal static bool IsNumber(string cell) =>
        cell.Equals("nan", StringComparison.OrdinalIgnoreCase) || double.TryParse(cell, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out _);

    private static bool UsedByObservables(PetabProblem p, string name) =>
        p.Observables.Values.Any(o => o.Formula.Symbols.Contains(name) || o.Noise.Symbols.Contains(name));
}
