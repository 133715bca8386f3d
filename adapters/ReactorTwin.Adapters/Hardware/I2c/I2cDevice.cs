namespace ReactorTwin.Adapters.Hardware.I2c;

/// <summary>Bus number and 7-bit address of an I2C device.</summary>
/// <param name="BusId">The N of /dev/i2c-N (1 for the Pi header's SDA1/SCL1 pins).</param>
/// <param name="DeviceAddress">7-bit address, 0x03–0x77.</param>
public sealed record I2cConnectionSettings(int BusId, int DeviceAddress)
{
    /// <summary>Throws when the bus number is negative or the address is outside the 7-bit range 0x03–0x77.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A value is out of range.</exception>
    public void Validate()
    {
        ArgumentOutOfRangeException.ThrowIfNegative(BusId);
        if (DeviceAddress is < 0x03 or > 0x77)
        {
            throw new ArgumentOutOfRangeException(nameof(DeviceAddress), DeviceAddress, "a 7-bit I2C address is 0x03–0x77");
        }
    }
}

/// <summary>
/// One device on an I2C bus: raw reads, writes and combined write-then-read transfers. Drivers depend on this
/// class only, so they run unchanged against <see cref="CreateLinux"/> (real /dev/i2c-N) or a simulated chip.
/// </summary>
public abstract class I2cDevice : IDisposable
{
    /// <summary>Bus and address of the device.</summary>
    public abstract I2cConnectionSettings ConnectionSettings { get; }

    /// <summary>Reads <paramref name="buffer"/>.Length bytes (START, address+R, data, STOP).</summary>
    /// <exception cref="HardwareIoException">The transfer failed (e.g. EREMOTEIO / ENXIO: no ACK).</exception>
    public abstract void Read(Span<byte> buffer);

    /// <summary>Writes <paramref name="buffer"/> (START, address+W, data, STOP).</summary>
    /// <exception cref="HardwareIoException">The transfer failed.</exception>
    public abstract void Write(ReadOnlySpan<byte> buffer);

    /// <summary>
    /// Writes <paramref name="writeBuffer"/> then reads into <paramref name="readBuffer"/>; where the adapter
    /// supports plain I2C this is one combined transfer with a repeated START (no STOP in between).
    /// The base implementation does a write followed by a separate read.
    /// </summary>
    /// <exception cref="HardwareIoException">The transfer failed.</exception>
    public virtual void WriteRead(ReadOnlySpan<byte> writeBuffer, Span<byte> readBuffer)
    {
        Write(writeBuffer);
        Read(readBuffer);
    }

    /// <summary>Reads one byte.</summary>
    public byte ReadByte()
    {
        Span<byte> b = stackalloc byte[1];
        Read(b);
        return b[0];
    }

    /// <summary>Writes one byte.</summary>
    public void WriteByte(byte value) => Write([value]);

    /// <summary>Opens the device at <paramref name="settings"/> through /dev/i2c-N.</summary>
    /// <param name="settings">Bus and address.</param>
    /// <param name="deviceDirectory">Directory holding i2c-N; default <c>/dev</c>.</param>
    /// <exception cref="HardwareIoException">The bus cannot be opened or refuses the address.</exception>
    public static I2cDevice CreateLinux(I2cConnectionSettings settings, string deviceDirectory = "/dev")
    {
        ArgumentNullException.ThrowIfNull(settings);
        settings.Validate();
        return LinuxI2cDevice.Open(settings, Path.Combine(deviceDirectory, $"i2c-{settings.BusId}"));
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        Dispose(true);
        GC.SuppressFinalize(this);
    }

    /// <summary>Releases the device.</summary>
    protected virtual void Dispose(bool disposing)
    {
    }
}
