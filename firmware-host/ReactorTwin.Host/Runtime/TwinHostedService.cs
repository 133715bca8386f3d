using System.Globalization;
using System.Text;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using ReactorTwin.Adapters.Messaging;
using ReactorTwin.Adapters.Mqtt;
using ReactorTwin.Core.Design;
using ReactorTwin.Core.Models;

namespace ReactorTwin.Host.Runtime;

/// <summary>
/// The runtime of <c>reactortwin run</c>: one MQTT connection (managed: reconnects, durable outgoing queue, restores
/// subscriptions), one SQLite journal, one <see cref="TwinEngine"/> per configured reactor. Publishes
/// <c>reactortwin/&lt;reactor&gt;/$state</c> (init → ready, sleeping on shutdown; the host's last will sets
/// <c>reactortwin/host/&lt;client&gt;/$state</c> to lost) and re-sets ready on every reconnect, and Home Assistant MQTT
/// discovery for every channel's prediction on start and whenever <c>homeassistant/status</c> says online.
/// </summary>
internal sealed partial class TwinHostedService(IOptions<RuntimeOptions> options, ILogger<TwinHostedService> logger, ILoggerFactory loggers, TimeProvider time, SensorHardware? hardware = null) : IHostedService, IAsyncDisposable
{
    private readonly RuntimeOptions _o = options.Value;
    private readonly List<TwinEngine> _engines = [];
    private readonly List<IDisposable> _subscriptions = [];
    private readonly List<System.Reactive.Concurrency.EventLoopScheduler> _loops = [];
    private MqttManagedClient? _mqtt;
    private MqttMessageBus? _bus;
    private MeasurementJournal? _journal;

    public async Task StartAsync(CancellationToken cancellationToken)
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

        _mqtt = new MqttManagedClient(new MqttManagedClientOptions(builder.Build()) { QueueDirectory = b.QueueDirectory }, loggers.CreateLogger<MqttManagedClient>(), time, new Random(1));
        _bus = new MqttMessageBus(_mqtt);
        _journal = new MeasurementJournal(_o.JournalPath);

        // The engines restore their checkpoints and attach their observers before the client connects: a broker that
        // kept our persistent session delivers the messages it queued for us right after CONNACK, and none may arrive
        // before an observer is there to journal it.
        foreach (var rc in _o.Reactors)
        {
            var loop = new System.Reactive.Concurrency.EventLoopScheduler(ts => new Thread(ts) { IsBackground = true, Name = $"twin-{rc.Id}" });
            _loops.Add(loop);
            var engine = new TwinEngine(ToTwinOptions(rc), _bus, _journal, loop, time);
            engine.Events.Subscribe(e => OnEvent(rc.Id, e)); // ends when the engine completes its events at disposal
            engine.Start();
            _engines.Add(engine);
            LogStarted(logger, rc.Id, engine.Replayed);
        }

        // Directly attached sensors: each reactor's are polled on their own thread (driver reads block for conversion
        // and EZO processing times) and published on the sensor topics like networked instruments.
        foreach (var rc in _o.Reactors.Where(r => r.Sensors.Count > 0))
        {
            var sensorLoop = new System.Reactive.Concurrency.EventLoopScheduler(ts => new Thread(ts) { IsBackground = true, Name = $"sensors-{rc.Id}" });
            _loops.Add(sensorLoop);
            var set = SensorSetup.Open(rc.Sensors, sensorLoop, hardware ?? new SensorHardware { Clock = Adapters.Devices.HardwareClock.FromTimeProvider(time) });
            _subscriptions.Add(set);
            var bridge = new SensorBridge(_bus, rc.Id, set.ComponentByChannel, publishUnmapped: true);
            _subscriptions.Add(bridge);
            bridge.Start(set.Readings);
            LogSensors(logger, rc.Id, rc.Sensors.Count);
        }

        await _mqtt.StartAsync(cancellationToken).ConfigureAwait(false);
        await PublishStateAsync("init").ConfigureAwait(false);

