using System.Globalization;
using System.Text;

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
/// Writes what the kernel's w1 subsystem shows under <c>/sys/devices</c> for one bus master:
/// <c>w1_bus_master1/w1_master_slaves</c> and <c>w1_bus_master1/28-xxxxxxxxxxxx/w1_slave</c>, with the exact text the
/// w1_therm driver produces (real scratchpad and Dallas CRC-8), for DS18B20s whose temperature follows a signal.
/// Iot.Device.OneWire reads that fixed path, so a test bind-mounts <see cref="Root"/> onto <c>/sys/devices</c> in a
/// private mount namespace (see tests/ReactorTwin.Host.Tests/Runtime/OneWireNamespaceTests.cs). Call
/// <see cref="Refresh"/> before each read (the kernel converts on read, this writer on refresh).
/// </summary>
public sealed class SimulatedOneWireDirectory
{
    /// <summary>The bus master's directory name the kernel gives the first w1-gpio bus.</summary>
    public const string BusId = "w1_bus_master1";

    private readonly Dictionary<string, Probe> _probes = new(StringComparer.Ordinal);

    /// <summary>Uses (and creates) <paramref name="root"/>, which stands in for <c>/sys/devices</c>.</summary>
    public SimulatedOneWireDirectory(string root)
    {
        ArgumentException.ThrowIfNullOrEmpty(root);
        Root = root;
        Directory.CreateDirectory(Path.Combine(root, BusId));
    }

    /// <summary>The directory standing in for /sys/devices.</summary>
    public string Root { get; }

    /// <summary>Adds a DS18B20 with serial <paramref name="serial"/> (12 hex digits) whose temperature follows <paramref name="celsius"/>.</summary>
    /// <returns>The slave id, <c>28-</c> + serial.</returns>
    public string AddThermometer(string serial, Func<DateTimeOffset, double> celsius)
    {
        ArgumentNullException.ThrowIfNull(serial);
        ArgumentNullException.ThrowIfNull(celsius);
        if (serial.Length != 12 || !serial.All(Uri.IsHexDigit))
        {
            throw new ArgumentException($"'{serial}': a 1-Wire serial is 12 hex digits", nameof(serial));
        }

        string id = $"28-{serial.ToLowerInvariant()}";
        _probes[id] = new Probe(celsius);
        return id;
    }

    /// <summary>Sets the fault shown by <paramref name="deviceId"/> from the next refresh on.</summary>
    public void SetFault(string deviceId, SimulatedW1Fault fault) => _probes[deviceId].Fault = fault;

    /// <summary>Rewrites the slave list and every slave's w1_slave for time <paramref name="now"/>.</summary>
    public void Refresh(DateTimeOffset now)
    {
        var bus = Path.Combine(Root, BusId);
        var present = new List<string>();
        foreach (var (id, probe) in _probes)
        {
            string dir = Path.Combine(bus, id);
            if (probe.Fault == SimulatedW1Fault.Absent)
            {
                if (Directory.Exists(dir))
                {
                    Directory.Delete(dir, recursive: true);
                }

                continue;
            }

            present.Add(id);
            Directory.CreateDirectory(dir);
            File.WriteAllText(Path.Combine(dir, "w1_slave"), Text(probe.Celsius(now), probe.Fault));
        }

        File.WriteAllLines(Path.Combine(bus, "w1_master_slaves"), present.Count == 0 ? ["not found."] : present);
    }

    /// <summary>The w1_slave text for <paramref name="celsius"/> at 12-bit resolution with <paramref name="fault"/>:
    /// <c>"xx xx … : crc=xx YES\nxx xx … t=23937\n"</c>.</summary>
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
            pad[8] = Crc8(pad.AsSpan(0, 8));
            if (fault == SimulatedW1Fault.CrcError)
            {
                pad[3] ^= 0x04; // a flipped bit on the wire
            }
        }

        // w1_therm: t = raw * 1000 / 16 in C integer arithmetic (truncation toward zero).
        int milli = raw * 1000 / 16;
        string hex = string.Join(' ', pad.Select(b => b.ToString("x2", CultureInfo.InvariantCulture)));
        bool ok = Crc8(pad.AsSpan(0, 8)) == pad[8];
        return new StringBuilder()
            .Append(CultureInfo.InvariantCulture, $"{hex} : crc={pad[8]:x2} {(ok ? "YES" : "NO")}\n")
            .Append(CultureInfo.InvariantCulture, $"{hex} t={milli}\n")
            .ToString();
    }

    /// <summary>Dallas/Maxim CRC-8 (polynomial x⁸ + x⁵ + x⁴ + 1, reflected 0x8C), as the DS18B20 computes it.</summary>
    public static byte Crc8(ReadOnlySpan<byte> data)
    {
        byte crc = 0;
        foreach (byte b in data)
        {
            byte x = b;
            for (int i = 0; i < 8; i++)
            {
                bool mix = ((crc ^ x) & 1) != 0;
                crc >>= 1;
                if (mix)
                {
                    crc ^= 0x8C;
                }

                x >>= 1;
            }
        }

        return crc;
    }

    private sealed class Probe(Func<DateTimeOffset, double> celsius)
    {
        public Func<DateTimeOffset, double> Celsius { get; } = celsius;

        public SimulatedW1Fault Fault { get; set; }
    }
}
