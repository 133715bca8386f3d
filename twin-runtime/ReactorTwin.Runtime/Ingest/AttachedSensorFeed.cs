using System.Reactive.Linq;
using System.Reactive.Subjects;
using ReactorTwin.Adapters.Messaging;
using ReactorTwin.Adapters.Mqtt;
using ReactorTwin.Adapters.Sensors;
using ReactorTwin.Runtime.Contracts;
using ReactorTwin.Runtime.Pipeline;

namespace ReactorTwin.Runtime.Ingest;

/// <summary>
/// Sensors attached to this box (GPIO/I2C/1-Wire channels of a <see cref="SensorSource"/>) feeding their reactor's
/// twin directly: a good reading of a channel mapped to a model component becomes a <see cref="LocalReading"/> in the
/// reactor's inbox (journaled and filtered there, then mirrored to the broker for dashboards), so a broker outage does
/// not stop the twin from hearing the sensors next to it. Faults and suspect readings (unless
/// <paramref name="forwardSuspect"/>) are reported on <c>reactortwin/&lt;reactor&gt;/errors</c> with the driver's reason;
/// channels that measure no model component (e.g. broth temperature) are published on the instruments topics.
/// </summary>
/// <param name="bus">Where reports and instrument readings go.</param>
/// <param name="reactor">Reactor id.</param>
/// <param name="componentByChannel">Sensor channel name → model component it measures (e.g. "od600" → "X0").</param>
/// <param name="forwardSuspect">Also feed readings graded suspect (implausible values) to the twin.</param>
public sealed class AttachedSensorFeed(IMessageBus bus, string reactor, IReadOnlyDictionary<string, string> componentByChannel, bool forwardSuspect = false) : IDisposable
{
    private readonly Subject<LocalReading> _toTwin = new();
    private IDisposable? _subscription;
    private long _fed, _reported, _instruments;

    /// <summary>The readings for the twin (subscribe the reactor's pipeline to them before <see cref="Start"/>).</summary>
    public IObservable<LocalReading> ToTwin => _toTwin.AsObservable();

    /// <summary>Readings handed to the twin.</summary>
    public long Fed => Interlocked.Read(ref _fed);

    /// <summary>Readings reported as errors (faults, suspect values, unmapped channels).</summary>
    public long Reported => Interlocked.Read(ref _reported);

    /// <summary>Readings of unmapped channels published on the instruments topics.</summary>
    public long Instruments => Interlocked.Read(ref _instruments);

    /// <summary>Starts taking the source's readings.</summary>
    public void Start(IObservable<SensorReading> readings)
    {
        ArgumentNullException.ThrowIfNull(readings);
        _subscription = readings.Subscribe(OnReading);
    }

    private void OnReading(SensorReading r)
    {
        string ts = ContractCodec.FormatTime(r.Timestamp);
        string quality = r.Quality.ToString().ToLowerInvariant();
        if (!componentByChannel.TryGetValue(r.Channel, out var component))
        {
            var payload = new InstrumentPayload(r.Quality == ReadingQuality.Fault || !double.IsFinite(r.Value) ? null : r.Value, r.Unit, ts, quality, r.Reason);
            Publish(Topics.Instrument(reactor, r.Channel), ContractCodec.Encode(payload, ContractJson.Wire.InstrumentPayload), retain: true);
            Interlocked.Increment(ref _instruments);
            return;
        }

        if (r.Quality == ReadingQuality.Fault || (r.Quality == ReadingQuality.Suspect && !forwardSuspect) || !double.IsFinite(r.Value))
        {
            Interlocked.Increment(ref _reported);
            var error = new ErrorPayload(Topics.Instrument(reactor, r.Channel), $"{r.Channel} ({component}) {quality}: {r.Reason}", "");
            Publish(Topics.Errors(reactor), ContractCodec.Encode(error, ContractJson.Wire.ErrorPayload), retain: false);
            return;
        }

        Interlocked.Increment(ref _fed);
        _toTwin.OnNext(new LocalReading(component, new SensorReadingPayload(r.Value, r.Unit, ts, quality)));
    }

    private void Publish(string topic, byte[] payload, bool retain) =>
        bus.PublishAsync(new MqttMessage(topic, payload, MqttQualityOfService.AtLeastOnce, retain)).GetAwaiter().GetResult();

    /// <inheritdoc/>
    public void Dispose()
    {
        _subscription?.Dispose();
        _toTwin.OnCompleted();
        _toTwin.Dispose();
    }
}
