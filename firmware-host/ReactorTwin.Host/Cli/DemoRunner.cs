using System.Globalization;
using System.Reactive.Concurrency;
using System.Text;
using ReactorTwin.Adapters.Messaging;
using ReactorTwin.Core.Design;
using ReactorTwin.Core.Models;
using ReactorTwin.Host.Runtime;
using ReactorTwin.Runtime.Twin;
using ReactorTwin.Simulator.Plant;

namespace ReactorTwin.Host.Cli;

/// <summary>Settings of <c>reactortwin demo</c>.</summary>
/// <param name="Batches">Batches to run (≥ 1).</param>
/// <param name="Seed">Seed of the plant, the sensors and the policy.</param>
/// <param name="Faults">Inject sensor faults (dropouts, duplicates, out-of-order, garbage).</param>
/// <param name="OutDir">Report directory.</param>
/// <param name="JournalPath">SQLite journal file; null for OUT/journal.db.</param>
/// <param name="Serve">Serve the dashboard on PORT or ADDRESS:PORT while the demo runs, or null.</param>
/// <param name="Password">The dashboard's password for user <c>demo</c>; null makes one up.</param>
/// <param name="Pace">With <see cref="Serve"/>: culture hours per real second, or <c>stdin</c> (the hours are read from
/// standard input, one number per line).</param>
public sealed record DemoSettings(int Batches, int Seed, bool Faults, string OutDir, string? JournalPath, string? Serve = null, string? Password = null, string Pace = "1");

