using System.Buffers.Binary;
using System.Device.I2c;
using Iot.Device.Ads1115;
using ReactorTwin.Adapters.Devices;

namespace ReactorTwin.Simulator.Devices;

/// <summary>
/// A simulated ADS1115 built from its register map, as an <see cref="I2cDevice"/> for Iot.Device.Ads1115: a pointer
/// register selects Conversion / Config / Lo_thresh / Hi_thresh (16-bit big-endian); writing OS = 1 in single-shot mode
/// starts a conversion that completes after 1/DR × <see cref="OscillatorFactor"/> and samples the input signals at that
/// instant (OS reads 0 meanwhile); continuous mode refreshes the conversion register every conversion period. Each
/// transfer takes its bus time on the clock (<see cref="HardwareClock.Elapse"/>), so the binding's busy-bit polling
/// progresses in virtual time. Inputs are voltage signals of time, so a simulated plant can drive them.
/// </summary>
public sealed class SimulatedAds1115 : I2cDevice
{
    /// <summary>Address with ADDR tied to GND.</summary>
    public const int DefaultAddress = 0x48;

    private const ushort OsBit = 0x8000;
    private static readonly int[] SamplesPerSecond = [8, 16, 32, 64, 128, 250, 475, 860];
    private static readonly double[] FullScaleVolts = [6.144, 4.096, 2.048, 1.024, 0.512, 0.256];
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
    /// <param name="clock">Time source shared with the simulation.</param>
    /// <param name="address">I2C address, 0x48–0x4B; default 0x48.</param>
    /// <param name="busId">Bus number reported in <see cref="ConnectionSettings"/>; default 1.</param>
    public SimulatedAds1115(HardwareClock clock, int address = DefaultAddress, int busId = 1)
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

    /// <summary>When true every transfer fails with an <see cref="IOException"/>, as when the chip does not acknowledge.</summary>
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

    /// <summary>Nominal conversion time 1/DR of <paramref name="rate"/>.</summary>
    public static TimeSpan ConversionTime(DataRate rate) => TimeSpan.FromTicks(TimeSpan.TicksPerSecond / SamplesPerSecond[(int)rate]);

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
        Transfer(buffer.Length);
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
        Transfer(buffer.Length);
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

    /// <inheritdoc/>
    public override void WriteRead(ReadOnlySpan<byte> writeBuffer, Span<byte> readBuffer)
    {
        Write(writeBuffer);
        Read(readBuffer);
    }

    private bool Continuous => (_config & 0x0100) == 0;

    private bool IsConverting => !Continuous && _singleShotDoneAt is not null;

    private TimeSpan Period => ConversionTime((DataRate)((_config >> 5) & 0x7)) * OscillatorFactor;

    private void Transfer(int bytes)
    {
        if (NotAcknowledging)
        {
            throw SimulatedI2cBus.NotAcknowledged(ConnectionSettings);
        }

        _clock.Elapse(SimulatedI2cBus.TransferTime(bytes));
    }

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
        double volts = (InputMultiplexer)((_config >> 12) & 0x7) switch
        {
            InputMultiplexer.AIN0_AIN1 => _inputs[0](at) - _inputs[1](at),
            InputMultiplexer.AIN0_AIN3 => _inputs[0](at) - _inputs[3](at),
            InputMultiplexer.AIN1_AIN3 => _inputs[1](at) - _inputs[3](at),
            InputMultiplexer.AIN2_AIN3 => _inputs[2](at) - _inputs[3](at),
            InputMultiplexer.AIN0 => _inputs[0](at),
            InputMultiplexer.AIN1 => _inputs[1](at),
            InputMultiplexer.AIN2 => _inputs[2](at),
            _ => _inputs[3](at),
        };
        int pga = (_config >> 9) & 0x7;
        double fullScale = FullScaleVolts[Math.Min(pga, 5)];
        double code = Math.Round(volts / fullScale * 32768.0);
        short raw = (short)Math.Clamp(code, short.MinValue, short.MaxValue);
        return unchecked((ushort)raw);
    }
}

/// <summary>The ADS1115's register map (datasheet table 8.6): the pointer byte selects one.</summary>
public enum Ads1115Register : byte
{
    /// <summary>Last conversion result, 16-bit two's complement.</summary>
    Conversion = 0x00,

    /// <summary>Configuration: OS, MUX, PGA, MODE, DR, comparator.</summary>
    Config = 0x01,

    /// <summary>Comparator low threshold.</summary>
    LowThreshold = 0x02,

    /// <summary>Comparator high threshold.</summary>
    HighThreshold = 0x03,
}
