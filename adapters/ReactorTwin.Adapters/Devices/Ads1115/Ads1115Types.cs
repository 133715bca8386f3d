namespace ReactorTwin.Adapters.Devices.Ads1115;

/// <summary>ADS1115 registers, selected by the address-pointer byte (datasheet 8.6).</summary>
public enum Ads1115Register : byte
{
    /// <summary>Last conversion result, 16-bit two's complement, big-endian.</summary>
    Conversion = 0x00,

    /// <summary>Configuration: OS, MUX, PGA, MODE, DR, comparator fields.</summary>
    Config = 0x01,

    /// <summary>Comparator low threshold.</summary>
    LowThreshold = 0x02,

    /// <summary>Comparator high threshold.</summary>
    HighThreshold = 0x03,
}

/// <summary>Input multiplexer (config bits 14:12): differential pairs or single-ended against GND.</summary>
public enum Ads1115Input
{
    /// <summary>AIN0 − AIN1 (power-on default).</summary>
    Ain0MinusAin1 = 0,

    /// <summary>AIN0 − AIN3.</summary>
    Ain0MinusAin3 = 1,

    /// <summary>AIN1 − AIN3.</summary>
    Ain1MinusAin3 = 2,

    /// <summary>AIN2 − AIN3.</summary>
    Ain2MinusAin3 = 3,

    /// <summary>AIN0 against GND.</summary>
    Ain0 = 4,

    /// <summary>AIN1 against GND.</summary>
    Ain1 = 5,

    /// <summary>AIN2 against GND.</summary>
    Ain2 = 6,

    /// <summary>AIN3 against GND.</summary>
    Ain3 = 7,
}

/// <summary>Programmable-gain amplifier (config bits 11:9), named by its full-scale range.</summary>
public enum Ads1115FullScale
{
    /// <summary>±6.144 V (inputs must still stay within VDD + 0.3 V).</summary>
    PlusMinus6144Millivolts = 0,

    /// <summary>±4.096 V.</summary>
    PlusMinus4096Millivolts = 1,

    /// <summary>±2.048 V (power-on default).</summary>
    PlusMinus2048Millivolts = 2,

    /// <summary>±1.024 V.</summary>
    PlusMinus1024Millivolts = 3,

    /// <summary>±0.512 V.</summary>
    PlusMinus512Millivolts = 4,

    /// <summary>±0.256 V.</summary>
    PlusMinus256Millivolts = 5,
}

/// <summary>Data rate (config bits 7:5) in samples per second.</summary>
public enum Ads1115DataRate
{
    /// <summary>8 SPS (125 ms per conversion).</summary>
    Sps8 = 0,

    /// <summary>16 SPS.</summary>
    Sps16 = 1,

    /// <summary>32 SPS.</summary>
    Sps32 = 2,

    /// <summary>64 SPS.</summary>
    Sps64 = 3,

    /// <summary>128 SPS (power-on default, 7.8 ms).</summary>
    Sps128 = 4,

    /// <summary>250 SPS.</summary>
    Sps250 = 5,

    /// <summary>475 SPS.</summary>
    Sps475 = 6,

    /// <summary>860 SPS (1.16 ms).</summary>
    Sps860 = 7,
}

/// <summary>Conversion mode (config bit 8).</summary>
public enum Ads1115Mode
{
    /// <summary>Converts continuously; the conversion register always holds the latest result.</summary>
    Continuous = 0,

    /// <summary>Converts once when OS is written 1, then powers down (power-on default).</summary>
    SingleShot = 1,
}

/// <summary>One conversion result.</summary>
/// <param name="Raw">The 16-bit two's-complement code.</param>
/// <param name="Volts">The input voltage, <c>Raw × FS / 32768</c>.</param>
/// <param name="Saturated">True at either end of the code range: the input exceeded the full-scale range.</param>
public readonly record struct Ads1115Sample(short Raw, double Volts, bool Saturated);

/// <summary>Settings of an <see cref="Ads1115"/>. Defaults: ±4.096 V, 128 SPS, single-shot.</summary>
public sealed class Ads1115Settings
{
    /// <summary>Full-scale range; default ±4.096 V (suits 0–3.3 V probes).</summary>
    public Ads1115FullScale FullScale { get; init; } = Ads1115FullScale.PlusMinus4096Millivolts;

    /// <summary>Data rate; default 128 SPS.</summary>
    public Ads1115DataRate DataRate { get; init; } = Ads1115DataRate.Sps128;

    /// <summary>
    /// Tolerance on the nominal conversion time 1/DR: the internal oscillator varies by up to ±10 % (datasheet), so
    /// the driver first waits 1/DR × (1 + tolerance) before it polls the OS bit; default 0.1.
    /// </summary>
    public double OscillatorTolerance { get; init; } = 0.1;

    /// <summary>How long to keep polling for conversion-ready after the first wait; default 3 conversion times.</summary>
    public double ReadyTimeoutConversions { get; init; } = 3.0;
}
