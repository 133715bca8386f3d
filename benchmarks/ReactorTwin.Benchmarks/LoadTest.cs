using System.Diagnostics;
using System.Globalization;
using System.Text;
using ReactorTwin.Adapters.Messaging;
using ReactorTwin.Adapters.Mqtt;
using ReactorTwin.Core.Models;
using ReactorTwin.Core.Simulation;
using ReactorTwin.Runtime.Journal;
using ReactorTwin.Runtime.Pipeline;
using ReactorTwin.Runtime.Twin;

namespace ReactorTwin.Benchmarks;

/// <summary>
/// Runtime load test (issue 8): N twins, each fed one glucose reading per second of culture time, through the same
/// pipeline as <c>reactortwin run</c> (validation → SQLite journal with synchronous FULL → Kalman–LNA filter → predictions,
/// throttled to one per 15 culture minutes) over the in-memory bus, in virtual time. Reactors are split into one shard
/// per core, each with its own bus, journal file and thread. Reports sustained updates/s against the required rate,
/// handling-latency percentiles, allocations and resident memory.
/// <c>dotnet run -c Release --project benchmarks/ReactorTwin.Benchmarks -- load --reactors 1000 --minutes 10</c>
/// </summary>
public static class LoadTest
{
    public static void Run(string[] args)
    {
        int reactors = Arg(args, "--reactors", 1000);
        int minutes = Arg(args, "--minutes", 10);
        int shards = Math.Min(Environment.ProcessorCount, reactors);
        var model = BuiltInModels.Load("cho");
        var start = new DateTimeOffset(2026, 1, 5, 8, 0, 0, TimeSpan.Zero);
        int seconds = minutes * 60;

        // The plant: the mean glucose trajectory plus measurement noise (the twin's cost does not depend on the values).
        var glucose = new double[seconds + 1];
        var ode = new MeanOdeSimulator(model);
        var times = Enumerable.Range(1, seconds).Select(s => s / 3600.0).ToArray();
        var path = new double[seconds * model.StateDimension];
        ode.Simulate(model.DefaultInitialState(), model.NominalParameters(), times, path);
        glucose[0] = model.DefaultInitialState()[0];
        for (int s = 1; s <= seconds; s++)
        {
            glucose[s] = path[(s - 1) * model.StateDimension];
        }

        string dir = Directory.CreateTempSubdirectory("reactortwin-load-").FullName;
        var latencies = new List<double>[shards];
        long allocatedBefore = GC.GetTotalAllocatedBytes(true);
        var wall = Stopwatch.StartNew();
        Parallel.For(0, shards, new ParallelOptions { MaxDegreeOfParallelism = shards }, shard =>
        {
            var bus = new InMemoryMessageBus();
            using var journal = new MeasurementJournal(Path.Combine(dir, $"journal{shard}.db"));
            var engines = new List<ReactorPipeline>();
            var ids = Enumerable.Range(0, reactors).Where(r => r % shards == shard).Select(r => $"r{r}").ToArray();
            var noise = new Random(shard + 1);
            foreach (var id in ids)
            {
                var engine = new ReactorPipeline(new TwinOptions { ReactorId = id, Model = model, Channels = [new TwinChannel("GLC", 0.2, 0.01, -2, 100)], MinPredictionIntervalHours = 0.25 }, bus, journal);
                engine.Start();
                engines.Add(engine);
                string announcement = string.Create(CultureInfo.InvariantCulture, $"{{\"batch\":\"b0001\",\"start\":\"{start.UtcDateTime:O}\",\"hours\":72,\"initial\":{{\"GLC\":28,\"LAC\":0.8,\"mAb\":0,\"X0\":180,\"X1\":10}},\"setpoints\":{{}}}}");
                bus.PublishAsync(new MqttMessage($"reactortwin/{id}/b0001/batch", Encoding.UTF8.GetBytes(announcement), MqttQualityOfService.AtLeastOnce, retain: true)).GetAwaiter().GetResult();
            }

            var lat = new List<double>(ids.Length * seconds);
            long t0 = Stopwatch.GetTimestamp();
            for (int s = 1; s <= seconds; s++)
            {
                string ts = start.AddSeconds(s).UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);
                foreach (var id in ids)
                {
                    double v = glucose[s] + (0.2 * ((noise.NextDouble() * 2) - 1));
                    var payload = Encoding.UTF8.GetBytes(string.Create(CultureInfo.InvariantCulture, $"{{\"value\":{v:R},\"unit\":\"mM\",\"ts\":\"{ts}\"}}"));
                    long a = Stopwatch.GetTimestamp();
                    bus.PublishAsync(new MqttMessage($"reactortwin/{id}/b0001/sensors/GLC", payload, MqttQualityOfService.AtLeastOnce)).GetAwaiter().GetResult();
                    lat.Add(Stopwatch.GetElapsedTime(a).TotalMilliseconds);
                }
            }

            latencies[shard] = lat;
            if (engines.Sum(e => e.Accepted) != (long)ids.Length * seconds)
            {
                throw new InvalidOperationException($"shard {shard}: {engines.Sum(e => e.Accepted)} of {ids.Length * seconds} accepted");
            }

            foreach (var e in engines)
            {
                e.Dispose();
            }
        });
        wall.Stop();
        var all = latencies.SelectMany(l => l).OrderBy(x => x).ToArray();
        double updates = all.Length;
        double rate = updates / wall.Elapsed.TotalSeconds;
        double Pct(double p) => all[Math.Min(all.Length - 1, (int)(p * all.Length))];
        var inv = CultureInfo.InvariantCulture;
        Console.WriteLine(string.Create(inv, $"load: {reactors} reactors × {seconds} readings (1/s of culture time), {shards} shard(s)"));
        Console.WriteLine(string.Create(inv, $"  sustained {rate:F0} updates/s (needed {reactors}/s to keep up: {(rate >= reactors ? "keeps up" : "falls behind")}, {rate / reactors:F2}× real time)"));
        Console.WriteLine(string.Create(inv, $"  handling latency per reading: p50 {Pct(0.5):F3} ms, p90 {Pct(0.9):F3} ms, p99 {Pct(0.99):F3} ms, max {all[^1]:F1} ms"));
        Console.WriteLine(string.Create(inv, $"  allocated {(GC.GetTotalAllocatedBytes(true) - allocatedBefore) / updates / 1024.0:F1} KiB per reading; resident {Process.GetCurrentProcess().WorkingSet64 / 1048576.0:F0} MB (peak {Process.GetCurrentProcess().PeakWorkingSet64 / 1048576.0:F0} MB)"));
        Directory.Delete(dir, recursive: true);
    }

    private static int Arg(string[] args, string name, int fallback)
    {
        int i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length ? int.Parse(args[i + 1], CultureInfo.InvariantCulture) : fallback;
    }
}
