using System.Reactive.Concurrency;
using System.Text;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using ReactorTwin.Adapters.Messaging;
using ReactorTwin.Adapters.Mqtt;
using ReactorTwin.Core.Design;
using ReactorTwin.Runtime;
using ReactorTwin.Runtime.Contracts;
using ReactorTwin.Runtime.Ingest;
using ReactorTwin.Runtime.Journal;
using ReactorTwin.Runtime.Pipeline;
using ReactorTwin.Runtime.Twin;

namespace ReactorTwin.Host.Runtime;

/// <summary>How the hosted service runs its reactors: on a real broker with one event loop per reactor and refits in
/// the background (<c>run</c>), or on a given bus in the caller's (virtual) time with everything inline (<c>demo</c>).</summary>
/// <param name="Bus">The transport; null connects the MQTT client configured in <see cref="RuntimeOptions.Broker"/>.</param>
/// <param name="EventLoops">One event-loop thread per reactor (true), or handling on the delivering thread (false).</param>
/// <param name="BackgroundRefits">Refits beside the reading path (true) or inline (false, deterministic).</param>
public sealed record RuntimeEnvironment(IMessageBus? Bus, bool EventLoops, bool BackgroundRefits)
{
    /// <summary><c>reactortwin run</c>: the configured broker, an event loop per reactor, background refits.</summary>
    public static RuntimeEnvironment Production { get; } = new(null, EventLoops: true, BackgroundRefits: true);

    /// <summary>A bus in the caller's virtual time, everything inline (the demo, tests).</summary>
    public static RuntimeEnvironment InProcess(IMessageBus bus) => new(bus, EventLoops: false, BackgroundRefits: false);
}

/// <summary>
/// The runtime of <c>reactortwin run</c> (and of <c>demo</c>, on an in-memory bus): one MQTT connection (managed:
/// reconnects, durable outgoing queue, restores subscriptions), one SQLite journal shared by the reactors, and one
/// <see cref="ReactorPipeline"/> per configured reactor, fed by the bus and by the sensors attached to this box.
/// Publishes <c>reactortwin/&lt;reactor&gt;/$state</c> (init → ready, sleeping on shutdown; the host's last will sets
/// <c>reactortwin/host/&lt;client&gt;/$state</c> to lost) and re-sets ready on every reconnect, and Home Assistant MQTT
/// discovery for every channel's prediction on start and whenever <c>homeassistant/status</c> says online.
/// </summary>
internal sealed partial class TwinHostedService(IOptions<RuntimeOptions> options, ILogger<TwinHostedService> logger, ILoggerFactory loggers, TimeProvider time, SensorHardware? hardware = null, RuntimeEnvironment? environment = null, IEnumerable<IRuntimeAttachment>? attachments = null) : IHostedService, IAsyncDisposable
{
    private readonly RuntimeOptions _o = options.Value;
    private readonly RuntimeEnvironment _env = environment ?? RuntimeEnvironment.Production;
    private readonly List<ReactorPipeline> _pipelines = [];
    private readonly List<IDisposable> _subscriptions = [];
    private readonly List<IDisposable> _sensors = [];
    private readonly List<EventLoopScheduler> _loops = [];
    private MqttManagedClient? _mqtt;
    private IMessageBus? _bus;
    private readonly object _statusGate = new();
    private int _disposed;
    private MeasurementJournal? _journal;
    private HostStatus _status = new("stopped", "in-process", null, null);

    /// <summary>The reactors' pipelines, in configuration order (after <see cref="StartAsync"/>).</summary>
    public IReadOnlyList<ReactorPipeline> Pipelines => _pipelines;

    /// <summary>The configuration it runs.</summary>
    public RuntimeOptions Options => _o;

    /// <summary>The bus the pipelines are on (after <see cref="StartAsync"/> has begun).</summary>
    public IMessageBus? Bus => _bus;

    /// <summary>The journal the pipelines share (after <see cref="StartAsync"/> has begun).</summary>
    public MeasurementJournal? Journal => _journal;

    /// <summary>Messages waiting in the MQTT client's queue for the broker (0 without a broker).</summary>
    public int OutboxCount => _mqtt?.PendingMessageCount ?? 0;

    /// <summary>The host's own state (what it last published as <c>$state</c>, and its broker connection).</summary>
    public HostStatus Status
    {
        get
        {
            lock (_statusGate)
            {
                return _status;
            }
        }
    }

    /// <summary>Raised when <see cref="Status"/> changes (on the thread that changed it).</summary>
    public event Action<HostStatus>? StatusChanged;

