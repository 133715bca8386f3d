using System.Globalization;
using System.Reactive.Concurrency;
using System.Text;
using ReactorTwin.Adapters.Messaging;
using ReactorTwin.Core.Estimation;
using ReactorTwin.Core.Models;
using ReactorTwin.Host.Runtime;
using ReactorTwin.Simulator.Plant;

namespace ReactorTwin.Host.Cli;

/// <summary>Settings of <c>reactortwin study forecast</c>.</summary>
/// <param name="Seeds">Cultures to run (≥ 1), seeds FirstSeed, FirstSeed + 1, ….</param>
/// <param name="Batches">Batches of 72 h per culture (≥ 1).</param>
/// <param name="FirstSeed">Seed of the first culture.</param>
/// <param name="OutDir">Report directory.</param>
/// <param name="Threads">Cultures run at once (≥ 1).</param>
internal sealed record ForecastStudySettings(int Seeds, int Batches, int FirstSeed, string OutDir, int Threads);

/// <summary>One forecast of a species' end-of-batch value, made during the batch, beside what happened.</summary>
/// <param name="Seed">Culture.</param>
/// <param name="Batch">Batch number (1, 2, …).</param>
/// <param name="Component">Species.</param>
/// <param name="MadeAtHours">Culture time the forecast was published (after the readings then).</param>
/// <param name="Mean">Forecast mean.</param>
/// <param name="StateLower">Lower end of the 95 % band of the true state.</param>
/// <param name="StateUpper">Upper end of the 95 % band of the true state.</param>
/// <param name="ReadingLower">Lower end of the 95 % band of a reading.</param>
/// <param name="ReadingUpper">Upper end of the 95 % band of a reading.</param>
/// <param name="Truth">The plant's true state at the batch's end.</param>
/// <param name="Reading">The reading taken at the batch's end.</param>
internal sealed record EndForecast(int Seed, int Batch, string Component, double MadeAtHours, double Mean, double StateLower, double StateUpper, double ReadingLower, double ReadingUpper, double Truth, double Reading)
{
    /// <summary>The band contains the true concentration, max(0, plant state): the plant's Langevin path can dip a
    /// little below 0 through its noise, a concentration cannot (and the band is of a non-negative quantity).</summary>
    public bool StateCovered => Math.Max(Truth, 0) >= StateLower && Math.Max(Truth, 0) <= StateUpper;

    public bool ReadingCovered => Reading >= ReadingLower && Reading <= ReadingUpper;
}

/// <summary>Coverage and error of the end-of-batch forecasts at one horizon (batch 0: all batches).</summary>
internal sealed record ForecastSummary(int Batch, double HorizonHours, string Component, int Count, double StateCoverage, double ReadingCoverage, double MedianAbsoluteError, double MedianStateWidth);

/// <summary>
/// <c>reactortwin study forecast</c>: runs the demo's culture (<see cref="DemoCulture"/>: plant and twin, in virtual
/// time) for several seeds and scores the twin's forecasts of each species' value at the batch's end, made 12–72 h before
/// it: how often the 95 % band of the true state contains the plant's true end state, how often the 95 % band of a
/// reading contains the reading taken then, and the median absolute error of the forecast mean. Writes
/// forecast-summary.csv, forecasts.csv, forecast-coverage.svg and forecast-error.svg.
/// </summary>
internal static class ForecastStudy
{
    /// <summary>The scored horizons (h before the batch's end).</summary>
    public static readonly double[] Horizons = [12, 24, 36, 48, 60, 72];

    private const double BatchHours = 72;

    public static int Run(ForecastStudySettings s, TextWriter stdout, TextWriter stderr, TimeProvider time)
    {
        if (s.Seeds < 1 || s.Batches < 1 || s.Threads < 1)
        {
            throw new CliException($"--seeds, --batches and --threads must be ≥ 1 (are {s.Seeds}, {s.Batches}, {s.Threads})");
        }

        Directory.CreateDirectory(s.OutDir);
        long t0 = time.GetTimestamp();
        stderr.WriteLine($"study forecast: {s.Seeds} culture(s) × {s.Batches} batch(es) of the demo's CHO reactor, {s.Threads} at once");
        var all = Collect(s, stderr, time);
        var summary = Summarise(all, s.Batches);
        Write(s.OutDir, all, summary);
        var inv = CultureInfo.InvariantCulture;
        stdout.WriteLine("forecast of the value at the batch's end, all batches: coverage of the 95 % bands (true state | reading), median |error|");
        stdout.WriteLine("horizon_h  " + string.Join("  ", summary.Select(r => r.Component).Distinct().Select(c => $"{c,-26}")));
        foreach (double h in Horizons)
        {
            var line = new StringBuilder(string.Create(inv, $"{h,9:F0}  "));
            foreach (var r in summary.Where(r => r.Batch == 0 && r.HorizonHours == h))
            {
                line.Append(inv, $"{r.StateCoverage,5:P0} | {r.ReadingCoverage,5:P0}  {r.MedianAbsoluteError,9:G3}   ");
            }

            stdout.WriteLine(line.ToString());
        }

        foreach (var c in all.Select(f => f.Component).Distinct())
        {
            var mine = all.Where(f => f.Component == c).ToArray();
            stdout.WriteLine(string.Create(inv, $"{c}: {mine.Length} forecasts, true state covered {mine.Count(f => f.StateCovered) / (double)mine.Length:P1}, reading covered {mine.Count(f => f.ReadingCovered) / (double)mine.Length:P1}"));
        }

        stdout.WriteLine(string.Create(inv, $"wrote {s.OutDir}/forecast-summary.csv, forecasts.csv, forecast-coverage.svg, forecast-error.svg ({time.GetElapsedTime(t0).TotalSeconds:F1} s)"));
        return 0;
    }

