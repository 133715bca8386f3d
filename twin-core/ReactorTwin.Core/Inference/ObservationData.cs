using System.Globalization;
using ReactorTwin.Core.Models;

namespace ReactorTwin.Core.Inference;

/// <summary>One row of long-format data: batch, time (h), name (a species, cell phase or input), value.</summary>
/// <param name="Batch">Batch (trajectory) identifier.</param>
/// <param name="TimeHours">Time since the batch started (h), ≥ 0.</param>
/// <param name="Name">Species or cell-phase name.</param>
/// <param name="Value">Measured value in the component's unit.</param>
/// <param name="Line">1-based line in the source file, for error messages (0 if none).</param>
public readonly record struct DataRow(string Batch, double TimeHours, string Name, double Value, int Line = 0);

/// <summary>The measurements of one batch at one time: which state components and their values.</summary>
/// <param name="TimeHours">Time (h).</param>
/// <param name="Components">Indices into the state z of the measured components (ascending).</param>
/// <param name="Values">Measured values, aligned with <paramref name="Components"/>.</param>
public sealed record ObservationTime(double TimeHours, int[] Components, double[] Values);

/// <summary>
/// One batch: its initial state (model defaults overwritten by the values measured at t = 0) and the later
/// observation times in increasing order. Components measured at t = 0 are known initial values, not observations.
/// </summary>
/// <param name="Id">Batch identifier.</param>
/// <param name="InitialState">z(0).</param>
/// <param name="InitiallyMeasured">Components whose initial value came from the data.</param>
/// <param name="Times">Observation times &gt; 0.</param>
public sealed record Batch(string Id, double[] InitialState, int[] InitiallyMeasured, IReadOnlyList<ObservationTime> Times)
{
    /// <summary>The batch's inputs (feed rates, setpoints) over time, or null when every input keeps the model's value.</summary>
    public InputSchedule? Inputs { get; init; }
}

/// <summary>A problem in a data set, located by source, line and field.</summary>
/// <param name="Source">File name or other source.</param>
/// <param name="Line">1-based line (0 if unknown).</param>
/// <param name="Field">Column or field concerned.</param>
/// <param name="Message">What is wrong.</param>
public sealed record DataError(string Source, int Line, string Field, string Message)
{
    /// <inheritdoc />
    public override string ToString() => Line > 0 ? $"{Source}:{Line}: {Field}: {Message}" : $"{Source}: {Field}: {Message}";
}

/// <summary>Data do not fit the model (unknown names, NaN, times out of order, duplicates). Lists every problem.</summary>
public sealed class DataException : Exception
{
    /// <summary>Creates the exception from the problems found (at least one).</summary>
    public DataException(IReadOnlyList<DataError> errors)
        : base(Format(errors))
    {
        Errors = errors;
    }

    /// <summary>Creates the exception.</summary>
    public DataException()
        : this([new DataError("<data>", 0, "-", "invalid data")])
    {
    }

    /// <summary>Creates the exception with a message.</summary>
    public DataException(string message)
        : this([new DataError("<data>", 0, "-", message)])
    {
    }

    /// <summary>Creates the exception with a message and a cause.</summary>
    public DataException(string message, Exception innerException)
        : base(message, innerException)
    {
        Errors = [new DataError("<data>", 0, "-", message)];
    }

    /// <summary>Every problem found.</summary>
    public IReadOnlyList<DataError> Errors { get; }

    private static string Format(IReadOnlyList<DataError> errors)
    {
        ArgumentNullException.ThrowIfNull(errors);
        const int shown = 20;
        var lines = errors.Take(shown).Select(e => "  " + e);
        string more = errors.Count > shown ? $"{Environment.NewLine}  … and {errors.Count - shown} more" : string.Empty;
        return $"Invalid data ({errors.Count} problem{(errors.Count == 1 ? string.Empty : "s")}):{Environment.NewLine}{string.Join(Environment.NewLine, lines)}{more}";
    }
}

/// <summary>Measurements of several independent batches, validated against a model.</summary>
public sealed class ObservationSet
{
    private ObservationSet(ReactionNetwork model, IReadOnlyList<Batch> batches)
    {
        Model = model;
        Batches = batches;
    }