    /// <summary>Everything each reactor's twin does (reactor id, event), for the demo's report and for logs.</summary>
    public event Action<string, TwinEvent>? TwinEvents;

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        _bus = _env.Bus ?? ConnectBus();
        _journal = new MeasurementJournal(_o.JournalPath);
        SetStatus(s => s with { Broker = _mqtt is null ? "in-process" : "connecting" });

        // The pipelines restore their checkpoints and attach their observers before the client connects: a broker that
        // kept our persistent session delivers the messages it queued for us right after CONNACK, and none may arrive
        // before an observer is there to journal it.
        foreach (var rc in _o.Reactors)
        {
            AttachedSensorFeed? feed = null;
            if (rc.Sensors.Count > 0)
            {
                // Attached sensors are polled on their own thread (driver reads block for conversion and EZO processing
                // times) and feed the reactor's inbox directly: no broker between the sensor and the twin.
                var sensorLoop = new EventLoopScheduler(ts => new Thread(ts) { IsBackground = true, Name = $"sensors-{rc.Id}" });
                _loops.Add(sensorLoop);
                var set = SensorSetup.Open(rc.Sensors, sensorLoop, hardware ?? new SensorHardware { Clock = Adapters.Devices.HardwareClock.FromTimeProvider(time) });
                _sensors.Add(set);
                feed = new AttachedSensorFeed(_bus, rc.Id, set.ComponentByChannel);
                _sensors.Add(feed);
                _sensors.Add(new Starter(() => feed.Start(set.Readings)));
            }

            EventLoopScheduler? loop = null;
            if (_env.EventLoops)
            {
                loop = new EventLoopScheduler(ts => new Thread(ts) { IsBackground = true, Name = $"twin-{rc.Id}" });
                _loops.Add(loop);
            }

            var twinOptions = ToTwinOptions(rc);
            var pipeline = new ReactorPipeline(twinOptions with { BackgroundRefit = _env.BackgroundRefits }, _bus, _journal, loop, time, feed?.ToTwin);
            string id = rc.Id;
            pipeline.Events.Subscribe(e => OnEvent(id, e)); // ends when the pipeline completes its events at disposal
            pipeline.Start();
            _pipelines.Add(pipeline);
            LogStarted(logger, rc.Id, pipeline.Replayed);
            if (twinOptions.Model.Parameters.Where(p => p.PerBatch).Select(p => p.Name).ToArray() is { Length: > 0 } perBatch)
            {
                LogPerBatchShared(logger, rc.Id, string.Join(", ", perBatch));
            }

            if (rc.Sensors.Count > 0)
            {
                LogSensors(logger, rc.Id, rc.Sensors.Count);
            }
        }

        foreach (var a in attachments ?? [])
        {
            a.Attach(this);
        }

        foreach (var s in _sensors.OfType<Starter>())
        {
            s.Run();
        }

        if (_mqtt is not null)
        {
            await _mqtt.StartAsync(cancellationToken).ConfigureAwait(false);
            _subscriptions.Add(_mqtt.ConnectionStateChanges.Subscribe(s =>
            {
                SetStatus(st => st with { Broker = s.IsConnected ? "connected" : "disconnected", BrokerSince = time.GetUtcNow(), BrokerReason = s.IsConnected ? null : s.Reason });
                if (s.IsConnected)
                {
                    _ = PublishStateAsync("ready");
                    _ = PublishDiscoveryAsync();
                }
            }));
            if (Status.Broker == "connecting")
            {
                // The first connection was made inside StartAsync, before the subscription above.
                SetStatus(st => st with { Broker = _mqtt.IsConnected ? "connected" : "disconnected", BrokerSince = time.GetUtcNow() });
            }
        }

