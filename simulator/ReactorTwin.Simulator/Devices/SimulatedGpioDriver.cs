using System.Device.Gpio;

namespace ReactorTwin.Simulator.Devices;

/// <summary>
/// A virtual GPIO controller driver for System.Device.Gpio's <see cref="GpioController"/>: outputs record their level
/// and notify wired parts (<see cref="OnOutput"/>); inputs follow a level set by the simulation
/// (<see cref="SetInputLevel"/>) or driven by a wired part (<see cref="DriveInput"/>, e.g. a simulated HX711's DOUT), and
/// raise the controller's pin-change callbacks and <c>WaitForEvent</c> on edges. Code written against a real controller
/// (relays, level switches, bit-banged chips) runs unchanged: <c>new GpioController(new SimulatedGpioDriver())</c>.
/// </summary>
public sealed class SimulatedGpioDriver : GpioDriver
{
    private readonly object _gate = new();
    private readonly PinState[] _pins;

    /// <summary>Creates a driver with <paramref name="pinCount"/> pins (54 like a Raspberry Pi's BCM numbering), all low.</summary>
    public SimulatedGpioDriver(int pinCount = 54)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(pinCount);
        _pins = new PinState[pinCount];
        for (int i = 0; i < pinCount; i++)
        {
            _pins[i] = new PinState();
        }
    }

    /// <summary>The physical level of <paramref name="pin"/> (outputs: as driven; inputs: as set or driven).</summary>
    public PinValue Level(int pin)
    {
        var p = Pin(pin);
        lock (_gate)
        {
            return p.Source is { } source && p.Mode != PinMode.Output ? source() : p.Level;
        }
    }

    /// <summary>Whether <paramref name="pin"/> is open (for tests of ownership).</summary>
    public bool IsOpen(int pin)
    {
        var p = Pin(pin);
        lock (_gate)
        {
            return p.Open;
        }
    }

    /// <summary>Sets the level an input sees (a switch, a sensor's output); edges raise the registered callbacks.</summary>
    public void SetInputLevel(int pin, PinValue level)
    {
        var p = Pin(pin);
        PinChangeEventHandler? callbacks;
        PinEventTypes edge;
        lock (_gate)
        {
            if (p.Level == level)
            {
                return;
            }

            p.Level = level;
            edge = level == PinValue.High ? PinEventTypes.Rising : PinEventTypes.Falling;
            callbacks = (p.Events & edge) != 0 ? p.Callbacks : null;
            p.EdgeSeen?.TrySetResult(edge);
        }

        callbacks?.Invoke(this, new PinValueChangedEventArgs(edge, pin));
    }

    /// <summary>Lets a wired part drive <paramref name="pin"/>: reads of the input return <paramref name="level"/>().</summary>
    public void DriveInput(int pin, Func<PinValue> level)
    {
        ArgumentNullException.ThrowIfNull(level);
        var p = Pin(pin);
        lock (_gate)
        {
            p.Source = level;
        }
    }

    /// <summary>Lets a wired part observe every write to output <paramref name="pin"/> (called on the writing thread).</summary>
    public void OnOutput(int pin, Action<PinValue> written)
    {
        ArgumentNullException.ThrowIfNull(written);
        var p = Pin(pin);
        lock (_gate)
        {
            p.Written += written;
        }
    }

    /// <inheritdoc/>
    protected override int PinCount => _pins.Length;

    /// <inheritdoc/>
    protected override void OpenPin(int pinNumber)
    {
        var p = Pin(pinNumber);
        lock (_gate)
        {
            if (p.Open)
            {
                throw new InvalidOperationException($"simulated GPIO {pinNumber} is already open");
            }

            p.Open = true;
        }
    }

    /// <inheritdoc/>
    protected override void ClosePin(int pinNumber)
    {
        var p = Pin(pinNumber);
        lock (_gate)
        {
            p.Open = false;
            p.Callbacks = null;
            p.Events = PinEventTypes.None;
        }
    }

    /// <inheritdoc/>
    protected override void SetPinMode(int pinNumber, PinMode mode)
    {
        var p = Pin(pinNumber);
        lock (_gate)
        {
            p.Mode = mode;
            if (mode == PinMode.InputPullUp && p.Source is null)
            {
                p.Level = PinValue.High;
            }
            else if (mode == PinMode.InputPullDown && p.Source is null)
            {
                p.Level = PinValue.Low;
            }
        }
    }

    /// <inheritdoc/>
    protected override PinMode GetPinMode(int pinNumber)
    {
        var p = Pin(pinNumber);
        lock (_gate)
        {
            return p.Mode;
        }
    }

    /// <inheritdoc/>
    protected override bool IsPinModeSupported(int pinNumber, PinMode mode) => mode is PinMode.Input or PinMode.Output or PinMode.InputPullUp or PinMode.InputPullDown;

    /// <inheritdoc/>
    protected override PinValue Read(int pinNumber) => Level(pinNumber);

    /// <inheritdoc/>
    protected override void Write(int pinNumber, PinValue value)
    {
        var p = Pin(pinNumber);
        Action<PinValue>? written;
        lock (_gate)
        {
            if (p.Mode != PinMode.Output)
            {
                throw new InvalidOperationException($"simulated GPIO {pinNumber} is not an output (mode {p.Mode})");
            }

            p.Level = value;
            written = p.Written;
        }

        written?.Invoke(value);
    }

    /// <inheritdoc/>
    protected override WaitForEventResult WaitForEvent(int pinNumber, PinEventTypes eventTypes, CancellationToken cancellationToken)
    {
        var p = Pin(pinNumber);
        TaskCompletionSource<PinEventTypes> seen;
        lock (_gate)
        {
            seen = p.EdgeSeen = new TaskCompletionSource<PinEventTypes>(TaskCreationOptions.RunContinuationsAsynchronously);
        }

        try
        {
            while (true)
            {
                var edge = seen.Task.WaitAsync(cancellationToken).GetAwaiter().GetResult();
                if ((edge & eventTypes) != 0)
                {
                    return new WaitForEventResult { EventTypes = edge, TimedOut = false };
                }

                lock (_gate)
                {
                    seen = p.EdgeSeen = new TaskCompletionSource<PinEventTypes>(TaskCreationOptions.RunContinuationsAsynchronously);
                }
            }
        }
        catch (OperationCanceledException)
        {
            return new WaitForEventResult { EventTypes = PinEventTypes.None, TimedOut = true };
        }
    }

    /// <inheritdoc/>
    protected override void AddCallbackForPinValueChangedEvent(int pinNumber, PinEventTypes eventTypes, PinChangeEventHandler callback)
    {
        var p = Pin(pinNumber);
        lock (_gate)
        {
            p.Callbacks += callback;
            p.Events |= eventTypes;
        }
    }

    /// <inheritdoc/>
    protected override void RemoveCallbackForPinValueChangedEvent(int pinNumber, PinChangeEventHandler callback)
    {
        var p = Pin(pinNumber);
        lock (_gate)
        {
            p.Callbacks -= callback;
            if (p.Callbacks is null)
            {
                p.Events = PinEventTypes.None;
            }
        }
    }

    private PinState Pin(int pin)
    {
        if ((uint)pin >= (uint)_pins.Length)
        {
            throw new ArgumentOutOfRangeException(nameof(pin), pin, $"the simulated controller has pins 0–{_pins.Length - 1}");
        }

        return _pins[pin];
    }

    private sealed class PinState
    {
        public bool Open;
        public PinMode Mode = PinMode.Input;
        public PinValue Level = PinValue.Low;
        public Func<PinValue>? Source;
        public Action<PinValue>? Written;
        public PinChangeEventHandler? Callbacks;
        public PinEventTypes Events;
        public TaskCompletionSource<PinEventTypes>? EdgeSeen;
    }
}
