using System.Globalization;
using System.Text;
using ReactorTwin.Adapters.Messaging;
using ReactorTwin.Adapters.Mqtt;
using ReactorTwin.Runtime.Contracts;
using ReactorTwin.Simulator.Plant;

namespace ReactorTwin.Host.Cli;

/// <summary>Settings of <c>reactortwin simulator</c>.</summary>
/// <param name="Model">Built-in model or JSON file.</param>
/// <param name="Broker">HOST:PORT.</param>
/// <param name="Reactor">Reactor id.</param>
/// <param name="Speed">Culture seconds per real second (&gt; 0).</param>
/// <param name="Batches">Batches to run (0 = until stopped).</param>
/// <param name="Faults">Inject sensor faults.</param>
/// <param name="Seed">Seed.</param>
/// <param name="Parameters">True parameter values NAME=VALUE.</param>
/// <param name="Method">Plant dynamics.</param>
/// <param name="QueueDirectory">Directory of the durable outgoing queue (readings survive a broker outage and a restart
/// of the simulator), or null to keep it in memory.</param>
/// <param name="Username">MQTT user, or null.</param>
/// <param name="Password">MQTT password, or null.</param>
/// <param name="Bounds">The actuator's safety bounds NAME=MIN:MAX.</param>
/// <param name="RecordPath">CSV file to record every reading produced (batch,component,ts,value), or null.</param>
/// <param name="DrainSeconds">After the last batch, how long to wait for the queued messages to reach the broker.</param>
internal sealed record SimulatorSettings(
    string Model, string Broker, string Reactor, double Speed, int Batches, bool Faults, int Seed, IReadOnlyList<string> Parameters, PlantMethod Method,
    string? QueueDirectory = null, string? Username = null, string? Password = null, IReadOnlyList<string>? Bounds = null, string? RecordPath = null, double DrainSeconds = 60);

/// <summary><c>reactortwin simulator</c>: the simulated reactor on a broker, as a real instrument publisher would be —
/// a durable queue for its readings, the actuator's own safety bounds, and an honest count at the end of what reached
/// the broker.</summary>
internal static class SimulatorRunner
{
    /// <summary>Runs the simulated reactor until its batches are done (and its queue has drained) or the process is stopped.</summary>
    public static async Task<int> RunAsync(SimulatorSettings s, TextWriter stdout, TextWriter stderr, TimeProvider time, CancellationToken cancellationToken)
    {
        var parts = s.Broker.Split(':');
        if (parts.Length != 2 || !int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out int port))
        {
            throw new CliException($"--broker: '{s.Broker}' is not HOST:PORT");
        }

        var network = ModelResolver.Resolve(s.Model);
        var theta = network.NominalParameters();
        Assignments.Apply(network, s.Parameters, null, theta, "--params");
        if (!(s.Speed > 0) || !double.IsFinite(s.Speed))
        {
            throw new CliException($"--speed: {s.Speed} must be finite and > 0");
        }

        if (string.IsNullOrEmpty(s.Username) != string.IsNullOrEmpty(s.Password))
        {
            throw new CliException("--user and --password go together");
        }

        var bounds = ParseBounds(network, s.Bounds ?? []);
        var builder = new MqttClientOptionsBuilder().WithTcpServer(parts[0], port).WithClientId($"reactortwin-sim-{s.Reactor}").WithCleanSession(false).WithSessionExpiryInterval(3600);
        if (s.Username is not null)
        {
            builder = builder.WithCredentials(s.Username, s.Password);
        }