        await PublishStateAsync("init").ConfigureAwait(false);
        _subscriptions.Add(_bus.Subscribe(Topics.HomeAssistantStatus).Subscribe(m =>
        {
            if (Encoding.UTF8.GetString(m.Payload.Span) == "online")
            {
                _ = PublishDiscoveryAsync();
            }
        }));
        await PublishStateAsync("ready").ConfigureAwait(false);
        await PublishDiscoveryAsync().ConfigureAwait(false);
    }

    private MqttMessageBus ConnectBus()
    {
        var b = _o.Broker;
        var builder = new MqttClientOptionsBuilder()
            .WithTcpServer(b.Host, b.Port)
            .WithProtocolVersion(MqttProtocolVersion.V500)
            .WithClientId(b.ClientId)
            .WithCleanSession(false)
            .WithSessionExpiryInterval(7 * 24 * 3600)
            .WithKeepAlivePeriod(TimeSpan.FromSeconds(b.KeepAliveSeconds))
            .WithWill(new MqttMessage(HostStateTopic, "lost"u8.ToArray(), MqttQualityOfService.AtLeastOnce, retain: true));
        if (b.Username is not null)
        {
            builder = builder.WithCredentials(b.Username, b.Password);
        }

        if (b.UseTls)
        {
            builder = builder.WithTls(new MqttTlsOptions { CaCertificateFile = b.CaFile });
        }

        var reconnectMax = TimeSpan.FromSeconds(b.ReconnectMaxSeconds);
        _mqtt = new MqttManagedClient(
            new MqttManagedClientOptions(builder.Build())
            {
                QueueDirectory = b.QueueDirectory,
                InitialReconnectDelay = TimeSpan.FromTicks(Math.Min(TimeSpan.FromSeconds(0.25).Ticks, reconnectMax.Ticks)),
                MaxReconnectDelay = reconnectMax,
            },
            loggers.CreateLogger<MqttManagedClient>(),
            time,
            new Random(1));
        return new MqttMessageBus(_mqtt);
    }

    /// <summary>
    /// Graceful shutdown (SIGTERM/SIGINT), bounded: the sensors and pipelines stop first (a running refit is cancelled
    /// and not applied; at most 10 s), then <c>sleeping</c> is queued last and the MQTT client drains its queue to the
    /// broker before it disconnects (at most <see cref="MqttManagedClientOptions.DrainTimeout"/>, 5 s), so the
    /// dashboards see <c>sleeping</c> rather than a stale <c>ready</c>.
    /// </summary>
    public async Task StopAsync(CancellationToken cancellationToken)
    {
        // Take no more messages before the pipelines' observers go: one arriving after them (while "sleeping" is still
        // being published) would be acknowledged by nobody's deferral and lost; left unacknowledged, the broker
        // redelivers it to the next session.
        _mqtt?.StopReceiving();
        foreach (var s in _subscriptions)
        {
            s.Dispose();
        }

        foreach (var s in _sensors)
        {
            s.Dispose();
        }

        foreach (var p in _pipelines)
        {
            p.Dispose();
        }

        foreach (var l in _loops)
        {
            l.Dispose();
        }

        await PublishStateAsync("sleeping").ConfigureAwait(false);
        if (_mqtt is not null)
        {
            await _mqtt.StopAsync().ConfigureAwait(false);
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return; // registered both as itself and as the hosted service, it may be disposed twice
        }

        _journal?.Dispose();
        if (_mqtt is not null)
        {
            await _mqtt.DisposeAsync().ConfigureAwait(false);
        }
    }

    private string HostStateTopic => Topics.HostState(_o.Broker.ClientId);

    private void SetStatus(Func<HostStatus, HostStatus> change)
    {
        HostStatus next;
        lock (_statusGate)
        {
            next = change(_status);
            if (next == _status)
            {
                return;
            }

            _status = next;
        }

        StatusChanged?.Invoke(next);
    }

    private async Task PublishStateAsync(string state)
    {
        if (_bus is null)
        {
            return;
        }

        SetStatus(s => s with { State = state });

        await _bus.PublishAsync(new MqttMessage(HostStateTopic, Encoding.UTF8.GetBytes(state), MqttQualityOfService.AtLeastOnce, retain: true)).ConfigureAwait(false);
        foreach (var rc in _o.Reactors)
        {
            await _bus.PublishAsync(new MqttMessage(Topics.ReactorState(rc.Id), Encoding.UTF8.GetBytes(state), MqttQualityOfService.AtLeastOnce, retain: true)).ConfigureAwait(false);
        }
    }

    private async Task PublishDiscoveryAsync()
    {
        if (_bus is null)
        {
            return;
        }

        foreach (var rc in _o.Reactors)
        {
            var model = ModelCatalog.Resolve(rc.Model);
            foreach (var ch in rc.Channels)
            {
                if (model.IndexOfChannel(ch.Component) < 0)
                {
                    continue; // an input channel: the twin sets it, it publishes no prediction of it
                }

                string unit = model.UnitOf(ch.Component)!;
                string id = $"reactortwin_{rc.Id}_{ch.Component}".ToLowerInvariant();
                var config = new DiscoveryConfig(
                    $"{rc.Id} {ch.Component} (twin)", id, Topics.PredictionOfEveryBatch(rc.Id, ch.Component), "{{ value_json.mean }}", unit,
                    [new DiscoveryAvailability(HostStateTopic), new DiscoveryAvailability(Topics.ReactorState(rc.Id))], "all", "ready", "lost", Topics.Parameters(rc.Id));
                await _bus.PublishAsync(new MqttMessage(Topics.HomeAssistantDiscovery(id), ContractCodec.Encode(config, ContractJson.Wire.DiscoveryConfig), MqttQualityOfService.AtLeastOnce, retain: true)).ConfigureAwait(false);
            }
        }
    }

    private void OnEvent(string reactor, TwinEvent e)
    {
        TwinEvents?.Invoke(reactor, e);
        switch (e.Kind)
        {
            case "rejection":
                LogRejected(logger, reactor, e.Detail);
                break;
            case "proposal":
                LogProposal(logger, reactor, e.Component, e.Value, e.Detail);
                break;
            case "refit":
                LogEstimate(logger, reactor, e.Component, e.Value, e.Lower, e.Upper);
                break;
            case "refit-started":
                LogRefitStarted(logger, reactor, e.Batch, (int)e.Value);
                break;
            case "refit-cancelled":
                LogRefitCancelled(logger, reactor, e.Detail);
                break;
        }
    }

    internal static TwinOptions ToTwinOptions(ReactorConfig rc)
    {
        var model = ModelCatalog.Resolve(rc.Model);
        var theta = model.NominalParameters();
        foreach (var (name, value) in rc.InitialParameters)
        {
            theta[model.IndexOfParameter(name)] = value;
        }

        return new TwinOptions
        {
            ReactorId = rc.Id,
            Model = model,
            Channels = [.. rc.Channels.Select(c => new TwinChannel(c.Component, c.NoiseSd, c.NoiseRelative, c.Min, c.Max))],
            InitialParameters = theta,
            Design = rc.Design.Count == 0 ? null : new DesignSpace(model, [.. rc.Design.Select(d => (d.Key, d.Value[0], d.Value[1]))]),
            SafetyBounds = rc.SafetyBounds.ToDictionary(kv => kv.Key, kv => (kv.Value[0], kv.Value[1])),
            Policy = rc.Policy,
            AutoApply = rc.AutoApply,
            Seed = rc.Seed,
            Priors = rc.Priors.Count == 0 ? null : rc.Priors.ToDictionary(kv => kv.Key, kv => kv.Value.ToSpec(out _)!, StringComparer.Ordinal),
            RefitTimeBudget = TimeSpan.FromSeconds(rc.RefitBudgetSeconds),
            RefitMaxIterations = rc.RefitMaxIterations,
            ForecastStepHours = rc.ForecastStepHours,
            Amortized = rc.Amortized is { } net ? AmortizedNetworks.Load(net, model) : null,
        };
    }

    /// <summary>Starts an attached sensor feed once every pipeline listens (disposing it does nothing).</summary>
    private sealed class Starter(Action start) : IDisposable
    {
        public void Run() => start();

        public void Dispose()
        {
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "twin {Reactor} started ({Replayed} journal entries replayed after the checkpoint)")]
    private static partial void LogStarted(ILogger logger, string reactor, int replayed);

    [LoggerMessage(Level = LogLevel.Warning, Message = "twin {Reactor}: {Parameters} take a value per batch in the model file; the live twin estimates one value for all batches (fit them per batch offline with reactortwin fit)")]
    private static partial void LogPerBatchShared(ILogger logger, string reactor, string parameters);

    [LoggerMessage(Level = LogLevel.Information, Message = "reactor {Reactor}: polling {Count} attached sensor(s)")]
    private static partial void LogSensors(ILogger logger, string reactor, int count);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Reactor}: rejected a message: {Reason}")]
    private static partial void LogRejected(ILogger logger, string reactor, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "{Reactor}: next batch {Component} = {Value} ({Objective})")]
    private static partial void LogProposal(ILogger logger, string reactor, string component, double value, string objective);

    [LoggerMessage(Level = LogLevel.Information, Message = "{Reactor}: batch {Batch} ended; refitting on {Batches} completed batch(es)")]
    private static partial void LogRefitStarted(ILogger logger, string reactor, string batch, int batches);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Reactor}: refit cancelled: {Detail}")]
    private static partial void LogRefitCancelled(ILogger logger, string reactor, string detail);

    [LoggerMessage(Level = LogLevel.Information, Message = "{Reactor}: {Parameter} = {Value:G4} [{Lower:G3}, {Upper:G3}]")]
    private static partial void LogEstimate(ILogger logger, string reactor, string parameter, double value, double lower, double upper);
}