/// <summary>
/// <c>reactortwin demo</c>: the simulated CHO reactor and the twin runtime in one process over the in-memory bus, in
/// virtual time (no broker, no hardware, no waiting): each batch's sensor stream is validated, journaled, filtered and
/// predicted; at batch end the twin refits and proposes the next initial glucose (D-optimal), which the reactor applies.
/// Prints a live view per batch and writes predictions.csv, parameters.csv, rejections.csv and demo.svg. With
/// <c>--serve</c> the dashboard shows it live (<see cref="DemoServer"/>), the clock runs at a pace (or by the hours read
/// from standard input, <see cref="DemoClock"/>), proposals wait for someone to accept them on the page, and the page
/// stays up after the last batch until Ctrl+C (or the end of the input).
/// </summary>
internal static class DemoRunner
{
    public static async Task<int> RunAsync(DemoSettings s, TextWriter stdout, TextWriter stderr, TextReader stdin, TimeProvider time, CancellationToken cancellationToken)
    {
        if (s.Batches < 1)
        {
            throw new CliException($"--batches must be ≥ 1 (is {s.Batches})");
        }

        double hoursPerSecond = 0;
        if (s.Serve is not null && s.Pace != "stdin" && !(double.TryParse(s.Pace, NumberStyles.Float, CultureInfo.InvariantCulture, out hoursPerSecond) && hoursPerSecond > 0 && double.IsFinite(hoursPerSecond)))
        {
            throw new CliException($"--pace: '{s.Pace}' is not a number of culture hours per second > 0, or stdin");
        }

        string? urls = s.Serve is null ? null : DemoServer.Urls(s.Serve);

        Directory.CreateDirectory(s.OutDir);
        var inv = CultureInfo.InvariantCulture;
        long t0 = time.GetTimestamp();
        var model = BuiltInModels.Load("cho");
        var truth = model.NominalParameters();
        var estimated = DemoCulture.Estimated(model);
        var scheduler = new HistoricalScheduler(DemoCulture.Start);
        var bus = new InMemoryMessageBus();
        using var reactor = new SimulatedReactor(DemoCulture.Plant(model, s.Seed, s.Batches, s.Faults), bus, scheduler);
        // The demo starts a new culture every time: its default journal (part of the report) is replaced; a journal
        // named with --journal must be new, because the simulated reactor would repeat batches the journal has seen.
        string journalPath = s.JournalPath ?? Path.Combine(s.OutDir, "journal.db");
        if (File.Exists(journalPath))
        {
            if (s.JournalPath is not null)
            {
                throw new CliException($"--journal: '{journalPath}' exists; the demo starts a new culture and needs a new journal file");
            }

            foreach (var suffix in new[] { "", "-wal", "-shm" })
            {
                File.Delete(journalPath + suffix);
            }
        }

        // The same hosted service as `reactortwin run`, on the in-memory bus, in virtual time, with every stage inline.
        // Served, a proposal waits for someone to accept it on the page.
        var config = DemoCulture.Runtime(model, s.Seed, journalPath, autoApply: s.Serve is null);
        string password = s.Password ?? DemoServer.NewPassword();
        if (urls is not null)
        {
            config.Dashboard = new Dashboard.DashboardOptions { Urls = urls, Users = [new Dashboard.DashboardUser { Name = DemoServer.User, PasswordHash = Dashboard.PasswordHash.Create(password, 100_000) }] };
        }

        var clock = urls is null ? DemoClock.Instant(scheduler, bus, time, stdout)
            : s.Pace == "stdin" ? DemoClock.FromInput(scheduler, bus, time, stdout, stdin)
            : DemoClock.Paced(scheduler, bus, time, stdout, hoursPerSecond);
        await using var server = urls is null ? null : await DemoServer.StartAsync(config, bus, clock.PublishAsync, time, stderr).ConfigureAwait(false);
        var host = server?.Runtime ?? new TwinHostedService(Microsoft.Extensions.Options.Options.Create(config), Microsoft.Extensions.Logging.Abstractions.NullLogger<TwinHostedService>.Instance, Microsoft.Extensions.Logging.Abstractions.NullLoggerFactory.Instance, time, environment: RuntimeEnvironment.InProcess(bus));
        var events = new List<TwinEvent>();
        var latest = new Dictionary<string, TwinEvent>(StringComparer.Ordinal);

        // On a terminal the live view rewrites one line; redirected (a log, CI) it prints one line per 12 h of culture.
        bool live = ReferenceEquals(stderr, Console.Error) && !Console.IsErrorRedirected;
        string lastBatch = "";
        double lastPrinted = double.NegativeInfinity;
        host.TwinEvents += (_, e) =>
        {
            events.Add(e);
            if (e.Kind != "prediction")
            {
                return;
            }

            // Live view: the twin's filtered state of every channel at the latest measurement.
            latest[e.Component] = e;
            if (!live)
            {
                if (e.Batch == lastBatch && e.TimeHours < lastPrinted + 12)
                {
                    return;
                }

                (lastBatch, lastPrinted) = (e.Batch, e.TimeHours);
            }

            var line = new StringBuilder(string.Create(inv, $"{(live ? "\r" : "")}{e.Batch}  t = {e.TimeHours,5:F1} h "));
            foreach (var (c, p) in latest)
            {
                line.Append(inv, $" {c} {p.Value:F3} ± {(p.Upper - p.Lower) / 3.92:F3}");
            }

            if (live)
            {
                stderr.Write(line.Append("   ").ToString());
            }
            else
            {
                stderr.WriteLine(line.ToString());
            }
        };
        if (server is null)
        {
            await host.StartAsync(CancellationToken.None).ConfigureAwait(false);
        }

        var twin = host.Pipelines[0];
        reactor.Start();
        stderr.WriteLine($"demo: simulated CHO reactor r1, {s.Batches} batch(es) of 72 h in virtual time, faults {(s.Faults ? "on" : "off")}, journal {journalPath}");
        if (server is not null)
        {
            foreach (string address in server.Printable())
            {
                stdout.WriteLine($"dashboard: {address}");
            }

            stdout.WriteLine($"dashboard: accept proposals as user '{DemoServer.User}' with password {password}; {(clock.Stepped ? "the clock advances by the hours read from standard input" : string.Create(inv, $"{hoursPerSecond:G4} culture hour(s) per second"))}");
            stdout.Flush();
        }

        for (int b = 1; b <= s.Batches; b++)
        {
            await clock.AdvanceByAsync(TimeSpan.FromHours(73), cancellationToken).ConfigureAwait(false); // 72 h of culture, the end message, 1 h turnaround
            if (live)
            {
                stderr.WriteLine();
            }

            var refit = events.Where(e => e.Kind == "refit").TakeLast(estimated.Length).ToArray();
            string? batchRefitted = refit.FirstOrDefault()?.Batch;
            var unidentified = events.Where(e => e.Kind == "unidentified" && e.Batch == batchRefitted).Select(e => e.Component).ToHashSet(StringComparer.Ordinal);
            var proposal = events.LastOrDefault(e => e.Kind == "proposal");
            stdout.WriteLine(string.Create(inv, $"batch {b}/{s.Batches}: {twin.Accepted} readings accepted, {twin.Rejected} rejected; refit: {refit.FirstOrDefault()?.Detail}; posterior mode (95 % interval) vs truth:"));
            foreach (var e in refit)
            {
                double truthValue = truth[model.IndexOfParameter(e.Component)];
                stdout.WriteLine(string.Create(inv, $"  {e.Component,-9} {e.Value,11:G4}  [{e.Lower,10:G3}, {e.Upper,10:G3}]  truth {truthValue:G4}{(double.IsFinite(e.Lower) && (truthValue < e.Lower || truthValue > e.Upper) ? "  (outside)" : "")}{(unidentified.Contains(e.Component) ? "  (not identified yet)" : "")}"));
            }

            if (proposal is not null)
            {
                stdout.WriteLine(string.Create(inv, $"  next batch: {proposal.Component} = {proposal.Value:F2} mM ({proposal.Detail})"));
            }
        }

        twin.CompleteRunningBatch();
        long journaled = twin.Accepted;
        WriteReport(s.OutDir, events, truth, model);
        stdout.WriteLine(string.Create(inv, $"journal: {journaled} measurements; simulator sent {reactor.ReadingsSent.Values.Sum()} well-formed readings; {time.GetElapsedTime(t0).TotalSeconds:F1} s"));
        stdout.WriteLine($"wrote {s.OutDir}/predictions.csv, parameters.csv, rejections.csv, demo.svg");
        if (server is not null)
        {
            stdout.WriteLine(clock.Stepped ? "demo: done; the dashboard stays up until the end of the input" : "demo: done; the dashboard stays up until Ctrl+C");
            stdout.Flush();
            await clock.IdleAsync(cancellationToken).ConfigureAwait(false);
            await server.StopAsync().ConfigureAwait(false);
        }
        else
        {
            await host.StopAsync(CancellationToken.None).ConfigureAwait(false);
            await host.DisposeAsync().ConfigureAwait(false);
        }

        return 0;
    }

