using System.Buffers.Binary;
using System.Device.I2c;
using ReactorTwin.Adapters.Devices;

namespace ReactorTwin.Simulator.Devices;

/// <summary>
/// A simulated Sensirion SCD40/SCD41 CO₂ sensor as an <see cref="I2cDevice"/> for Iot.Device.Scd4x: 16-bit commands
/// (start_periodic_measurement 0x21B1, get_data_ready_status 0xE4B8, read_measurement 0xEC05,
/// stop_periodic_measurement 0x3F86, reinit 0x3646); in periodic mode a new measurement is ready every 5 s on the clock;
/// every 16-bit word travels with its Sensirion CRC-8 (polynomial 0x31, initial 0xFF). The binding times its waits on
/// the real clock, so give this chip the real clock too.
/// </summary>
public sealed class SimulatedScd4x : I2cDevice
{
    /// <summary>Measurement period in periodic mode.</summary>
    public static readonly TimeSpan Period = TimeSpan.FromSeconds(5);

    private readonly HardwareClock _clock;
    private readonly Func<DateTimeOffset, double> _ppm;
    private readonly object _gate = new();
    private ushort _lastCommand;
    private DateTimeOffset? _started;
    private long _measurementsRead;

    /// <summary>Creates the sensor.</summary>
    /// <param name="clock">Time source (the real clock: the binding waits in real time).</param>
    /// <param name="ppm">CO₂ at the sensor over time, ppm.</param>
    /// <param name="busId">Bus reported in <see cref="ConnectionSettings"/>; default 1.</param>
    public SimulatedScd4x(HardwareClock clock, Func<DateTimeOffset, double> ppm, int busId = 1)
    {
        ArgumentNullException.ThrowIfNull(clock);
        ArgumentNullException.ThrowIfNull(ppm);
        _clock = clock;
        _ppm = ppm;
        ConnectionSettings = new I2cConnectionSettings(busId, 0x62);
    }

    /// <inheritdoc/>
    public override I2cConnectionSettings ConnectionSettings { get; }

    /// <summary>Temperature reported with each measurement, °C; default 25.</summary>
    public double TemperatureCelsius { get; set; } = 25;

    /// <summary>Relative humidity reported with each measurement, %; default 50.</summary>
    public double RelativeHumidityPercent { get; set; } = 50;

    /// <summary>When true the CO₂ word's CRC byte is corrupted (a disturbed bus).</summary>
    public bool CorruptCo2Crc { get; set; }

    /// <summary>Whether periodic measurement runs.</summary>
    public bool Measuring
    {
        get
        {
            lock (_gate)
            {
                return _started is not null;
            }
        }
    }

    /// <summary>Sensirion's CRC-8 of a 16-bit word (polynomial 0x31, initial value 0xFF, no final XOR).</summary>
    public static byte Crc8(ushort word)
    {
        byte crc = 0xFF;
        foreach (byte b in (ReadOnlySpan<byte>)[(byte)(word >> 8), (byte)word])
        {
            crc ^= b;
            for (int i = 0; i < 8; i++)
            {
                crc = (crc & 0x80) != 0 ? (byte)((crc << 1) ^ 0x31) : (byte)(crc << 1);
            }
        }

        return crc;
    }

    /// <inheritdoc/>
    public override void Write(ReadOnlySpan<byte> buffer)
    {
        if (buffer.Length < 2)
        {
            return;
        }

        _clock.Elapse(SimulatedI2cBus.TransferTime(buffer.Length));
        var command = BinaryPrimitives.ReadUInt16BigEndian(buffer);
        lock (_gate)
        {
            _lastCommand = command;
            switch (command)
            {
                case 0x21B1:
                    _started = _clock.GetUtcNow();
                    _measurementsRead = 0;
                    break;
                case 0x3F86 or 0x3646:
                    _started = null;
                    break;
                default:
                    break;
            }
        }
    }

    /// <inheritdoc/>
    public override void Read(Span<byte> buffer)
    {
        _clock.Elapse(SimulatedI2cBus.TransferTime(buffer.Length));
        buffer.Clear();
        lock (_gate)
        {
            long available = _started is { } start ? (long)((_clock.GetUtcNow() - start) / Period) : 0;
            switch (_lastCommand)
            {
                case 0xE4B8 when buffer.Length >= 3:
                    // The lower 11 bits are non-zero when a measurement is waiting.
                    WriteWord(buffer, available > _measurementsRead ? (ushort)0x8006 : (ushort)0x8000, corrupt: false);
                    break;
                case 0xEC05 when buffer.Length >= 9:
                    var now = _clock.GetUtcNow();
                    WriteWord(buffer, (ushort)Math.Clamp(Math.Round(_ppm(now)), 0, 40_000), CorruptCo2Crc);
                    WriteWord(buffer[3..], (ushort)Math.Clamp(Math.Round((TemperatureCelsius + 45) * 65535 / 175), 0, 65535), corrupt: false);
                    WriteWord(buffer[6..], (ushort)Math.Clamp(Math.Round(RelativeHumidityPercent * 65535 / 100), 0, 65535), corrupt: false);
                    _measurementsRead = Math.Max(_measurementsRead, available);
                    break;
                default:
                    break;
            }
        }
    }

    /// <inheritdoc/>
    public override void WriteRead(ReadOnlySpan<byte> writeBuffer, Span<byte> readBuffer)
    {
        Write(writeBuffer);
        Read(readBuffer);
    }

    private static void WriteWord(Span<byte> buffer, ushort word, bool corrupt)
    {
        BinaryPrimitives.WriteUInt16BigEndian(buffer, word);
        buffer[2] = (byte)(Crc8(word) ^ (corrupt ? 0x5A : 0));
    }
}