        _subscriptions.Add(_mqtt.ConnectionStateChanges.Subscribe(s =>
        {
            if (s.IsConnected)
            {
                _ = PublishStateAsync("ready");
                _ = PublishDiscoveryAsync();
            }
        }));
        _subscriptions.Add(_bus.Subscribe("homeassistant/status").Subscribe(m =>
        {
            if (Encoding.UTF8.GetString(m.Payload.Span) == "online")
            {
                _ = PublishDiscoveryAsync();
            }
        }));
        await PublishStateAsync("ready").ConfigureAwait(false);
        await PublishDiscoveryAsync().ConfigureAwait(false);
    }

    /// <summary>
    /// Graceful shutdown (SIGTERM/SIGINT), bounded: the sensors and engines stop first (a running refit is cancelled
    /// and not applied; at most 10 s), then <c>sleeping</c> is queued last and the MQTT client drains its queue to the
    /// broker before it disconnects (at most <see cref="MqttManagedClientOptions.DrainTimeout"/>, 5 s), so the
    /// dashboards see <c>sleeping</c> rather than a stale <c>ready</c>.
    /// </summary>
    public async Task StopAsync(CancellationToken cancellationToken)
    {
        foreach (var s in _subscriptions)
        {
            s.Dispose();
        }

        foreach (var e in _engines)
        {
            e.Dispose();
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
        _journal?.Dispose();
        if (_mqtt is not null)
        {
            await _mqtt.DisposeAsync().ConfigureAwait(false);
        }
    }

    private string HostStateTopic => $"reactortwin/host/{_o.Broker.ClientId}/$state";

    private async Task PublishStateAsync(string state)
    {
        if (_bus is null)
        {
            return;
        }

        await _bus.PublishAsync(new MqttMessage(HostStateTopic, Encoding.UTF8.GetBytes(state), MqttQualityOfService.AtLeastOnce, retain: true)).ConfigureAwait(false);
        foreach (var rc in _o.Reactors)
        {
            await _bus.PublishAsync(new MqttMessage($"reactortwin/{rc.Id}/$state", Encoding.UTF8.GetBytes(state), MqttQualityOfService.AtLeastOnce, retain: true)).ConfigureAwait(false);
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
            var model = Cli.ModelResolver.Resolve(rc.Model);
            foreach (var ch in rc.Channels)
            {
                int i = model.IndexOfState(ch.Component);
                string unit = i < model.SpeciesCount ? model.Species[i].Unit : model.CellPhases[i - model.SpeciesCount].Unit;
                string id = $"reactortwin_{rc.Id}_{ch.Component}".ToLowerInvariant();
                string config = string.Create(CultureInfo.InvariantCulture, $"{{\"name\":\"{rc.Id} {ch.Component} (twin)\",\"unique_id\":\"{id}\",\"state_topic\":\"reactortwin/{rc.Id}/+/twin/{ch.Component}\",\"value_template\":\"{{{{ value_json.mean }}}}\",\"unit_of_measurement\":\"{unit}\",\"availability\":[{{\"topic\":\"{HostStateTopic}\"}},{{\"topic\":\"reactortwin/{rc.Id}/$state\"}}],\"availability_mode\":\"all\",\"payload_available\":\"ready\",\"payload_not_available\":\"lost\",\"json_attributes_topic\":\"reactortwin/{rc.Id}/twin/parameters\"}}");
                await _bus.PublishAsync(new MqttMessage($"homeassistant/sensor/{id}/config", Encoding.UTF8.GetBytes(config), MqttQualityOfService.AtLeastOnce, retain: true)).ConfigureAwait(false);
            }
        }
    }

    private void OnEvent(string reactor, TwinEvent e)
    {
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
        var model = Cli.ModelResolver.Resolve(rc.Model);
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
            BackgroundRefit = true,
            RefitTimeBudget = TimeSpan.FromSeconds(rc.RefitBudgetSeconds),
            RefitMaxIterations = rc.RefitMaxIterations,
        };
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "twin {Reactor} started ({Replayed} journal entries replayed after the checkpoint)")]
    private static partial void LogStarted(ILogger logger, string reactor, int replayed);

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