    private static void WriteReport(string dir, List<TwinEvent> events, double[] truth, ReactionNetwork model)
    {
        var inv = CultureInfo.InvariantCulture;
        var p = new StringBuilder("kind,batch,time_h,component,value,lo95,hi95\n");
        foreach (var e in events.Where(e => e.Kind is "measurement" or "prediction" or "prediction-end"))
        {
            p.Append(inv, $"{e.Kind},{e.Batch},{e.TimeHours:R},{e.Component},{e.Value:R},{e.Lower:R},{e.Upper:R}\n");
        }

        File.WriteAllText(Path.Combine(dir, "predictions.csv"), p.ToString());
        var q = new StringBuilder("batch,parameter,estimate,lo95,hi95,truth\n");
        foreach (var e in events.Where(e => e.Kind == "refit"))
        {
            q.Append(inv, $"{e.Batch},{e.Component},{e.Value:R},{e.Lower:R},{e.Upper:R},{truth[model.IndexOfParameter(e.Component)]:R}\n");
        }

        File.WriteAllText(Path.Combine(dir, "parameters.csv"), q.ToString());
        var r = new StringBuilder("reason\n");
        foreach (var e in events.Where(e => e.Kind == "rejection"))
        {
            r.Append('"').Append(e.Detail.Replace("\"", "\"\"", StringComparison.Ordinal)).Append("\"\n");
        }

        File.WriteAllText(Path.Combine(dir, "rejections.csv"), r.ToString());

        // Figure: the last batch, measured glucose and lactate with the twin's filtered mean and 95 % band.
        string last = events.Where(e => e.Kind == "measurement").Select(e => e.Batch).LastOrDefault() ?? "";
        var series = new List<ChartSeries>();
        string[] colors = ["#1f77b4", "#d62728"];
        int c = 0;
        foreach (var comp in new[] { "GLC", "LAC" })
        {
            var pred = events.Where(e => e.Kind == "prediction" && e.Batch == last && e.Component == comp).ToArray();
            var meas = events.Where(e => e.Kind == "measurement" && e.Batch == last && e.Component == comp).ToArray();
            series.Add(new ChartSeries($"{comp} twin (95 %)", colors[c], [.. pred.Select(e => e.TimeHours)], [.. pred.Select(e => e.Value)], [.. pred.Select(e => e.Lower)], [.. pred.Select(e => e.Upper)]));
            series.Add(new ChartSeries($"{comp} measured", colors[c], [.. meas.Select(e => e.TimeHours)], [.. meas.Select(e => e.Value)], Points: true));
            c++;
        }

        File.WriteAllText(Path.Combine(dir, "demo.svg"), SvgChart.Render($"Batch {last}: measurements and twin (filtered mean, 95 % band)", "culture time (h)", "concentration (mM)", series, logY: false));
    }
}
