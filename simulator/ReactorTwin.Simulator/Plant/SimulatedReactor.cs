using System.Globalization;
using System.Reactive.Concurrency;
using System.Reactive.Linq;
using System.Text;
using ReactorTwin.Adapters.Messaging;
using ReactorTwin.Adapters.Mqtt;
using ReactorTwin.Core.Inference;
using ReactorTwin.Core.Models;
using ReactorTwin.Core.Numerics;
using ReactorTwin.Core.Simulation;
using ReactorTwin.Runtime.Contracts;

namespace ReactorTwin.Simulator.Plant;

/// <summary>One sensor channel of the simulated reactor: which state component it reads, how often, and how it fails.</summary>
public sealed record SensorChannelOptions
{
    /// <summary>State component measured (species or cell phase name of the model).</summary>
    public required string Component { get; init; }

    /// <summary>Sampling interval (h of culture time), &gt; 0.</summary>
    public double IntervalHours { get; init; } = 1.0;

    /// <summary>Absolute measurement noise SD (model units).</summary>
    public double NoiseSd { get; init; }

    /// <summary>Relative measurement noise SD (fraction of the value).</summary>
    public double NoiseRelative { get; init; }

    /// <summary>Additive sensor drift (model units per hour of culture time).</summary>
    public double DriftPerHour { get; init; }

    /// <summary>Probability that a reading is not sent at all.</summary>
    public double DropoutProbability { get; init; }

    /// <summary>Probability that the sensor repeats its previous value (stuck).</summary>
    public double StuckProbability { get; init; }

    /// <summary>Probability that a reading is sent twice.</summary>
    public double DuplicateProbability { get; init; }

    /// <summary>Probability that a reading is held back and sent after the channel's next one.</summary>
    public double OutOfOrderProbability { get; init; }

    /// <summary>Probability that the payload is garbage (non-JSON, truncated, NaN or out of range).</summary>
    public double GarbageProbability { get; init; }
}

/// <summary>How the plant's stochastic dynamics are simulated.</summary>
public enum PlantMethod
{
    /// <summary>Chemical Langevin equation by Euler–Maruyama with <see cref="ReactorOptions.StepHours"/>.</summary>
    Cle,

    /// <summary>Gillespie's exact SSA at the model's system size Ω (molecule numbers c·Ω; slow for large Ω).</summary>
    Ssa,
}

/// <summary>Settings of a <see cref="SimulatedReactor"/>.</summary>
public sealed record ReactorOptions
{
    /// <summary>Stochastic simulation of the plant: chemical Langevin (default) or the exact SSA.</summary>
    public PlantMethod Method { get; init; } = PlantMethod.Cle;

    /// <summary>Reactor id used in topics (letters, digits, '-' and '_').</summary>
    public required string ReactorId { get; init; }

    /// <summary>The plant's model.</summary>
    public required ReactionNetwork Model { get; init; }

    /// <summary>True parameters (full vector); null for the model's nominal values.</summary>
    public double[]? TrueParameters { get; init; }

    /// <summary>Batch duration (h of culture time).</summary>
    public double BatchHours { get; init; } = 72;

    /// <summary>Time between the end of a batch and the start of the next (h): harvest, cleaning, inoculation. The
    /// twin's proposal for the next batch must arrive within it.</summary>
    public double TurnaroundHours { get; init; } = 1;

    /// <summary>Setpoints of the first batch (initial values of state components); others are the model's defaults.</summary>
    public IReadOnlyDictionary<string, double> InitialSetpoints { get; init; } = new Dictionary<string, double>();

    /// <summary>Sensor channels.</summary>
    public required IReadOnlyList<SensorChannelOptions> Channels { get; init; }

    /// <summary>Euler–Maruyama step of the plant's chemical Langevin dynamics (h).</summary>
    public double StepHours { get; init; } = 0.01;

    /// <summary>Seed of the plant's and the sensors' randomness.</summary>
    public int Seed { get; init; } = 1;

    /// <summary>Number of batches to run (then the reactor goes idle); 0 for unlimited.</summary>
    public int Batches { get; init; }

    /// <summary>The actuator's safety bounds (component → [min, max]): a setpoint outside them is refused and reported,
    /// whoever sent it. Components without bounds take any value ≥ 0.</summary>
    public IReadOnlyDictionary<string, (double Min, double Max)> SafetyBounds { get; init; } = new Dictionary<string, (double, double)>();
}

