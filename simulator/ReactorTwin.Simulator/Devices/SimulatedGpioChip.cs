using System.Reactive.Linq;
using System.Reactive.Subjects;
using ReactorTwin.Adapters.Hardware;
using ReactorTwin.Adapters.Hardware.Gpio;

namespace ReactorTwin.Simulator.Devices;

/// <summary>
/// A virtual GPIO chip with the <see cref="GpioChip"/> contract: outputs record their level, inputs follow levels
/// set by the simulation (<see cref="SetInputLevel"/>) and emit edge events timestamped from the clock, so code
/// written against a real chip (relays, level switches, pulse counters) runs unchanged.
/// </summary>
public sealed class SimulatedGpioChip : GpioChip
{
    private readonly HardwareClock _clock;
    private readonly bool[] _levels;
    private readonly Dictionary<int, GpioLine> _requested = [];
    private readonly object _gate = new();
    private uint _sequence;

    /// <summary>Creates a chip with <paramref name="lineCount"/> lines, all low.</summary>
    public SimulatedGpioChip(HardwareClock clock, int lineCount = 54, string label = "simulated-gpio")
    {
        ArgumentNullException.ThrowIfNull(clock);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(lineCount);
        _clock = clock;
        _levels = new bool[lineCount];
        Info = new GpioChipInfo("/dev/gpiochip-sim", "gpiochip-sim", label, lineCount);
    }

    /// <inheritdoc/>
    public override GpioChipInfo Info { get; }

    /// <summary>The physical level of <paramref name="line"/> (outputs: as driven; inputs: as set).</summary>
    public bool GetLevel(int line)
    {
        lock (_gate)
        {
            return _levels[line];
        }
    }

    /// <summary>Drives the physical level of an input line, emitting an edge event when it changes.</summary>
    public void SetInputLevel(int line, bool level)
    {
        SimulatedInputLine? input;
        GpioEdgeEvent? edge = null;
        lock (_gate)
        {
            bool old = _levels[line];
            _levels[line] = level;
            input = _requested.GetValueOrDefault(line) as SimulatedInputLine;
            if (input is not null && old != level)
            {
                bool logicalRising = level != input.Settings.ActiveLow;
                var kind = logicalRising ? GpioEdge.Rising : GpioEdge.Falling;
                if ((input.Settings.Edge & kind) != 0)
                {
                    _sequence++;
                    long ns = (_clock.GetUtcNow() - DateTimeOffset.UnixEpoch).Ticks * 100;
                    edge = new GpioEdgeEvent(line, kind, ns, GpioEventClock.Realtime, _sequence, ++input.LineSequence);
                }
            }
        }

        if (edge is GpioEdgeEvent e)
        {
            input!.Subject.OnNext(e);
        }
    }

    /// <inheritdoc/>
    public override GpioInputLine RequestInput(int line, GpioInputSettings? settings = null)
    {
        var input = new SimulatedInputLine(this, line, settings ?? new GpioInputSettings());
        Claim(line, input);
        return input;
    }

    /// <inheritdoc/>
    public override GpioOutputLine RequestOutput(int line, bool initialValue, GpioOutputSettings? settings = null)
    {
        var output = new SimulatedOutputLine(this, line, settings ?? new GpioOutputSettings());
        Claim(line, output);
        output.Write(initialValue);
        return output;
    }

    private void Claim(int line, GpioLine owner)
    {
        lock (_gate)
        {
            ArgumentOutOfRangeException.ThrowIfNegative(line);
            ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(line, _levels.Length);
            if (!_requested.TryAdd(line, owner))
            {
                throw new HardwareIoException(Info.Path, $"request line {line}", 16, "line already requested");
            }
        }
    }

    private void Release(int line)
    {
        lock (_gate)
        {
            _requested.Remove(line);
        }
    }

    private sealed class SimulatedInputLine(SimulatedGpioChip chip, int offset, GpioInputSettings settings) : GpioInputLine
    {
        public Subject<GpioEdgeEvent> Subject { get; } = new();

        public GpioInputSettings Settings { get; } = settings;

        public uint LineSequence { get; set; }

        public override int Offset { get; } = offset;

        public override IObservable<GpioEdgeEvent> Edges => Subject.AsObservable();

        public override bool Read() => chip.GetLevel(Offset) != Settings.ActiveLow;

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                chip.Release(Offset);
                Subject.OnCompleted();
                Subject.Dispose();
            }

            base.Dispose(disposing);
        }
    }

    private sealed class SimulatedOutputLine(SimulatedGpioChip chip, int offset, GpioOutputSettings settings) : GpioOutputLine
    {
        public override int Offset { get; } = offset;

        public override bool Read() => chip.GetLevel(Offset) != settings.ActiveLow;

        public override void Write(bool value)
        {
            lock (chip._gate)
            {
                chip._levels[Offset] = value != settings.ActiveLow;
            }
        }

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                chip.Release(Offset);
            }

            base.Dispose(disposing);
        }
    }
}