    /// <summary>Runs every culture (in parallel, each independent and seeded) and returns their scored forecasts.</summary>
    internal static List<EndForecast> Collect(ForecastStudySettings s, TextWriter stderr, TimeProvider time)
    {
        var results = new List<EndForecast>[s.Seeds];
        long done = 0;
        string scratch = Path.Combine(Path.GetTempPath(), "reactortwin-forecast-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(scratch);
        try
        {
            using var line = new ProgressLine(stderr, time);
            Parallel.For(0, s.Seeds, new ParallelOptions { MaxDegreeOfParallelism = s.Threads }, i =>
            {
                results[i] = RunCulture(s.FirstSeed + i, s.Batches, Path.Combine(scratch, $"journal-{i}.db"), time);
                line.Report(new EstimationProgress("study forecast", Interlocked.Increment(ref done), s.Seeds, "cultures", $"{s.Batches} batches each"));
            });
        }
        finally
        {
            Directory.Delete(scratch, recursive: true);
        }

        return [.. results.SelectMany(r => r)];
    }

    /// <summary>One culture of the demo (seed <paramref name="seed"/>): its end-of-batch forecasts at the scored horizons.</summary>
    internal static List<EndForecast> RunCulture(int seed, int batches, string journalPath, TimeProvider time)
    {
        var model = BuiltInModels.Load("cho");
        var scheduler = new HistoricalScheduler(DemoCulture.Start);
        var bus = new InMemoryMessageBus();
        using var reactor = new SimulatedReactor(DemoCulture.Plant(model, seed, batches, faults: false), bus, scheduler);
        var host = new TwinHostedService(Microsoft.Extensions.Options.Options.Create(DemoCulture.Runtime(model, seed, journalPath)), Microsoft.Extensions.Logging.Abstractions.NullLogger<TwinHostedService>.Instance, Microsoft.Extensions.Logging.Abstractions.NullLoggerFactory.Instance, time, environment: RuntimeEnvironment.InProcess(bus));
        var madeAt = new Dictionary<string, double>(StringComparer.Ordinal);
        var truth = new Dictionary<(string, string), double>();
        var reading = new Dictionary<(string, string), double>();
        var pending = new List<(string Batch, string Component, double MadeAt, ReactorTwin.Runtime.Twin.TwinEvent Event)>();
        host.TwinEvents += (_, e) =>
        {
            switch (e.Kind)
            {
                case "prediction":
                    madeAt[e.Batch] = e.TimeHours;
                    if (e.TimeHours == BatchHours)
                    {
                        // The in-process bus delivers synchronously: the plant's state is the state at this reading.
                        truth[(e.Batch, e.Component)] = reactor.TrueState[model.IndexOfState(e.Component)];
                    }

                    break;
                case "measurement" when e.TimeHours == BatchHours:
                    reading[(e.Batch, e.Component)] = e.Value;
                    break;
                case "prediction-end" when madeAt.TryGetValue(e.Batch, out double at) && Horizons.Contains(BatchHours - at):
                    pending.Add((e.Batch, e.Component, at, e));
                    break;
            }
        };
        host.StartAsync(CancellationToken.None).GetAwaiter().GetResult();
        reactor.Start();
        for (int b = 0; b < batches; b++)
        {
            scheduler.AdvanceBy(TimeSpan.FromHours(BatchHours + 1));
        }

        host.Pipelines[0].CompleteRunningBatch();
        host.StopAsync(CancellationToken.None).GetAwaiter().GetResult();
        host.DisposeAsync().AsTask().GetAwaiter().GetResult();

        // Several readings at one time each publish a forecast: the last one made then counts.
        return [.. pending
            .GroupBy(p => (p.Batch, p.Component, p.MadeAt))
            .Select(g => g.Last())
            .Where(p => truth.ContainsKey((p.Batch, p.Component)) && reading.ContainsKey((p.Batch, p.Component)))
            .Select(p => new EndForecast(seed, int.Parse(p.Batch.TrimStart('b'), CultureInfo.InvariantCulture), p.Component, p.MadeAt, p.Event.Value, p.Event.Lower, p.Event.Upper, p.Event.MeasurementLower, p.Event.MeasurementUpper, truth[(p.Batch, p.Component)], reading[(p.Batch, p.Component)]))];
    }

    /// <summary>Coverage and error per batch (0: all), horizon and species.</summary>
    internal static List<ForecastSummary> Summarise(IReadOnlyList<EndForecast> forecasts, int batches)
    {
        var rows = new List<ForecastSummary>();
        foreach (int batch in Enumerable.Range(0, batches + 1))
        {
            foreach (double h in Horizons)
            {
                foreach (var c in forecasts.Select(f => f.Component).Distinct())
                {
                    var mine = forecasts.Where(f => f.Component == c && BatchHours - f.MadeAtHours == h && (batch == 0 || f.Batch == batch)).ToArray();
                    if (mine.Length == 0)
                    {
                        continue;
                    }

                    rows.Add(new ForecastSummary(
                        batch, h, c, mine.Length,
                        mine.Count(f => f.StateCovered) / (double)mine.Length,
                        mine.Count(f => f.ReadingCovered) / (double)mine.Length,
                        Median(mine.Select(f => Math.Abs(f.Mean - Math.Max(f.Truth, 0)))),
                        Median(mine.Select(f => f.StateUpper - f.StateLower))));
                }
            }
        }

        return rows;
    }

    private static double Median(IEnumerable<double> values)
    {
        var v = values.Order().ToArray();
        return v.Length == 0 ? double.NaN : v.Length % 2 == 1 ? v[v.Length / 2] : 0.5 * (v[(v.Length / 2) - 1] + v[v.Length / 2]);
    }

    private static void Write(string dir, List<EndForecast> all, List<ForecastSummary> summary)
    {
        var inv = CultureInfo.InvariantCulture;
        var s = new StringBuilder("batch,horizon_h,made_at_h,component,forecasts,state_coverage,reading_coverage,median_abs_error,median_state_band_width\n");
        foreach (var r in summary)
        {
            s.Append(inv, $"{(r.Batch == 0 ? "all" : r.Batch.ToString(inv))},{r.HorizonHours:R},{BatchHours - r.HorizonHours:R},{r.Component},{r.Count},{r.StateCoverage:R},{r.ReadingCoverage:R},{r.MedianAbsoluteError:R},{r.MedianStateWidth:R}\n");
        }

        File.WriteAllText(Path.Combine(dir, "forecast-summary.csv"), s.ToString());
        var f = new StringBuilder("seed,batch,component,made_at_h,mean,state_lo95,state_hi95,reading_lo95,reading_hi95,truth,reading\n");
        foreach (var e in all)
        {
            f.Append(inv, $"{e.Seed},{e.Batch},{e.Component},{e.MadeAtHours:R},{e.Mean:R},{e.StateLower:R},{e.StateUpper:R},{e.ReadingLower:R},{e.ReadingUpper:R},{e.Truth:R},{e.Reading:R}\n");
        }

        File.WriteAllText(Path.Combine(dir, "forecasts.csv"), f.ToString());
        string[] colors = ["#1f77b4", "#d62728", "#2ca02c"];
        var coverage = new List<ChartSeries> { new("nominal 95 %", "#7f7f7f", [Horizons[0], Horizons[^1]], [95, 95]) };
        var error = new List<ChartSeries>();
        int k = 0;
        foreach (var c in summary.Select(r => r.Component).Distinct())
        {
            var rows = summary.Where(r => r.Batch == 0 && r.Component == c).OrderBy(r => r.HorizonHours).ToArray();
            double[] x = [.. rows.Select(r => r.HorizonHours)];
            coverage.Add(new ChartSeries($"{c} true state", colors[k % colors.Length], x, [.. rows.Select(r => 100 * r.StateCoverage)], Points: true));
            coverage.Add(new ChartSeries($"{c} reading", colors[k % colors.Length], x, [.. rows.Select(r => 100 * r.ReadingCoverage)]));
            error.Add(new ChartSeries(c, colors[k % colors.Length], x, [.. rows.Select(r => r.MedianAbsoluteError)]));
            k++;
        }

        File.WriteAllText(Path.Combine(dir, "forecast-coverage.svg"), SvgChart.Render("Coverage of the 95 % bands of the end-of-batch forecast", "horizon: hours before the batch's end", "coverage (%)", coverage, logY: false));
        File.WriteAllText(Path.Combine(dir, "forecast-error.svg"), SvgChart.Render("Median absolute error of the end-of-batch forecast", "horizon: hours before the batch's end", "median |forecast − true state| (mM)", error, logY: true));
    }
}
