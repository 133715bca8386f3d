using System.Buffers.Binary;
using ReactorTwin.Adapters.Devices.Ads1115;
using ReactorTwin.Adapters.Hardware;
using ReactorTwin.Adapters.Hardware.I2c;

namespace ReactorTwin.Simulator.Devices;

/// <summary>
/// A simulated ADS1115 built from its register map: a pointer register selects Conversion / Config / Lo_thresh /
/// Hi_thresh (16-bit big-endian); writing OS = 1 in single-shot mode starts a conversion that completes after
/// 1/DR × <see cref="OscillatorFactor"/> and samples the input signals at that instant; continuous mode refreshes the
/// conversion register every conversion period. Inputs are voltage signals of time, so a simulated plant can drive
/// them. Drive it with the same <see cref="HardwareClock"/> as the driver.
/// </summary>
public sealed class SimulatedAds1115 : I2cDevice
{
    private const ushort OsBit = 0x8000;
    private readonly HardwareClock _clock;
    private readonly Func<DateTimeOffset, double>[] _inputs = new Func<DateTimeOffset, double>[4];
    private readonly object _gate = new();
    private byte _pointer;
    private ushort _config = 0x8583;
    private ushort _conversion;
    private ushort _lowThreshold = 0x8000;
    private ushort _highThreshold = 0x7FFF;
    private DateTimeOffset? _singleShotDoneAt;
    private DateTimeOffset _continuousStart;

    /// <summary>Creates the chip with all inputs at 0 V.</summary>
    /// <param name="clock">Time source shared with the driver.</param>
    /// <param name="address">I2C address, 0x48–0x4B; default 0x48.</param>
    /// <param name="busId">Bus number reported in <see cref="ConnectionSettings"/>; default 1.</param>
    public SimulatedAds1115(HardwareClock clock, int address = Ads1115.DefaultAddress, int busId = 1)
    {
        ArgumentNullException.ThrowIfNull(clock);
        if (address is < 0x48 or > 0x4B)
        {
            throw new ArgumentOutOfRangeException(nameof(address), address, "the ADS1115 answers at 0x48–0x4B");
        }

        _clock = clock;
        ConnectionSettings = new I2cConnectionSettings(busId, address);
        for (int i = 0; i < _inputs.Length; i++)
        {
            _inputs[i] = static _ => 0.0;
        }
    }

    /// <inheritdoc/>
    public override I2cConnectionSettings ConnectionSettings { get; }

    /// <summary>Actual conversion time ÷ nominal 1/DR (the internal oscillator's error); default 1.0, datasheet ±10 %.</summary>
    public double OscillatorFactor { get; set; } = 1.0;

    /// <summary>When true every transfer fails with EREMOTEIO, as when the chip does not acknowledge.</summary>
    public bool NotAcknowledging { get; set; }

    /// <summary>Number of single-shot conversions started (for tests).</summary>
    public int ConversionsStarted { get; private set; }

    /// <summary>Raw config register value as last written (OS bit as written).</summary>
    public ushort ConfigRegister
    {
        get
        {
            lock (_gate)
            {
                return _config;
            }
        }
    }

