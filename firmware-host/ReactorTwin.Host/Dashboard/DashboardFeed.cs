using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using ReactorTwin.Adapters.Mqtt;
using ReactorTwin.Host.Runtime;
using ReactorTwin.Runtime;
using ReactorTwin.Runtime.Contracts;
using ReactorTwin.Runtime.Twin;

namespace ReactorTwin.Host.Dashboard;

/// <summary>
/// Fills the <see cref="DashboardStore"/> from the runtime it joins (<see cref="IRuntimeAttachment"/>): what the twin
/// publishes comes from the bus, as any subscriber (Home Assistant, a lab's software) sees it — batch announcements,
/// predictions, forecasts, parameter estimates, proposals, errors; the accepted readings come from the pipelines as
/// they are journaled (so the page shows what the twin took, not every message sent), and at start from the journal;
/// the host's state and the counters come from the host itself, not from the broker, so the page stays right while
/// the broker is away.
/// </summary>
internal sealed class DashboardFeed(DashboardStore store, DashboardCredentials credentials) : IRuntimeAttachment, IDisposable
{
    private readonly List<IDisposable> _subscriptions = [];
    private TwinHostedService? _runtime;

    /// <inheritdoc/>
    public void Attach(TwinHostedService runtime)
    {
        ArgumentNullException.ThrowIfNull(runtime);
        _runtime = runtime;
        var bus = runtime.Bus ?? throw new InvalidOperationException("the runtime has no bus yet");
        for (int k = 0; k < runtime.Options.Reactors.Count; k++)
        {
            var rc = runtime.Options.Reactors[k];
            var model = ModelCatalog.Resolve(rc.Model);
            var channels = rc.Channels.Select(c => new ChannelDto(c.Component, Unit(model, c.Component))).ToList();
            var bounds = rc.SafetyBounds.ToDictionary(kv => kv.Key, kv => (kv.Value[0], kv.Value[1]), StringComparer.Ordinal);
            var options = runtime.Options.Dashboard;
            store.AddReactor(new ReactorView(rc.Id, model.Name, channels, bounds, options.KeepBatches, options.KeepRejections));
            Load(rc.Id);
            string id = rc.Id;
            Subscribe(bus.Subscribe(Topics.BatchFilter(id)), m =>
            {
                if (ContractCodec.DecodeBatch(m.Payload, out var start, out _, out _) is { } a)
                {
                    store.Announce(id, a, start);
                }
            });
            Subscribe(bus.Subscribe(Topics.PredictionsFilter(id)), m =>
            {
                if (Topics.TryParsePrediction(m.Topic, id, out string batch, out string component, out bool atEnd) && Decode(m, ContractJson.Default.PredictionPayload) is { } p)
                {
                    store.Predict(id, batch, component, atEnd, p);
                }
            });
            Subscribe(bus.Subscribe(Topics.ForecastFilter(id)), ContractJson.Default.ForecastPayload, f => store.Forecast(id, f));
            Subscribe(bus.Subscribe(Topics.Parameters(id)), ContractJson.Default.ParameterEstimatesPayload, p => store.Parameters(id, p));
            Subscribe(bus.Subscribe(Topics.Proposal(id)), ContractJson.Default.ProposalPayload, p => store.Propose(id, p));
            Subscribe(bus.Subscribe(Topics.BatchErrorsFilter(id)), ContractJson.Default.ErrorPayload, e => store.Reject(id, e));
            Subscribe(bus.Subscribe(Topics.Errors(id)), ContractJson.Default.ErrorPayload, e => store.Reject(id, e));
        }

        runtime.TwinEvents += OnTwinEvent;
        runtime.StatusChanged += OnStatusChanged;
        store.Connect(Host, Counts);
    }

    private void OnTwinEvent(string reactor, TwinEvent e)
    {
        if (e.Kind == "measurement")
        {
            store.Measure(reactor, e.Batch, e.Component, e.TimeHours, e.Value);
        }
        else
        {
            store.Touch(); // the pipeline's counters moved
        }
    }

    private void OnStatusChanged(HostStatus status) => store.Touch();

    /// <summary>The batches and readings already journaled (after a restart of the host).</summary>
    private void Load(string reactor)
    {
        foreach (var entry in _runtime!.Journal?.ReadAfter(reactor, 0) ?? [])
        {
            if (entry.Measurement is { } m)
            {
                store.Measure(reactor, m.Batch, m.Component, m.TimeHours, m.Value);
            }
            else if (entry.Announcement is { } json && ContractCodec.DecodeBatch(System.Text.Encoding.UTF8.GetBytes(json), out var start, out _, out _) is { } a)
            {
                store.Announce(reactor, a, start);
            }
        }
    }

    private HostDto Host()
    {
        var r = _runtime!;
        var s = r.Status;
        return new HostDto(s.State, s.Broker, s.BrokerSince is { } t ? ContractCodec.FormatTime(t) : null, s.BrokerReason, r.OutboxCount, credentials.Enabled);
    }

    private CountsDto Counts(string reactor)
    {
        var r = _runtime!;
        int k = r.Options.Reactors.FindIndex(rc => rc.Id == reactor);
        var pipeline = k >= 0 && k < r.Pipelines.Count ? r.Pipelines[k] : null;
        var journal = r.Journal?.Counts(reactor);
        var last = journal is { Commands: > 0 } ? r.Journal!.Commands(reactor)[^1] : null;
        return new CountsDto(
            pipeline?.Accepted ?? 0,
            pipeline?.Rejected ?? 0,
            pipeline?.Duplicates ?? 0,
            journal?.Measurements ?? 0,
            journal?.Commands ?? 0,
            journal?.DeadLetters ?? 0,
            last is null ? null : new CommandDto(ContractCodec.FormatTime(last.Received), last.Origin, last.Outcome));
    }

    private void Subscribe(IObservable<MqttMessage> messages, Action<MqttMessage> handle) =>
        _subscriptions.Add(messages.Subscribe(m =>
        {
            if (!m.Payload.IsEmpty)
            {
                handle(m);
            }
        }));

    private void Subscribe<T>(IObservable<MqttMessage> messages, JsonTypeInfo<T> type, Action<T> handle)
        where T : class => Subscribe(messages, m =>
        {
            if (Decode(m, type) is { } value)
            {
                handle(value);
            }
        });

    private static T? Decode<T>(MqttMessage m, JsonTypeInfo<T> type)
        where T : class
    {
        try
        {
            return JsonSerializer.Deserialize(m.Payload.Span, type);
        }
        catch (JsonException)
        {
            return null; // not ours to judge: the page shows what the twin publishes, and the twin publishes typed payloads
        }
    }

    private static string Unit(ReactorTwin.Core.Models.ReactionNetwork model, string component)
    {
        return model.UnitOf(component) ?? "";
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        if (_runtime is { } r)
        {
            r.TwinEvents -= OnTwinEvent;
            r.StatusChanged -= OnStatusChanged;
        }

        foreach (var s in _subscriptions)
        {
            s.Dispose();
        }

        _subscriptions.Clear();
    }
}