    /// <summary>The model the data were validated against.</summary>
    public ReactionNetwork Model { get; }

    /// <summary>Batches in order of first appearance.</summary>
    public IReadOnlyList<Batch> Batches { get; }

    /// <summary>Wraps batches built by the caller (trusted: not validated; for tests and harnesses).</summary>
    internal static ObservationSet FromBatches(ReactionNetwork model, IReadOnlyList<Batch> batches) => new(model, batches);

    /// <summary>
    /// Builds a set from complete simulated trajectories without going through rows: one batch per path, every state
    /// component observed at t = 0 and at each time (used by the design harness; the values are trusted).
    /// </summary>
    /// <param name="model">The model.</param>
    /// <param name="paths">Per batch: (id, z₀, times (h, increasing, &gt; 0), values times × n row-major).</param>
    internal static ObservationSet FromCompletePaths(ReactionNetwork model, IEnumerable<(string Id, double[] InitialState, double[] Times, double[] Values)> paths)
    {
        int n = model.StateDimension;
        int[] all = [.. Enumerable.Range(0, n)];
        var batches = new List<Batch>();
        foreach (var (id, z0, times, values) in paths)
        {
            var obs = new ObservationTime[times.Length];
            for (int t = 0; t < times.Length; t++)
            {
                obs[t] = new ObservationTime(times[t], all, values.AsSpan(t * n, n).ToArray());
            }

            batches.Add(new Batch(id, [.. z0], all, obs));
        }

        return new ObservationSet(model, batches);
    }

    /// <summary>The input series of one batch from its rows (null when it has none).</summary>
    private static InputSchedule? Inputs(ReactionNetwork model, List<DataRow>? rows, string source, List<DataError> errors)
    {
        if (rows is null)
        {
            return null;
        }

        var schedule = InputSchedule.Constant(model);
        foreach (var series in rows.GroupBy(r => r.Name, StringComparer.Ordinal))
        {
            var points = series.OrderBy(r => r.TimeHours).ToList();
            bool ok = true;
            for (int k = 1; k < points.Count; k++)
            {
                if (points[k].TimeHours == points[k - 1].TimeHours)
                {
                    errors.Add(new DataError(source, points[k].Line, "time_h", $"batch {points[k].Batch}: input {points[k].Name} at {points[k].TimeHours.ToString(CultureInfo.InvariantCulture)} h is already given on line {points[k - 1].Line}"));
                    ok = false;
                }
            }

            if (ok)
            {
                schedule = schedule.With(series.Key, [.. points.Select(r => r.TimeHours)], [.. points.Select(r => r.Value)]);
            }
        }

        return schedule;
    }

