using System.Globalization;
using ReactorTwin.Adapters.Devices.Ds18b20;
using ReactorTwin.Adapters.Hardware.OneWire;

namespace ReactorTwin.Simulator.Devices;

/// <summary>Faults a simulated DS18B20 can show in its <c>w1_slave</c> file.</summary>
public enum SimulatedW1Fault
{
    /// <summary>A correct reading.</summary>
    None,

    /// <summary>A corrupted scratchpad: the kernel prints <c>crc=.. NO</c>.</summary>
    CrcError,

    /// <summary>The 85 °C power-on value (conversion did not run).</summary>
    PowerOnReset,

    /// <summary>All-zero scratchpad (line dropped during the read; CRC of zeros is zero, so the kernel says YES).</summary>
    AllZero,

    /// <summary>The slave directory disappears, as when the probe is unplugged.</summary>
    Absent,
}

/// <summary>
/// Writes a w1 sysfs tree (<c>28-xxxxxxxxxxxx/w1_slave</c>) with the exact text the kernel's w1_therm driver
/// produces, including the real scratchpad and CRC-8, for DS18B20s whose temperature follows a signal. Point a
/// <see cref="OneWireBus"/> at <see cref="DevicesDirectory"/>; call <see cref="Refresh"/> before each read (the
/// kernel converts on read, this writer on refresh).
/// </summary>
public sealed class SimulatedOneWireDirectory
{
    private readonly Dictionary<string, Probe> _probes = new(StringComparer.Ordinal);

    /// <summary>Uses (and creates) <paramref name="devicesDirectory"/>.</summary>
    public SimulatedOneWireDirectory(string devicesDirectory)
    {
        ArgumentException.ThrowIfNullOrEmpty(devicesDirectory);
        DevicesDirectory = devicesDirectory;
        Directory.CreateDirectory(devicesDirectory);
    }

    /// <summary>The directory standing in for /sys/bus/w1/devices.</summary>
    public string DevicesDirectory { get; }

    /// <summary>Adds a DS18B20 with serial <paramref name="serial"/> (12 hex digits) whose temperature follows <paramref name="celsius"/>.</summary>
    /// <returns>The slave id, <c>28-</c> + serial.</returns>
    public string AddThermometer(string serial, Func<DateTimeOffset, double> celsius)
    {
        ArgumentNullException.ThrowIfNull(celsius);
        if (serial.Length != 12 || !serial.All(Uri.IsHexDigit))
        {
            throw new ArgumentException("a 1-Wire serial is 12 hex digits", nameof(serial));
        }

        string id = $"{Ds18b20.FamilyCode}-{serial.ToLowerInvariant()}";
        _probes[id] = new Probe(celsius);
        return id;
    }

    /// <summary>Sets the fault shown by <paramref name="deviceId"/> from the next refresh on.</summary>
    public void SetFault(string deviceId, SimulatedW1Fault fault) => _probes[deviceId].Fault = fault;

    /// <summary>Rewrites every slave's w1_slave for time <paramref name="now"/>.</summary>
    public void Refresh(DateTimeOffset now)
    {
        foreach (var (id, probe) in _probes)
        {
            string dir = Path.Combine(DevicesDirectory, id);
            if (probe.Fault == SimulatedW1Fault.Absent)
            {
                if (Directory.Exists(dir))
                {
                    Directory.Delete(dir, recursive: true);
                }

                continue;
            }

            Directory.CreateDirectory(dir);
            File.WriteAllText(Path.Combine(dir, "w1_slave"), Text(probe.Celsius(now), probe.Fault));
        }
    }

    /// <summary>The w1_slave text for <paramref name="celsius"/> at 12-bit resolution with <paramref name="fault"/>.</summary>
    public static string Text(double celsius, SimulatedW1Fault fault)
    {
        short raw = fault == SimulatedW1Fault.PowerOnReset ? (short)0x0550 : (short)Math.Clamp(Math.Round(celsius * 16.0), -55 * 16, 125 * 16);
        byte[] pad = [(byte)(raw & 0xFF), (byte)((raw >> 8) & 0xFF), 0x4B, 0x46, 0x7F, 0xFF, 0x0C, 0x10, 0];
        if (fault == SimulatedW1Fault.AllZero)
        {
            pad.AsSpan().Clear();
            raw = 0;
        }
        else
        {
            pad[8] = W1SlaveText.Crc8(pad.AsSpan(0, 8));
            if (fault == SimulatedW1Fault.CrcError)
            {
                pad[3] ^= 0x04; // a flipped bit on the wire
            }
        }

        // w1_therm: t = raw * 1000 / 16 in C integer arithmetic (truncation toward zero).
        int milli = raw * 1000 / 16;
        return W1SlaveText.Format(pad, milli);
    }

    private sealed class Probe(Func<DateTimeOffset, double> celsius)
    {
        public Func<DateTimeOffset, double> Celsius { get; } = celsius;

        public SimulatedW1Fault Fault { get; set; }
    }
}