    /// <summary>Sets the voltage signal (V versus GND) on AIN<paramref name="channel"/>.</summary>
    public void SetInput(int channel, Func<DateTimeOffset, double> volts)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(channel);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(channel, 3);
        ArgumentNullException.ThrowIfNull(volts);
        _inputs[channel] = volts;
    }

    /// <summary>Sets a constant voltage on AIN<paramref name="channel"/>.</summary>
    public void SetInput(int channel, double volts) => SetInput(channel, _ => volts);

    /// <inheritdoc/>
    public override void Write(ReadOnlySpan<byte> buffer)
    {
        CheckAck();
        if (buffer.IsEmpty)
        {
            return;
        }

        lock (_gate)
        {
            Update();
            _pointer = (byte)(buffer[0] & 0x03);
            if (buffer.Length < 3)
            {
                return;
            }

            ushort value = BinaryPrimitives.ReadUInt16BigEndian(buffer[1..3]);
            switch ((Ads1115Register)_pointer)
            {
                case Ads1115Register.Config:
                    WriteConfig(value);
                    break;
                case Ads1115Register.LowThreshold:
                    _lowThreshold = value;
                    break;
                case Ads1115Register.HighThreshold:
                    _highThreshold = value;
                    break;
                default:
                    break; // the conversion register is read-only
            }
        }
    }

    /// <inheritdoc/>
    public override void Read(Span<byte> buffer)
    {
        CheckAck();
        lock (_gate)
        {
            Update();
            ushort value = (Ads1115Register)_pointer switch
            {
                Ads1115Register.Conversion => _conversion,
                Ads1115Register.Config => (ushort)((_config & ~OsBit) | (IsConverting ? 0 : OsBit)),
                Ads1115Register.LowThreshold => _lowThreshold,
                _ => _highThreshold,
            };
            buffer.Fill(0xFF);
            if (buffer.Length >= 2)
            {
                BinaryPrimitives.WriteUInt16BigEndian(buffer, value);
            }
            else if (buffer.Length == 1)
            {
                buffer[0] = (byte)(value >> 8);
            }
        }
    }

    private bool Continuous => (_config & 0x0100) == 0;

    private bool IsConverting => Continuous || _singleShotDoneAt is not null;

    private TimeSpan Period => Ads1115.ConversionTime((Ads1115DataRate)((_config >> 5) & 0x7)) * OscillatorFactor;

    private void WriteConfig(ushort value)
    {
        _config = value;
        var now = _clock.GetUtcNow();
        if (Continuous)
        {
            // Any config write restarts the conversion cycle, as on the chip.
            _continuousStart = now;
            _singleShotDoneAt = null;
        }
        else if ((value & OsBit) != 0 && _singleShotDoneAt is null)
        {
            _singleShotDoneAt = now + Period;
            ConversionsStarted++;
        }
    }

    private void Update()
    {
        var now = _clock.GetUtcNow();
        if (Continuous)
        {
            long completed = (now - _continuousStart).Ticks / Math.Max(1, Period.Ticks);
            if (completed >= 1)
            {
                _conversion = Convert(_continuousStart + (Period * completed));
            }
        }
        else if (_singleShotDoneAt is DateTimeOffset done && now >= done)
        {
            _conversion = Convert(done);
            _singleShotDoneAt = null;
        }
    }

    private ushort Convert(DateTimeOffset at)
    {
        var mux = (Ads1115Input)((_config >> 12) & 0x7);
        double volts = mux switch
        {
            Ads1115Input.Ain0MinusAin1 => _inputs[0](at) - _inputs[1](at),
            Ads1115Input.Ain0MinusAin3 => _inputs[0](at) - _inputs[3](at),
            Ads1115Input.Ain1MinusAin3 => _inputs[1](at) - _inputs[3](at),
            Ads1115Input.Ain2MinusAin3 => _inputs[2](at) - _inputs[3](at),
            Ads1115Input.Ain0 => _inputs[0](at),
            Ads1115Input.Ain1 => _inputs[1](at),
            Ads1115Input.Ain2 => _inputs[2](at),
            _ => _inputs[3](at),
        };
        int pga = (_config >> 9) & 0x7;
        double fullScale = Ads1115.FullScaleVolts((Ads1115FullScale)Math.Min(pga, 5));
        double code = Math.Round(volts / fullScale * 32768.0);
        short raw = (short)Math.Clamp(code, short.MinValue, short.MaxValue);
        return unchecked((ushort)raw);
    }

    private void CheckAck()
    {
        if (NotAcknowledging)
        {
            throw new HardwareIoException($"simulated i2c-{ConnectionSettings.BusId}", $"transfer to 0x{ConnectionSettings.DeviceAddress:x2}", 121);
        }
    }
}