    /// <summary>
    /// Groups long-format rows into batches and validates them: every name must be a species or cell phase of
    /// the model, values and times finite, times ≥ 0 and non-decreasing within a batch in file order, no
    /// component twice at one time. All problems are reported together.
    /// </summary>
    /// <param name="model">The model.</param>
    /// <param name="rows">The rows.</param>
    /// <param name="source">Source name for error messages.</param>
    /// <param name="defaultInitialState">Initial values for components not measured at t = 0; null for the model's.</param>
    /// <exception cref="DataException">The rows do not fit the model.</exception>
    public static ObservationSet FromRows(ReactionNetwork model, IEnumerable<DataRow> rows, string source, double[]? defaultInitialState = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(rows);
        var errors = new List<DataError>();
        var order = new List<string>();
        var byBatch = new Dictionary<string, List<DataRow>>(StringComparer.Ordinal);
        var lastTime = new Dictionary<string, (double Time, int Line)>(StringComparer.Ordinal);
        var inputRows = new Dictionary<string, List<DataRow>>(StringComparer.Ordinal);
        foreach (var row in rows)
        {
            bool ok = true;
            bool isInput = model.IndexOfInput(row.Name) >= 0;
            if (isInput && double.IsFinite(row.TimeHours) && double.IsFinite(row.Value))
            {
                if (!inputRows.TryGetValue(row.Batch, out var series))
                {
                    inputRows[row.Batch] = series = [];
                }

                series.Add(row);
                continue;
            }

            if (!isInput && model.IndexOfState(row.Name) < 0)
            {
                errors.Add(new DataError(source, row.Line, "species", $"'{row.Name}' is not a species, cell phase or input of model '{model.Name}' ({string.Join(", ", model.StateNames.Concat(model.Inputs.Select(u => u.Name)))})"));
                ok = false;
            }

            if (!double.IsFinite(row.TimeHours) || row.TimeHours < 0)
            {
                errors.Add(new DataError(source, row.Line, "time_h", $"time must be finite and ≥ 0, not {row.TimeHours.ToString(CultureInfo.InvariantCulture)}"));
                ok = false;
            }

            if (!double.IsFinite(row.Value))
            {
                errors.Add(new DataError(source, row.Line, "value", $"value of {row.Name} must be a finite number, not {row.Value.ToString(CultureInfo.InvariantCulture)}"));
                ok = false;
            }

            if (double.IsFinite(row.TimeHours) && lastTime.TryGetValue(row.Batch, out var last) && row.TimeHours < last.Time)
            {
                errors.Add(new DataError(source, row.Line, "time_h", $"batch {row.Batch}: time {row.TimeHours.ToString(CultureInfo.InvariantCulture)} h comes after {last.Time.ToString(CultureInfo.InvariantCulture)} h (line {last.Line}); times must not decrease within a batch"));
                ok = false;
            }

            bool timeInOrder = double.IsFinite(row.TimeHours) && row.TimeHours >= 0 &&
                (!lastTime.TryGetValue(row.Batch, out var previous) || row.TimeHours >= previous.Time);
            if (timeInOrder)
            {
                // Also for rows rejected for another reason, so that a time-order problem after them is still found.
                lastTime[row.Batch] = (row.TimeHours, row.Line);
            }

            if (!ok)
            {
                continue;
            }
            if (!byBatch.TryGetValue(row.Batch, out var list))
            {
                byBatch[row.Batch] = list = [];
                order.Add(row.Batch);
            }

            list.Add(row);
        }

        var batches = new List<Batch>(order.Count);
        foreach (string id in order)
        {
            var z0 = (defaultInitialState ?? model.DefaultInitialState()).ToArray();
            var initial = new List<int>();
            var times = new List<ObservationTime>();
            foreach (var group in byBatch[id].GroupBy(r => r.TimeHours))
            {
                var seen = new Dictionary<int, int>();
                var comps = new List<(int Index, double Value)>();
                foreach (var r in group)
                {
                    int ix = model.IndexOfState(r.Name);
                    if (!seen.TryAdd(ix, r.Line))
                    {
                        errors.Add(new DataError(source, r.Line, "species", $"batch {id}: {r.Name} at {r.TimeHours.ToString(CultureInfo.InvariantCulture)} h is already given on line {seen[ix]}"));
                        continue;
                    }

                    comps.Add((ix, r.Value));
                }

                comps.Sort((a, b) => a.Index.CompareTo(b.Index));
                if (group.Key == 0.0)
                {
                    foreach (var (ix, v) in comps)
                    {
                        if (v < 0)
                        {
                            errors.Add(new DataError(source, group.First().Line, "value", $"batch {id}: the initial value of {model.StateNames[ix]} must be ≥ 0, not {v.ToString(CultureInfo.InvariantCulture)}"));
                        }

                        z0[ix] = v;
                        initial.Add(ix);
                    }
                }
                else
                {
                    times.Add(new ObservationTime(group.Key, comps.Select(c => c.Index).ToArray(), comps.Select(c => c.Value).ToArray()));
                }
            }

            batches.Add(new Batch(id, z0, [.. initial], times) { Inputs = Inputs(model, inputRows.GetValueOrDefault(id), source, errors) });
        }

        foreach (string id in inputRows.Keys.Where(k => !byBatch.ContainsKey(k)))
        {
            var first = inputRows[id][0];
            errors.Add(new DataError(source, first.Line, "batch", $"batch {id} gives input values ({first.Name}) but no measurement"));
        }

        if (errors.Count > 0)
        {
            throw new DataException(errors);
        }

        return new ObservationSet(model, batches);
    }
}
