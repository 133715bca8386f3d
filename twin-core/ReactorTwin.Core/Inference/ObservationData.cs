using System.Globalization;
using ReactorTwin.Core.Models;

namespace ReactorTwin.Core.Inference;

/// <summary>One measurement: batch, time (h), name (a channel — species, cell phase or observable — or an input), value.</summary>
/// <param name="Batch">Batch (trajectory) identifier.</param>
/// <param name="TimeHours">Time since the batch started (h), ≥ 0.</param>
/// <param name="Name">Channel name (<see cref="ReactionNetwork.ChannelNames"/>) or input name.</param>
/// <param name="Value">Measured value in the channel's unit (an input's value in the input's unit).</param>
/// <param name="Line">1-based line in the source file, for error messages (0 if none).</param>
/// <param name="Column">1-based column of the value in its line (wide tables; 0 if none).</param>
public readonly record struct DataRow(string Batch, double TimeHours, string Name, double Value, int Line = 0, int Column = 0);

/// <summary>The measurements of one batch at one time: which channels and their values.</summary>
/// <param name="TimeHours">Time (h), ≥ 0; 0 only for observables measured at the start (states measured at t = 0 are
/// the batch's initial values, not observations).</param>
/// <param name="Components">Channel indices (<see cref="ReactionNetwork.ChannelNames"/>: the state components 0..n−1,
/// then the observables n..) of the measured values, ascending. A channel measured several times at this time
/// (replicates) appears once per replicate, in file order.</param>
/// <param name="Values">Measured values, aligned with <paramref name="Components"/>.</param>
public sealed record ObservationTime(double TimeHours, int[] Components, double[] Values);

/// <summary>
/// One batch: its initial state (model defaults overwritten by the values measured at t = 0) and its observation times
/// in increasing order. States measured at t = 0 are known initial values, not observations: replicates of a state at
/// t = 0 are averaged into its initial value. Observables measured at t = 0 are observations (the first entry of
/// <see cref="Times"/>, at t = 0), since an observable is not a state.
/// </summary>
/// <param name="Id">Batch identifier.</param>
/// <param name="InitialState">z(0), length n.</param>
/// <param name="InitiallyMeasured">State components whose initial value came from the data (ascending, each once).</param>
/// <param name="Times">Observation times, ≥ 0 and increasing; t = 0 holds observables only.</param>
public sealed record Batch(string Id, double[] InitialState, int[] InitiallyMeasured, IReadOnlyList<ObservationTime> Times)
{
    /// <summary>The batch's inputs (feed rates, setpoints) over time, or null when every input keeps the model's value.</summary>
    public InputSchedule? Inputs { get; init; }
}

/// <summary>A channel the likelihoods fit (a state measured at some t &gt; 0, or an observable), with where it is measured.</summary>
/// <param name="Channel">Channel index (<see cref="ReactionNetwork.ChannelNames"/>).</param>
/// <param name="Count">Number of such measurements over all batches.</param>
/// <param name="FirstLine">First source line with such a measurement (0 if the rows carry no lines).</param>
/// <param name="LastLine">Last such line.</param>
public sealed record MeasuredChannel(int Channel, int Count, int FirstLine, int LastLine);

/// <summary>Measurements of several independent batches, validated against a model.</summary>
public sealed class ObservationSet
{
    private ObservationSet(ReactionNetwork model, IReadOnlyList<Batch> batches, IReadOnlyList<string> warnings, IReadOnlyList<MeasuredChannel> measured)
    {
        Model = model;
        Batches = batches;
        Warnings = warnings;
        MeasuredChannels = measured;
    }

    /// <summary>The model the data were validated against.</summary>
    public ReactionNetwork Model { get; }

    /// <summary>Batches in order of first appearance.</summary>
    public IReadOnlyList<Batch> Batches { get; }

    /// <summary>Wraps batches built by the caller (trusted: not validated; for tests and harnesses).</summary>
    internal static ObservationSet FromBatches(ReactionNetwork model, IReadOnlyList<Batch> batches) =>
        new(model, batches, [], [.. batches.SelectMany(b => b.Times).SelectMany(t => t.Components).GroupBy(c => c).OrderBy(g => g.Key).Select(g => new MeasuredChannel(g.Key, g.Count(), 0, 0))]);

    /// <summary>
    /// What the data leave to defaults, one sentence each: batches with no sample at t = 0 of some states, whose initial
    /// values are then the model's (or the given defaults). Empty when nothing was assumed.
    /// </summary>
    public IReadOnlyList<string> Warnings { get; }