/// <summary>
/// A stand-in for the bioreactor and its instruments: runs the stochastic plant (chemical Langevin dynamics of a
/// model at the true parameters, or its exact SSA) batch after batch on an injected <see cref="IScheduler"/> (virtual or real time;
/// one scheduler hour is one hour of culture), publishes readings as instruments would — topic
/// <c>reactortwin/&lt;reactor&gt;/&lt;batch&gt;/sensors/&lt;component&gt;</c>, payload <c>{"value":…,"unit":…,"ts":…}</c>
/// — with the configured noise and faults, announces each batch on the retained topic
/// <c>reactortwin/&lt;reactor&gt;/&lt;batch&gt;/batch</c> (again, with its end time, when it ends), and takes the next
/// batch's setpoints from <c>reactortwin/&lt;reactor&gt;/control/batch/set</c> (JSON object of component → initial
/// value; a command with an unknown name, a negative value or a value outside the actuator's
/// <see cref="ReactorOptions.SafetyBounds"/> is refused whole and reported on <c>reactortwin/&lt;reactor&gt;/errors</c>).
/// Batches follow each other after <see cref="ReactorOptions.TurnaroundHours"/>.
/// </summary>
public sealed class SimulatedReactor : IDisposable
{
    private readonly ReactorOptions _o;
    private readonly IMessageBus _bus;
    private readonly IScheduler _scheduler;
    private readonly Random _random;
    private readonly GaussianSource _noise;
    private readonly PlantDynamics _plant;
    private readonly Dictionary<string, double> _nextSetpoints;
    private readonly List<IDisposable> _subscriptions = [];
    private readonly double[] _lastValue;
    private readonly MqttMessage?[] _heldBack;
    private DateTimeOffset _batchStart;
    private string _batchId = "";
    private bool _disposed;

    /// <summary>Creates the reactor; call <see cref="Start"/> to begin the first batch.</summary>
    public SimulatedReactor(ReactorOptions options, IMessageBus bus, IScheduler scheduler)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(bus);
        ArgumentNullException.ThrowIfNull(scheduler);
        _o = options;
        _bus = bus;
        _scheduler = scheduler;
        foreach (var ch in options.Channels)
        {
            if (options.Model.UnitOf(ch.Component) is null)
            {
                throw new ArgumentException($"sensor channel '{ch.Component}': not a state component, observable or input of model '{options.Model.Name}'", nameof(options));
            }

            if (!(ch.IntervalHours > 0))
            {
                throw new ArgumentException($"sensor channel '{ch.Component}': the interval must be > 0 h", nameof(options));
            }
        }

