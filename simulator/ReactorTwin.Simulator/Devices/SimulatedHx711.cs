using System.Device.Gpio;
using ReactorTwin.Adapters.Devices;

namespace ReactorTwin.Simulator.Devices;

/// <summary>
/// A simulated HX711 24-bit bridge ADC wired to two pins of a <see cref="SimulatedGpioDriver"/>, speaking the chip's
/// serial protocol to Iot.Device.Hx711: DOUT goes low when a conversion is ready (every 1/<see cref="SamplesPerSecond"/>
/// on the clock); each rising edge on PD_SCK shifts the next bit of the 24-bit two's-complement result out on DOUT, MSB
/// first; after the 24th bit DOUT returns high and 1–3 more pulses select the next channel and gain; PD_SCK held high
/// powers the chip down. Each pin access takes <see cref="PinAccessTime"/> on the clock, so the binding's wait for
/// data ready progresses in virtual time. The result is <see cref="ZeroCounts"/> + <see cref="CountsPerGram"/> × the load
/// (g) from a signal of time.
/// </summary>
public sealed class SimulatedHx711
{
    private readonly HardwareClock _clock;
    private readonly Func<DateTimeOffset, double> _grams;
    private readonly object _gate = new();
    private DateTimeOffset _nextReady;
    private int _result;
    private int _pulses;
    private bool _ready;
    private PinValue _dout = PinValue.High;
    private PinValue _sck = PinValue.Low;

    /// <summary>Wires the chip to <paramref name="doutPin"/> (its output) and <paramref name="sckPin"/> (its clock input).</summary>
    /// <param name="gpio">The simulated controller.</param>
    /// <param name="doutPin">DOUT, an input on the controller.</param>
    /// <param name="sckPin">PD_SCK, an output on the controller.</param>
    /// <param name="clock">Time source shared with the simulation.</param>
    /// <param name="grams">The load on the cell over time, g.</param>
    public SimulatedHx711(SimulatedGpioDriver gpio, int doutPin, int sckPin, HardwareClock clock, Func<DateTimeOffset, double> grams)
    {
        ArgumentNullException.ThrowIfNull(gpio);
        ArgumentNullException.ThrowIfNull(clock);
        ArgumentNullException.ThrowIfNull(grams);
        _clock = clock;
        _grams = grams;
        _nextReady = clock.GetUtcNow();
        gpio.DriveInput(doutPin, ReadDout);
        gpio.OnOutput(sckPin, OnClock);
    }

    /// <summary>Conversions per second: 10 with the RATE pin low, 80 with it high (the default here, for fast tests).</summary>
    public int SamplesPerSecond { get; set; } = 80;

    /// <summary>Raw counts per gram of load (the load cell's sensitivity × the gain); default 420.</summary>
    public double CountsPerGram { get; set; } = 420;

    /// <summary>Raw count with nothing on the cell; default 8 400.</summary>
    public double ZeroCounts { get; set; } = 8_400;

    /// <summary>Time of one pin read or write on the clock; default 2 µs (a GPIO access through the character device).</summary>
    public TimeSpan PinAccessTime { get; set; } = TimeSpan.FromMicroseconds(2);

    /// <summary>When false the chip is unpowered: DOUT floats high through the pull-up and never signals ready.</summary>
    public bool Powered { get; set; } = true;

    /// <summary>Conversions read out completely (for tests).</summary>
    public int ConversionsRead { get; private set; }

    private PinValue ReadDout()
    {
        _clock.Elapse(PinAccessTime);
        lock (_gate)
        {
            if (!Powered)
            {
                return PinValue.High;
            }

            if (!_ready && _pulses == 0 && _clock.GetUtcNow() >= _nextReady)
            {
                var now = _clock.GetUtcNow();
                _result = (int)Math.Clamp(Math.Round(ZeroCounts + (CountsPerGram * _grams(now))), -0x800000, 0x7FFFFF);
                _ready = true;
                _dout = PinValue.Low;
            }

            return _dout;
        }
    }

    private void OnClock(PinValue level)
    {
        _clock.Elapse(PinAccessTime);
        lock (_gate)
        {
            bool rising = _sck == PinValue.Low && level == PinValue.High;
            _sck = level;
            if (!rising || !Powered)
            {
                return;
            }

            if (_ready && _pulses < 24)
            {
                _dout = ((_result >> (23 - _pulses)) & 1) == 1 ? PinValue.High : PinValue.Low;
                _pulses++;
                return;
            }

            if (_ready)
            {
                // 25th to 27th pulse: the result has been read; DOUT high until the next conversion.
                _ready = false;
                _pulses = 0;
                _dout = PinValue.High;
                ConversionsRead++;
                _nextReady = _clock.GetUtcNow() + TimeSpan.FromSeconds(1.0 / SamplesPerSecond);
            }
        }
    }
}
