using System.Buffers.Binary;
using ReactorTwin.Adapters.Hardware;
using ReactorTwin.Adapters.Hardware.I2c;

namespace ReactorTwin.Adapters.Devices.Ads1115;

/// <summary>
/// TI ADS1115 16-bit delta-sigma ADC (I2C address 0x48–0x4B, set by the ADDR pin). Single-shot reads start a
/// conversion, wait its documented time (1/DR plus oscillator tolerance) and poll the OS bit until the result is
/// ready; continuous mode reads the latest result. Registers are 16-bit big-endian behind a pointer byte.
/// Not thread-safe: use one instance per chip from one thread (e.g. the bus's scheduler).
/// </summary>
public sealed class Ads1115
{
    /// <summary>Address with ADDR tied to GND.</summary>
    public const int DefaultAddress = 0x48;

    private const ushort OsBit = 0x8000;
    private const ushort ComparatorDisabled = 0x0003;

    private readonly I2cDevice _device;
    private readonly HardwareClock _clock;
    private Ads1115Input? _continuousInput;
    private DateTimeOffset _continuousReadyAt;

    /// <summary>Creates the driver; nothing is written until the first read.</summary>
    public Ads1115(I2cDevice device, HardwareClock clock, Ads1115Settings? settings = null)
    {
        ArgumentNullException.ThrowIfNull(device);
        ArgumentNullException.ThrowIfNull(clock);
        _device = device;
        _clock = clock;
        Settings = settings ?? new Ads1115Settings();
        if (Settings.OscillatorTolerance is < 0 or > 1 || Settings.ReadyTimeoutConversions <= 0)
        {
            throw new ArgumentException("OscillatorTolerance must be in [0, 1] and ReadyTimeoutConversions positive", nameof(settings));
        }
    }

    /// <summary>The settings in use.</summary>
    public Ads1115Settings Settings { get; }

    /// <summary>Full-scale voltage of <paramref name="fullScale"/> (the PGA table of the datasheet).</summary>
    public static double FullScaleVolts(Ads1115FullScale fullScale) => fullScale switch
    {
        Ads1115FullScale.PlusMinus6144Millivolts => 6.144,
        Ads1115FullScale.PlusMinus4096Millivolts => 4.096,
        Ads1115FullScale.PlusMinus2048Millivolts => 2.048,
        Ads1115FullScale.PlusMinus1024Millivolts => 1.024,
        Ads1115FullScale.PlusMinus512Millivolts => 0.512,
        Ads1115FullScale.PlusMinus256Millivolts => 0.256,
        _ => throw new ArgumentOutOfRangeException(nameof(fullScale), fullScale, null),
    };

    /// <summary>Samples per second of <paramref name="rate"/>.</summary>
    public static int SamplesPerSecond(Ads1115DataRate rate) => rate switch
    {
        Ads1115DataRate.Sps8 => 8,
        Ads1115DataRate.Sps16 => 16,
        Ads1115DataRate.Sps32 => 32,
        Ads1115DataRate.Sps64 => 64,
        Ads1115DataRate.Sps128 => 128,
        Ads1115DataRate.Sps250 => 250,
        Ads1115DataRate.Sps475 => 475,
        Ads1115DataRate.Sps860 => 860,
        _ => throw new ArgumentOutOfRangeException(nameof(rate), rate, null),
    };

    /// <summary>Nominal conversion time 1/DR.</summary>
    public static TimeSpan ConversionTime(Ads1115DataRate rate) => TimeSpan.FromTicks(TimeSpan.TicksPerSecond / SamplesPerSecond(rate));

    /// <summary>The config word for the given fields with the comparator disabled (COMP_QUE = 11).</summary>
    public static ushort ConfigWord(bool startConversion, Ads1115Input input, Ads1115FullScale fullScale, Ads1115Mode mode, Ads1115DataRate rate) =>
        (ushort)((startConversion ? OsBit : 0) | ((int)input << 12) | ((int)fullScale << 9) | ((int)mode << 8) | ((int)rate << 5) | ComparatorDisabled);

    /// <summary>Converts a code to volts for <paramref name="fullScale"/>: one LSB is FS / 32768.</summary>
    public static double CodeToVolts(short raw, Ads1115FullScale fullScale) => raw * FullScaleVolts(fullScale) / 32768.0;

    /// <summary>Single-shot read of <paramref name="input"/> in volts.</summary>
    /// <returns>False, with the reason, when the I2C transfer fails or the conversion never reports ready.</returns>
    public bool TryReadVolts(Ads1115Input input, out double volts, out string? failure)
    {
        bool ok = TryReadSample(input, out var sample, out failure);
        volts = ok ? sample.Volts : double.NaN;
        return ok;
    }