        _random = new Random(options.Seed);
        _noise = new GaussianSource(new Random(options.Seed + 7919));
        _plant = new PlantDynamics(options.Model, options.TrueParameters ?? options.Model.NominalParameters(), options.StepHours, options.Method == PlantMethod.Ssa, _noise, new Random(options.Seed + 104729));
        _nextSetpoints = new Dictionary<string, double>(options.InitialSetpoints, StringComparer.Ordinal);
        _lastValue = new double[options.Channels.Count];
        _heldBack = new MqttMessage?[options.Channels.Count];
    }

    /// <summary>True once the last of <see cref="ReactorOptions.Batches"/> batches has ended (never for unlimited
    /// batches).</summary>
    public bool Finished { get; private set; }

    /// <summary>Batches started so far.</summary>
    public int BatchesStarted { get; private set; }

    /// <summary>Well-formed readings sent per component (duplicates counted once, garbage and dropouts not at all).</summary>
    public IReadOnlyDictionary<string, int> ReadingsSent => _sent;

    private readonly Dictionary<string, int> _sent = new(StringComparer.Ordinal);

    /// <summary>Raised for every well-formed reading the instruments produce (before faults such as dropouts or
    /// delays act on its delivery), on the scheduler's thread.</summary>
    public event Action<ProducedReading>? ReadingProduced;

    /// <summary>The id of the running batch ("" before the first).</summary>
    public string CurrentBatch => _batchId;

    /// <summary>The plant's current true state z (for tests and reports).</summary>
    public ReadOnlySpan<double> TrueState => _plant.State;

    /// <summary>Subscribes to setpoint commands and starts the first batch now.</summary>
    public void Start()
    {
        _subscriptions.Add(_bus.Subscribe(Topics.BatchSetpoints(_o.ReactorId)).Subscribe(OnSetpoints));
        _subscriptions.Add(_scheduler.Schedule(StartBatch));
    }

    /// <summary>Setpoint commands handled so far (applied or refused); they arrive on the bus's thread.</summary>
    public int SetpointCommandsHandled => Volatile.Read(ref _setpointCommands);

    private int _setpointCommands;

    private void OnSetpoints(MqttMessage message)
    {
        try
        {
            HandleSetpoints(message);
        }
        finally
        {
            Interlocked.Increment(ref _setpointCommands);
        }
    }

    private void HandleSetpoints(MqttMessage message)
    {
        if (ContractCodec.DecodeSetpoints(message.Payload, out string? error) is not { } setpoints)
        {
            Error($"setpoint message ignored: {error}");
            return;
        }

        // All or nothing: a command with one refused setpoint changes nothing (a half-applied recipe is worse).
        foreach (var (name, value) in setpoints)
        {
            bool input = _o.Model.IndexOfInput(name) >= 0;
            if (!(input ? double.IsFinite(value) : _o.Model.IndexOfState(name) >= 0 && value >= 0))
            {
                Error($"setpoints refused: '{name}' is not a state component with a value ≥ 0 or an input with a finite value");
                return;
            }

            if (_o.SafetyBounds.TryGetValue(name, out var b) && (value < b.Min || value > b.Max))
            {
                Error(string.Create(CultureInfo.InvariantCulture, $"setpoints refused: {name} = {value:G6} is outside the safety bounds [{b.Min:G6}, {b.Max:G6}]"));
                return;
            }
        }

        lock (_nextSetpoints) // the bus's thread writes, the scheduler's reads at the next batch's start
        {
            foreach (var (name, value) in setpoints)
            {
                _nextSetpoints[name] = value;
            }
        }
    }

    private void StartBatch()
    {
        if (_disposed || (_o.Batches > 0 && BatchesStarted >= _o.Batches))
        {
            return;
        }

        BatchesStarted++;
        _batchId = string.Create(CultureInfo.InvariantCulture, $"b{BatchesStarted:D4}");
        _batchStart = _scheduler.Now;
        var z = _o.Model.DefaultInitialState();
        Dictionary<string, double> next;
        lock (_nextSetpoints)
        {
            next = new Dictionary<string, double>(_nextSetpoints, StringComparer.Ordinal);
        }

        InputSchedule? inputs = null;
        foreach (var (name, value) in next)
        {
            if (_o.Model.IndexOfInput(name) >= 0)
            {
                inputs = (inputs ?? InputSchedule.Constant(_o.Model)).WithPoint(name, 0, value); // held for the batch
            }
            else
            {
                z[_o.Model.IndexOfState(name)] = value;
            }
        }

        _plant.BeginBatch(z, inputs, ReadingTimes());
        var initial = new Dictionary<string, double>();
        for (int i = 0; i < z.Length; i++)
        {
            initial[_o.Model.StateNames[i]] = z[i];
        }

        var announcement = new BatchAnnouncement(_batchId, Iso(_batchStart), _o.BatchHours, initial, next);
        Publish(Topics.Batch(_o.ReactorId, _batchId), ContractCodec.Encode(announcement, ContractJson.Wire.BatchAnnouncement), retain: true);
        Array.Clear(_heldBack);
        for (int c = 0; c < _o.Channels.Count; c++)
        {
            int channel = c;
            _lastValue[c] = double.NaN;
            ScheduleReading(channel, _o.Channels[c].IntervalHours);
        }

        string id = _batchId;
        _subscriptions.Add(_scheduler.Schedule(_batchStart + TimeSpan.FromHours(_o.BatchHours + 1e-6), () =>
        {
            var ended = announcement with { End = Iso(_scheduler.Now) };
            Publish(Topics.Batch(_o.ReactorId, id), ContractCodec.Encode(ended, ContractJson.Wire.BatchAnnouncement), retain: true);
            Finished = _o.Batches > 0 && BatchesStarted >= _o.Batches;
        }));
        _subscriptions.Add(_scheduler.Schedule(_batchStart + TimeSpan.FromHours(_o.BatchHours + _o.TurnaroundHours), StartBatch));
    }

    private void ScheduleReading(int channel, double hours)
    {
        if (hours > _o.BatchHours + 1e-9)
        {
            return;
        }

        string batch = _batchId;
        _subscriptions.Add(_scheduler.Schedule(_batchStart + TimeSpan.FromHours(hours), () =>
        {
            if (_disposed || batch != _batchId)
            {
                return;
            }

            _plant.AdvanceTo(hours);
            EmitReading(channel, hours);
            ScheduleReading(channel, hours + _o.Channels[channel].IntervalHours);
        }));
    }

    /// <summary>Every time at which some instrument reads in a batch (as <see cref="ScheduleReading"/> steps them), ascending.</summary>
    private double[] ReadingTimes()
    {
        var times = new SortedSet<double>();
        foreach (var ch in _o.Channels)
        {
            for (double h = ch.IntervalHours; h <= _o.BatchHours + 1e-9; h += ch.IntervalHours)
            {
                times.Add(h);
            }
        }

        return [.. times];
    }

    private void EmitReading(int channel, double hours)
    {
        var ch = _o.Channels[channel];
        string unit = _o.Model.UnitOf(ch.Component)!;
        double truth = _plant.TrueValue(ch.Component);
        string topic = Topics.Sensor(_o.ReactorId, _batchId, ch.Component);
        var ts = _batchStart + TimeSpan.FromHours(hours);
        if (_random.NextDouble() < ch.DropoutProbability)
        {
            return;
        }

        double value;
        if (!double.IsNaN(_lastValue[channel]) && _random.NextDouble() < ch.StuckProbability)
        {
            value = _lastValue[channel];
        }
        else
        {
            double sd = ch.NoiseSd + (ch.NoiseRelative * Math.Abs(truth));
            value = truth + (ch.DriftPerHour * hours) + (sd * _noise.Next());
        }

        _lastValue[channel] = value;
        string payload;
        bool wellFormed = true;
        if (_random.NextDouble() < ch.GarbageProbability)
        {
            wellFormed = false;
            payload = _random.Next(4) switch
            {
                0 => "not json at all",
                1 => "{\"value\": 1.2, \"unit\": ",
                2 => string.Create(CultureInfo.InvariantCulture, $"{{\"value\":\"NaN\",\"unit\":\"{unit}\",\"ts\":\"{Iso(ts)}\"}}"),
                _ => string.Create(CultureInfo.InvariantCulture, $"{{\"value\":-1e9,\"unit\":\"{unit}\",\"ts\":\"{Iso(ts)}\"}}"),
            };
        }
        else
        {
            payload = Encoding.UTF8.GetString(ContractCodec.Encode(new SensorReadingPayload(value, unit, Iso(ts)), ContractJson.Wire.SensorReadingPayload));
        }

        var message = new MqttMessage(topic, Encoding.UTF8.GetBytes(payload), MqttQualityOfService.AtLeastOnce);
        if (wellFormed)
        {
            _sent[ch.Component] = _sent.GetValueOrDefault(ch.Component) + 1;
            ReadingProduced?.Invoke(new ProducedReading(_batchId, ch.Component, ts, value));
        }

        if (_heldBack[channel] is null && _random.NextDouble() < ch.OutOfOrderProbability)
        {
            _heldBack[channel] = message;
            return;
        }

        Send(message);
        if (_random.NextDouble() < ch.DuplicateProbability)
        {
            Send(message);
        }

        if (_heldBack[channel] is { } held)
        {
            _heldBack[channel] = null;
            Send(held);
        }
    }

    private void Send(MqttMessage message) => _bus.PublishAsync(message).GetAwaiter().GetResult();

    private void Publish(string topic, byte[] payload, bool retain) =>
        Send(new MqttMessage(topic, payload, MqttQualityOfService.AtLeastOnce, retain));

    private void Error(string reason) =>
        Publish(Topics.Errors(_o.ReactorId), ContractCodec.Encode(new ErrorPayload(Topics.BatchSetpoints(_o.ReactorId), reason, ""), ContractJson.Wire.ErrorPayload), retain: false);

    private static string Iso(DateTimeOffset t) => ContractCodec.FormatTime(t);

    /// <inheritdoc/>
    public void Dispose()
    {
        _disposed = true;
        foreach (var s in _subscriptions)
        {
            s.Dispose();
        }

        _subscriptions.Clear();
    }
}

/// <summary>A well-formed reading the simulated instruments produced.</summary>
/// <param name="Batch">Batch id.</param>
/// <param name="Component">State component.</param>
/// <param name="Timestamp">Instrument timestamp.</param>
/// <param name="Value">Value sent.</param>
public sealed record ProducedReading(string Batch, string Component, DateTimeOffset Timestamp, double Value);