        var client = new MqttManagedClient(
            new MqttManagedClientOptions(builder.Build()) { QueueDirectory = s.QueueDirectory, MaxPendingMessages = 1_000_000, MaxReconnectDelay = TimeSpan.FromSeconds(2), InitialReconnectDelay = TimeSpan.FromSeconds(0.25) },
            new TextWriterLogger(stderr, Microsoft.Extensions.Logging.LogLevel.Warning),
            time,
            new Random(s.Seed));
        await using (client.ConfigureAwait(false))
        {
            await client.StartAsync(cancellationToken).ConfigureAwait(false);
            if (client.RecoveredMessageCount > 0)
            {
                stderr.WriteLine($"simulator: {client.RecoveredMessageCount} message(s) from the last run still queued in {s.QueueDirectory}; sending them first");
            }

            var bus = new MqttMessageBus(client);
            using var scheduler = new AcceleratedScheduler(time.GetUtcNow(), s.Speed, time);
            double f = s.Faults ? 0.03 : 0;
            var channels = network.Species.Select(c => new SensorChannelOptions
            {
                Component = c.Name, IntervalHours = 4, NoiseSd = 0.2, NoiseRelative = 0.01,
                DropoutProbability = f, DuplicateProbability = f, OutOfOrderProbability = f, GarbageProbability = f, StuckProbability = f,
            }).ToArray();
            using var plant = new SimulatedReactor(new ReactorOptions { ReactorId = s.Reactor, Model = network, Channels = channels, Seed = s.Seed, Batches = s.Batches, StepHours = 0.02, TrueParameters = theta, Method = s.Method, SafetyBounds = bounds }, bus, scheduler);
            using var record = s.RecordPath is null ? null : new StreamWriter(s.RecordPath, append: false, Encoding.UTF8) { AutoFlush = true };
            if (record is not null)
            {
                record.WriteLine("batch,component,ts,value");
                var gate = new object();
                plant.ReadingProduced += r =>
                {
                    lock (gate)
                    {
                        record.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{r.Batch},{r.Component},{ContractCodec.FormatTime(r.Timestamp)},{r.Value:R}"));
                    }
                };
            }

            plant.Start();
            stdout.WriteLine($"simulator: {network.Name} reactor '{s.Reactor}' on {s.Broker}, {s.Speed}× real time, {(s.Batches > 0 ? s.Batches.ToString(CultureInfo.InvariantCulture) : "unlimited")} batch(es)");
            try
            {
                while (!cancellationToken.IsCancellationRequested && !plant.Finished)
                {
                    await Task.Delay(TimeSpan.FromMilliseconds(200), time, cancellationToken).ConfigureAwait(false);
                }

                // The batches are done: wait for what is queued to reach the broker (through outages) before leaving.
                long deadline = time.GetTimestamp() + (long)(s.DrainSeconds * time.TimestampFrequency);
                while (client.PendingMessageCount > 0 && time.GetTimestamp() < deadline && !cancellationToken.IsCancellationRequested)
                {
                    await Task.Delay(TimeSpan.FromMilliseconds(200), time, cancellationToken).ConfigureAwait(false);
                }
            }
            catch (OperationCanceledException)
            {
            }

            int produced = plant.ReadingsSent.Values.Sum();
            int pending = client.PendingMessageCount;
            stdout.WriteLine(string.Create(CultureInfo.InvariantCulture, $"simulator: {produced} readings produced; {client.PublishedMessageCount} messages acknowledged by the broker, {pending} still queued{(pending > 0 ? s.QueueDirectory is null ? " (lost: no --queue)" : $" (kept in {s.QueueDirectory} for the next run)" : "")}"));
            stdout.WriteLine(System.Text.Json.JsonSerializer.Serialize(plant.ReadingsSent.ToDictionary(kv => kv.Key, kv => kv.Value)));
            return pending > 0 ? 1 : 0;
        }
    }

    /// <summary>Parses NAME=MIN:MAX bounds of state components.</summary>
    private static Dictionary<string, (double Min, double Max)> ParseBounds(Core.Models.ReactionNetwork model, IReadOnlyList<string> items)
    {
        var bounds = new Dictionary<string, (double, double)>(StringComparer.Ordinal);
        foreach (var item in items.SelectMany(i => i.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)))
        {
            var kv = item.Split('=');
            var range = kv.Length == 2 ? kv[1].Split(':') : [];
            if (range.Length != 2 || !double.TryParse(range[0], NumberStyles.Float, CultureInfo.InvariantCulture, out double lo)
                || !double.TryParse(range[1], NumberStyles.Float, CultureInfo.InvariantCulture, out double hi) || !(hi > lo))
            {
                throw new CliException($"--bounds: '{item}' is not NAME=MIN:MAX with MIN < MAX");
            }

            if (model.IndexOfState(kv[0]) < 0)
            {
                throw new CliException($"--bounds: '{kv[0]}' is not a state component of model '{model.Name}'");
            }

            bounds[kv[0]] = (lo, hi);
        }

        return bounds;
    }
}
