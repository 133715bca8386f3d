using System.Device.Spi;

namespace ReactorTwin.Simulator.Devices;

/// <summary>How a simulated RTD element is connected.</summary>
public enum SimulatedRtdWiring
{
    /// <summary>Connected: the resistance follows the temperature.</summary>
    Connected,

    /// <summary>Element or lead broken: the converter sees the full reference (code at the top of the range).</summary>
    Open,

    /// <summary>Element shorted: zero resistance (code 0).</summary>
    Shorted,
}

/// <summary>
/// A simulated MAX31865 RTD-to-digital converter as an <see cref="SpiDevice"/> for Iot.Device.Max31865: registers
/// 0x00 configuration, 0x01–0x02 RTD (15-bit ratio R/R_REF and the fault bit), 0x03–0x06 thresholds, 0x07 fault status;
/// an address byte with bit 7 set writes consecutive registers, otherwise the following bytes read them. Setting 1-shot
/// with the bias on converts the RTD resistance of a PT100 or PT1000 at the current temperature (Callendar–Van Dusen,
/// IEC 60751) into the RTD register; the fault-status-clear bit clears the faults.
/// </summary>
public sealed class SimulatedMax31865 : SpiDevice
{
    private const double A = 3.9083e-3;
    private const double B = -5.775e-7;
    private const double C = -4.183e-12;
    private readonly byte[] _registers = new byte[8];
    private readonly Func<double> _celsius;
    private readonly double _nominalOhms;
    private readonly double _referenceOhms;
    private readonly object _gate = new();

    /// <summary>Creates the converter.</summary>
    /// <param name="celsius">The RTD's temperature when a conversion runs, °C.</param>
    /// <param name="nominalOhms">R₀ of the element: 100 (PT100) or 1000 (PT1000).</param>
    /// <param name="referenceOhms">The board's reference resistor: 430 Ω for PT100, 4300 Ω for PT1000 boards.</param>
    /// <param name="settings">Bus and chip select reported in <see cref="ConnectionSettings"/>; default bus 0, CE0.</param>
    public SimulatedMax31865(Func<double> celsius, double nominalOhms = 100, double referenceOhms = 430, SpiConnectionSettings? settings = null)
    {
        ArgumentNullException.ThrowIfNull(celsius);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(nominalOhms);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(referenceOhms);
        _celsius = celsius;
        _nominalOhms = nominalOhms;
        _referenceOhms = referenceOhms;
        _registers[3] = 0xFF;
        _registers[4] = 0xFF;
        ConnectionSettings = settings ?? new SpiConnectionSettings(0, 0);
    }

    /// <inheritdoc/>
    public override SpiConnectionSettings ConnectionSettings { get; }

    /// <summary>How the element is connected; default connected.</summary>
    public SimulatedRtdWiring Wiring { get; set; }

    /// <summary>Fault-status bits raised with the next conversion besides those of the wiring (D2: over/under-voltage).</summary>
    public byte ExtraFaultBits { get; set; }

    /// <summary>Conversions run (for tests).</summary>
    public int Conversions { get; private set; }

    /// <summary>The configuration register as last written.</summary>
    public byte Configuration
    {
        get
        {
            lock (_gate)
            {
                return _registers[0];
            }
        }
    }

    /// <summary>Resistance of a platinum RTD at <paramref name="celsius"/> (IEC 60751 Callendar–Van Dusen; C applies below 0 °C).</summary>
    public static double Resistance(double nominalOhms, double celsius) => celsius >= 0
        ? nominalOhms * (1 + (A * celsius) + (B * celsius * celsius))
        : nominalOhms * (1 + (A * celsius) + (B * celsius * celsius) + (C * (celsius - 100) * celsius * celsius * celsius));

    /// <inheritdoc/>
    public override void Read(Span<byte> buffer) => buffer.Clear();

    /// <inheritdoc/>
    public override void Write(ReadOnlySpan<byte> buffer)
    {
        if (buffer.IsEmpty || (buffer[0] & 0x80) == 0)
        {
            return;
        }

        lock (_gate)
        {
            int address = buffer[0] & 0x07;
            for (int i = 1; i < buffer.Length && address + i - 1 < _registers.Length; i++)
            {
                WriteRegister(address + i - 1, buffer[i]);
            }
        }
    }

    /// <inheritdoc/>
    public override void TransferFullDuplex(ReadOnlySpan<byte> writeBuffer, Span<byte> readBuffer)
    {
        if (writeBuffer.IsEmpty)
        {
            return;
        }

        if ((writeBuffer[0] & 0x80) != 0)
        {
            Write(writeBuffer);
            readBuffer.Clear();
            return;
        }

        lock (_gate)
        {
            int address = writeBuffer[0] & 0x07;
            readBuffer[0] = 0;
            for (int i = 1; i < readBuffer.Length; i++)
            {
                readBuffer[i] = address + i - 1 < _registers.Length ? _registers[address + i - 1] : (byte)0;
            }
        }
    }

    private void WriteRegister(int address, byte value)
    {
        switch (address)
        {
            case 0:
                if ((value & 0x02) != 0)
                {
                    _registers[7] = 0; // fault status clear (self-clearing)
                }

                _registers[0] = (byte)(value & ~0x22);
                if ((value & 0x20) != 0 && (value & 0x80) != 0)
                {
                    Convert();
                }

                break;
            case 3 or 4 or 5 or 6:
                _registers[address] = value;
                break;
            default:
                break; // RTD and fault status are read-only
        }
    }

    private void Convert()
    {
        Conversions++;
        int code = Wiring switch
        {
            SimulatedRtdWiring.Open => 0x7FFF,
            SimulatedRtdWiring.Shorted => 0,
            _ => (int)Math.Clamp(Math.Round(Resistance(_nominalOhms, _celsius()) / _referenceOhms * 32768.0), 0, 0x7FFF),
        };
        int high = (_registers[3] << 8) | _registers[4];
        int low = (_registers[5] << 8) | _registers[6];
        byte faults = ExtraFaultBits;
        if ((code << 1) >= high)
        {
            faults |= 0x80;
        }

        if ((code << 1) < low)
        {
            faults |= 0x40;
        }

        _registers[7] = faults;
        int register = (code << 1) | (faults != 0 ? 1 : 0);
        _registers[1] = (byte)(register >> 8);
        _registers[2] = (byte)register;
    }
}