    /// <summary>Single-shot conversion of <paramref name="input"/>: start, wait 1/DR·(1+tolerance), poll OS, read.</summary>
    public bool TryReadSample(Ads1115Input input, out Ads1115Sample sample, out string? failure)
    {
        sample = default;
        try
        {
            _continuousInput = null;
            WriteRegister(Ads1115Register.Config, ConfigWord(true, input, Settings.FullScale, Ads1115Mode.SingleShot, Settings.DataRate));
            var conversion = ConversionTime(Settings.DataRate);
            _clock.Wait(conversion * (1 + Settings.OscillatorTolerance));
            if (!WaitForReady(conversion, out failure))
            {
                return false;
            }

            sample = ReadConversion();
            return true;
        }
        catch (HardwareIoException e)
        {
            failure = $"ADS1115 0x{_device.ConnectionSettings.DeviceAddress:x2}: {e.Message}";
            return false;
        }
    }

    /// <summary>Switches to continuous conversion of <paramref name="input"/>; the first result is valid after one conversion time.</summary>
    /// <exception cref="HardwareIoException">The configuration write failed.</exception>
    public void StartContinuous(Ads1115Input input)
    {
        WriteRegister(Ads1115Register.Config, ConfigWord(false, input, Settings.FullScale, Ads1115Mode.Continuous, Settings.DataRate));
        _continuousInput = input;
        _continuousReadyAt = _clock.GetUtcNow() + (ConversionTime(Settings.DataRate) * (1 + Settings.OscillatorTolerance));
    }

    /// <summary>Stops continuous conversion (the chip powers down after the current one).</summary>
    /// <exception cref="HardwareIoException">The configuration write failed.</exception>
    public void StopContinuous()
    {
        WriteRegister(Ads1115Register.Config, ConfigWord(false, _continuousInput ?? Ads1115Input.Ain0MinusAin1, Settings.FullScale, Ads1115Mode.SingleShot, Settings.DataRate));
        _continuousInput = null;
    }

    /// <summary>
    /// Reads the latest continuous-mode result in volts, first waiting out the initial conversion after
    /// <see cref="StartContinuous"/> if it has not completed yet.
    /// </summary>
    public bool TryReadLatestVolts(out double volts, out string? failure)
    {
        volts = double.NaN;
        if (_continuousInput is null)
        {
            failure = "ADS1115 is not in continuous mode: call StartContinuous first";
            return false;
        }

        try
        {
            var wait = _continuousReadyAt - _clock.GetUtcNow();
            _clock.Wait(wait);
            volts = ReadConversion().Volts;
            failure = null;
            return true;
        }
        catch (HardwareIoException e)
        {
            failure = $"ADS1115 0x{_device.ConnectionSettings.DeviceAddress:x2}: {e.Message}";
            return false;
        }
    }

    /// <summary>Reads a 16-bit register (pointer write, then two bytes MSB first, in one combined transfer).</summary>
    /// <exception cref="HardwareIoException">The transfer failed.</exception>
    public ushort ReadRegister(Ads1115Register register)
    {
        Span<byte> value = stackalloc byte[2];
        _device.WriteRead([(byte)register], value);
        return BinaryPrimitives.ReadUInt16BigEndian(value);
    }

    /// <summary>Writes a 16-bit register (pointer byte, then MSB, LSB).</summary>
    /// <exception cref="HardwareIoException">The transfer failed.</exception>
    public void WriteRegister(Ads1115Register register, ushort value)
    {
        Span<byte> frame = stackalloc byte[3];
        frame[0] = (byte)register;
        BinaryPrimitives.WriteUInt16BigEndian(frame[1..], value);
        _device.Write(frame);
    }

    private bool WaitForReady(TimeSpan conversion, out string? failure)
    {
        var poll = TimeSpan.FromTicks(Math.Max(conversion.Ticks / 10, TimeSpan.TicksPerMillisecond / 10));
        var deadline = _clock.GetUtcNow() + (conversion * Settings.ReadyTimeoutConversions);
        while ((ReadRegister(Ads1115Register.Config) & OsBit) == 0)
        {
            if (_clock.GetUtcNow() >= deadline)
            {
                failure = $"ADS1115 0x{_device.ConnectionSettings.DeviceAddress:x2}: conversion not ready {Settings.ReadyTimeoutConversions} conversion times after the expected {conversion.TotalMilliseconds:0.###} ms";
                return false;
            }

            _clock.Wait(poll);
        }

        failure = null;
        return true;
    }

    private Ads1115Sample ReadConversion()
    {
        short raw = unchecked((short)ReadRegister(Ads1115Register.Conversion));
        return new Ads1115Sample(raw, CodeToVolts(raw, Settings.FullScale), raw is short.MaxValue or short.MinValue);
    }
}
