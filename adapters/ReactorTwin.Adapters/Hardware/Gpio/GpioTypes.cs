namespace ReactorTwin.Adapters.Hardware.Gpio;

/// <summary>Internal bias of an input line.</summary>
public enum GpioBias
{
    /// <summary>Leave the bias as the chip has it.</summary>
    AsIs,

    /// <summary>No pull resistor.</summary>
    Disabled,

    /// <summary>Pull-up resistor enabled.</summary>
    PullUp,

    /// <summary>Pull-down resistor enabled.</summary>
    PullDown,
}

/// <summary>Edges that produce events on an input line.</summary>
[Flags]
public enum GpioEdge
{
    /// <summary>No edge detection.</summary>
    None = 0,

    /// <summary>Inactive → active transitions.</summary>
    Rising = 1,

    /// <summary>Active → inactive transitions.</summary>
    Falling = 2,

    /// <summary>Both transitions.</summary>
    Both = Rising | Falling,
}

/// <summary>Output drive of an output line.</summary>
public enum GpioDrive
{
    /// <summary>Drives both levels.</summary>
    PushPull,

    /// <summary>Drives low only; high is released (needs a pull-up).</summary>
    OpenDrain,

    /// <summary>Drives high only.</summary>
    OpenSource,
}

/// <summary>Clock used by the kernel to timestamp edge events.</summary>
public enum GpioEventClock
{
    /// <summary>CLOCK_MONOTONIC (the kernel default): nanoseconds since boot, immune to wall-clock changes.</summary>
    Monotonic,

    /// <summary>CLOCK_REALTIME: nanoseconds since the Unix epoch.</summary>
    Realtime,
}

/// <summary>An edge seen on an input line, as timestamped by the kernel.</summary>
/// <param name="Line">Line offset on its chip.</param>
/// <param name="Edge"><see cref="GpioEdge.Rising"/> or <see cref="GpioEdge.Falling"/>.</param>
/// <param name="TimestampNanoseconds">Kernel timestamp in ns on the clock named by <paramref name="Clock"/>.</param>
/// <param name="Clock">The clock of <paramref name="TimestampNanoseconds"/>.</param>
/// <param name="Sequence">Event sequence number within the request (starts at 1; gaps mean overflowed events).</param>
/// <param name="LineSequence">Event sequence number of this line.</param>
public readonly record struct GpioEdgeEvent(int Line, GpioEdge Edge, long TimestampNanoseconds, GpioEventClock Clock, uint Sequence, uint LineSequence)
{
    /// <summary>The timestamp as wall-clock time; only meaningful for <see cref="GpioEventClock.Realtime"/>.</summary>
    public DateTimeOffset RealtimeTimestamp => DateTimeOffset.UnixEpoch.AddTicks(TimestampNanoseconds / 100);
}

/// <summary>Identity of a GPIO chip.</summary>
/// <param name="Path">Device path, e.g. <c>/dev/gpiochip0</c>.</param>
/// <param name="Name">Kernel name, e.g. <c>gpiochip0</c>.</param>
/// <param name="Label">Functional label, e.g. <c>pinctrl-rp1</c> (Pi 5) or <c>pinctrl-bcm2711</c> (Pi 4).</param>
/// <param name="LineCount">Number of lines.</param>
public sealed record GpioChipInfo(string Path, string Name, string Label, int LineCount);

/// <summary>Settings of an input line request. Defaults: no bias change, no edges, no debounce, active high.</summary>
public sealed class GpioInputSettings
{
    /// <summary>Bias resistor; default <see cref="GpioBias.AsIs"/>.</summary>
    public GpioBias Bias { get; init; } = GpioBias.AsIs;

    /// <summary>Edges reported by <see cref="GpioInputLine.Edges"/>; default none.</summary>
    public GpioEdge Edge { get; init; } = GpioEdge.None;

    /// <summary>Debounce period applied by the kernel; default zero (off). At most ~4295 s (µs in 32 bits).</summary>
    public TimeSpan DebouncePeriod { get; init; } = TimeSpan.Zero;

    /// <summary>Invert the logical value; default false.</summary>
    public bool ActiveLow { get; init; }

    /// <summary>Timestamp clock of edge events; default monotonic.</summary>
    public GpioEventClock EventClock { get; init; } = GpioEventClock.Monotonic;

    /// <summary>Consumer label shown by <c>gpioinfo</c>; default <c>reactortwin</c>.</summary>
    public string Consumer { get; init; } = "reactortwin";
}

/// <summary>Settings of an output line request. Defaults: push-pull, active high.</summary>
public sealed class GpioOutputSettings
{
    /// <summary>Output drive; default <see cref="GpioDrive.PushPull"/>.</summary>
    public GpioDrive Drive { get; init; } = GpioDrive.PushPull;

    /// <summary>Invert the logical value; default false.</summary>
    public bool ActiveLow { get; init; }

    /// <summary>Consumer label shown by <c>gpioinfo</c>; default <c>reactortwin</c>.</summary>
    public string Consumer { get; init; } = "reactortwin";
}