    /// <summary>The channels that enter the likelihood as observations (states measured at some t &gt; 0, observables at
    /// any time), ascending, with their count and lines: each needs a measurement noise.</summary>
    public IReadOnlyList<MeasuredChannel> MeasuredChannels { get; }

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
        int count = 0;
        foreach (var (id, z0, times, values) in paths)
        {
            var obs = new ObservationTime[times.Length];
            for (int t = 0; t < times.Length; t++)
            {
                obs[t] = new ObservationTime(times[t], all, values.AsSpan(t * n, n).ToArray());
            }

            count += times.Length;
            batches.Add(new Batch(id, [.. z0], all, obs));
        }

        return new ObservationSet(model, batches, [], [.. all.Select(c => new MeasuredChannel(c, count, 0, 0))]);
    }

    /// <summary>
    /// Groups rows into batches and validates them: every name must be a channel (species, cell phase or observable)
    /// or an input of the model, values and times finite, times ≥ 0 and non-decreasing within a batch in file order.
    /// A channel given several times at one time is a set of replicates, each its own observation (at t = 0 the
    /// replicates of a state are averaged into its initial value). States with no sample at t = 0 keep the model's
    /// initial value (or <paramref name="defaultInitialState"/>'s), which <see cref="Warnings"/> says. All problems
    /// are reported together.
    /// </summary>
    /// <param name="model">The model.</param>
    /// <param name="rows">The rows.</param>
    /// <param name="source">Source name for error messages.</param>
    /// <param name="defaultInitialState">Initial values for components not measured at t = 0 (length n); null for the model's.</param>
    /// <exception cref="DataException">The rows do not fit the model.</exception>
    public static ObservationSet FromRows(ReactionNetwork model, IEnumerable<DataRow> rows, string source, double[]? defaultInitialState = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(rows);
        if (defaultInitialState is not null && defaultInitialState.Length != model.StateDimension)
        {
            throw new ArgumentException($"{defaultInitialState.Length} default initial values for {model.StateDimension} state components", nameof(defaultInitialState));
        }

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

            if (!isInput && model.IndexOfChannel(row.Name) < 0)
            {
                errors.Add(new DataError(source, row.Line, "species", UnknownName(model, row.Name), row.Column));
                ok = false;
            }

            if (!double.IsFinite(row.TimeHours) || row.TimeHours < 0)
            {
                errors.Add(new DataError(source, row.Line, "time_h", $"time must be finite and ≥ 0, not {Num(row.TimeHours)}"));
                ok = false;
            }

            if (!double.IsFinite(row.Value))
            {
                errors.Add(new DataError(source, row.Line, "value", $"value of {row.Name} must be a finite number, not {Num(row.Value)}", row.Column));
                ok = false;
            }

            if (double.IsFinite(row.TimeHours) && lastTime.TryGetValue(row.Batch, out var last) && row.TimeHours < last.Time)
            {
                errors.Add(new DataError(source, row.Line, "time_h", $"batch {row.Batch}: time {Num(row.TimeHours)} h comes after {Num(last.Time)} h (line {last.Line}); times must not decrease within a batch"));
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

        var measured = new SortedDictionary<int, MeasuredChannel>();
        var unsampled = new List<(string Batch, int[] States)>();
        var batches = new List<Batch>(order.Count);
        foreach (string id in order)
        {
            var batch = AssembleBatch(model, id, byBatch[id], defaultInitialState ?? model.DefaultInitialState(), source, errors, measured);
            batches.Add(batch with { Inputs = Inputs(model, inputRows.GetValueOrDefault(id), source, errors) });
            int[] missing = [.. Enumerable.Range(0, model.StateDimension).Where(i => Array.IndexOf(batch.InitiallyMeasured, i) < 0)];
            if (missing.Length > 0)
            {
                unsampled.Add((id, missing));
            }
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

        var initial = defaultInitialState ?? model.DefaultInitialState();
        return new ObservationSet(model, batches, UnsampledWarnings(model, unsampled, initial, defaultInitialState is null), [.. measured.Values]);
    }

    /// <summary>One batch from its valid rows (file order, times non-decreasing): t = 0 states into z₀ (replicates
    /// averaged), everything else into observation times, channels ascending and replicates in file order.</summary>
    private static Batch AssembleBatch(ReactionNetwork model, string id, List<DataRow> rows, double[] defaults, string source, List<DataError> errors, SortedDictionary<int, MeasuredChannel> measured)
    {
        int n = model.StateDimension;
        var z0 = defaults.ToArray();
        var initial = new List<int>();
        var times = new List<ObservationTime>();
        foreach (var group in rows.GroupBy(r => r.TimeHours))
        {
            // OrderBy is stable: replicates of one channel keep their file order.
            var entries = group.Select(r => (Channel: model.IndexOfChannel(r.Name), Row: r)).OrderBy(e => e.Channel).ToList();
            bool atStart = group.Key == 0.0;
            if (atStart)
            {
                foreach (var state in entries.Where(e => e.Channel < n).GroupBy(e => e.Channel))
                {
                    double mean = state.Average(e => e.Row.Value);
                    if (mean < 0)
                    {
                        string what = state.Count() > 1 ? $"(the mean of {state.Count()} replicates) " : string.Empty;
                        errors.Add(new DataError(source, state.First().Row.Line, "value", $"batch {id}: the initial value of {model.StateNames[state.Key]} {what}must be ≥ 0, not {Num(mean)}", state.First().Row.Column));
                    }

                    z0[state.Key] = mean;
                    initial.Add(state.Key);
                }

                entries.RemoveAll(e => e.Channel < n);
            }

            if (entries.Count == 0)
            {
                continue;
            }

            foreach (var (channel, row) in entries)
            {
                measured[channel] = measured.TryGetValue(channel, out var m)
                    ? m with { Count = m.Count + 1, FirstLine = Math.Min(m.FirstLine, row.Line), LastLine = Math.Max(m.LastLine, row.Line) }
                    : new MeasuredChannel(channel, 1, row.Line, row.Line);
            }

            times.Add(new ObservationTime(group.Key, [.. entries.Select(e => e.Channel)], [.. entries.Select(e => e.Row.Value)]));
        }

        return new Batch(id, z0, [.. initial], times);
    }

    /// <summary>"batch B2: no sample at t = 0 h of GLC, LAC: their initial values are the model's (GLC = 28 mM, LAC = 0 mM); …",
    /// batches with the same unsampled states in one sentence.</summary>
    private static List<string> UnsampledWarnings(ReactionNetwork model, List<(string Batch, int[] States)> unsampled, double[] initial, bool fromModel)
    {
        var warnings = new List<string>();
        if (fromModel)
        {
            // An initial value that is a parameter is there to be estimated: nothing is assumed about it.
            unsampled = [.. unsampled.Select(u => (u.Batch, States: u.States.Where(i => model.InitialStateParameters[i] < 0).ToArray())).Where(u => u.States.Length > 0)];
        }

        foreach (var group in unsampled.GroupBy(u => string.Join(",", u.States), StringComparer.Ordinal))
        {
            var ids = group.Select(g => g.Batch).ToList();
            int[] states = group.First().States;
            bool one = states.Length == 1;
            string values = string.Join(", ", states.Select(i => $"{model.StateNames[i]} = {Num(initial[i])}{(model.StateUnit(i).Length > 0 ? " " + model.StateUnit(i) : string.Empty)}"));
            string whose = fromModel ? "the model's" : "the defaults given";
            string remedy = (one, fromModel) switch
            {
                (true, true) => "measure it at t = 0 or set its initial value in the model file",
                (false, true) => "measure them at t = 0 or set their initial values in the model file",
                (true, false) => "measure it at t = 0",
                _ => "measure them at t = 0",
            };
            warnings.Add($"{(ids.Count == 1 ? "batch" : "batches")} {string.Join(", ", ids)}: no sample at t = 0 h of {string.Join(", ", states.Select(i => model.StateNames[i]))}: " +
                $"{(one ? "its initial value is" : "their initial values are")} {whose} ({values}); {remedy}");
        }

        return warnings;
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
                    errors.Add(new DataError(source, points[k].Line, "time_h", $"batch {points[k].Batch}: input {points[k].Name} at {Num(points[k].TimeHours)} h is already given on line {points[k - 1].Line}", points[k].Column));
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

    /// <summary>The message for a data name that is neither a channel nor an input of <paramref name="model"/>, listing
    /// the model's channels and inputs.</summary>
    public static string UnknownName(ReactionNetwork model, string name) =>
        $"'{name}' is not a channel (species, cell phase or observable) or input of model '{model.Name}' " +
        $"(channels: {string.Join(", ", model.ChannelNames)}; inputs: {(model.Inputs.Count == 0 ? "none" : string.Join(", ", model.Inputs.Select(u => u.Name)))})";

    private static string Num(double v) => v.ToString(CultureInfo.InvariantCulture);
}
