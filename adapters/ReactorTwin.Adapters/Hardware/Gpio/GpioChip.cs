namespace ReactorTwin.Adapters.Hardware.Gpio;

/// <summary>
/// A GPIO chip: a bank of lines that can be requested as inputs or outputs. <see cref="OpenLinux(int, string)"/> and
/// <see cref="OpenLinuxByLabel(string, string)"/> open a real chip through the kernel's GPIO character device v2 ABI;
/// the simulator supplies a virtual chip with the same contract.
/// </summary>
public abstract class GpioChip : IDisposable
{
    /// <summary>Labels of the chip wired to the 40-pin header, newest Pi first (Pi 5, Pi 4, Pi 3 and earlier).</summary>
    public static IReadOnlyList<string> RaspberryPiHeaderLabels { get; } = ["pinctrl-rp1", "pinctrl-bcm2711", "pinctrl-bcm2835"];

    /// <summary>Identity of the chip.</summary>
    public abstract GpioChipInfo Info { get; }

    /// <summary>Requests <paramref name="line"/> as an input.</summary>
    /// <exception cref="HardwareIoException">The kernel refused the request (e.g. EBUSY: line in use).</exception>
    public abstract GpioInputLine RequestInput(int line, GpioInputSettings? settings = null);

    /// <summary>Requests <paramref name="line"/> as an output driven to <paramref name="initialValue"/>.</summary>
    /// <exception cref="HardwareIoException">The kernel refused the request.</exception>
    public abstract GpioOutputLine RequestOutput(int line, bool initialValue, GpioOutputSettings? settings = null);

    /// <summary>Opens <c>/dev/gpiochip<paramref name="number"/></c>.</summary>
    /// <param name="number">Chip number.</param>
    /// <param name="deviceDirectory">Directory holding the chip devices; default <c>/dev</c>.</param>
    /// <exception cref="HardwareIoException">The chip cannot be opened or is not a GPIO chip.</exception>
    public static GpioChip OpenLinux(int number, string deviceDirectory = "/dev")
    {
        ArgumentOutOfRangeException.ThrowIfNegative(number);
        return LinuxGpioChip.Open(Path.Combine(deviceDirectory, $"gpiochip{number}"));
    }

    /// <summary>
    /// Opens the chip whose label is <paramref name="label"/>, scanning every <c>gpiochipN</c> in
    /// <paramref name="deviceDirectory"/>: chip numbers change between Pi models and kernels, labels do not.
    /// </summary>
    /// <exception cref="HardwareIoException">No chip carries that label (the message lists what was found).</exception>
    public static GpioChip OpenLinuxByLabel(string label, string deviceDirectory = "/dev")
    {
        ArgumentException.ThrowIfNullOrEmpty(label);
        return LinuxGpioChip.OpenByLabel([label], deviceDirectory);
    }

    /// <summary>Opens the 40-pin header chip of whichever Raspberry Pi this is (see <see cref="RaspberryPiHeaderLabels"/>).</summary>
    /// <exception cref="HardwareIoException">No known header chip was found.</exception>
    public static GpioChip OpenRaspberryPiHeader(string deviceDirectory = "/dev") =>
        LinuxGpioChip.OpenByLabel(RaspberryPiHeaderLabels, deviceDirectory);

    /// <summary>Lists the chips in <paramref name="deviceDirectory"/> that answer GPIO_GET_CHIPINFO_IOCTL.</summary>
    public static IReadOnlyList<GpioChipInfo> EnumerateLinux(string deviceDirectory = "/dev") =>
        LinuxGpioChip.Enumerate(deviceDirectory, out _);

    /// <inheritdoc/>
    public void Dispose()
    {
        Dispose(true);
        GC.SuppressFinalize(this);
    }

    /// <summary>Releases the chip.</summary>
    protected virtual void Dispose(bool disposing)
    {
    }
}

/// <summary>A requested GPIO line. Disposing releases it back to the kernel.</summary>
public abstract class GpioLine : IDisposable
{
    /// <summary>Line offset on its chip.</summary>
    public abstract int Offset { get; }

    /// <summary>Reads the logical value (after active-low inversion).</summary>
    /// <exception cref="HardwareIoException">The read failed.</exception>
    public abstract bool Read();

    /// <inheritdoc/>
    public void Dispose()
    {
        Dispose(true);
        GC.SuppressFinalize(this);
    }

    /// <summary>Releases the line.</summary>
    protected virtual void Dispose(bool disposing)
    {
    }
}

/// <summary>An input line, optionally with edge detection.</summary>
public abstract class GpioInputLine : GpioLine
{
    /// <summary>
    /// Edge events with kernel timestamps. Hot and shared: the first subscriber starts the reader, the last one
    /// stops it. Completes when the line is disposed; errors with <see cref="HardwareIoException"/> on read failure.
    /// Empty when the line was requested without edges.
    /// </summary>
    public abstract IObservable<GpioEdgeEvent> Edges { get; }
}

/// <summary>An output line.</summary>
public abstract class GpioOutputLine : GpioLine
{
    /// <summary>Sets the logical value (before active-low inversion).</summary>
    /// <exception cref="HardwareIoException">The write failed.</exception>
    public abstract void Write(bool value);
}
