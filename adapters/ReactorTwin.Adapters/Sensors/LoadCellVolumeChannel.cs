using System.Device.Gpio;
using Iot.Device.Hx711;
using ReactorTwin.Adapters.Devices;

namespace ReactorTwin.Adapters.Sensors;

/// <summary>
/// The broth volume of a vessel on a load cell, in mL, through an HX711 24-bit bridge ADC (Iot.Device.Hx711, channel A,
/// gain 128): counts → grams by a calibration through weighed standards, minus the empty vessel (tare), divided by the
/// broth density. For fed-batch: the volume the twin and the feed controller need.
/// </summary>
/// <remarks>
/// The binding is used with a conversion ratio of 1, so that it returns the median/averaged raw count and the
/// calibration stays in the configuration: its own power-up tare would zero a full vessel after a restart. The binding
/// also waits without a limit for the HX711 to signal data ready (DOUT low); an unpowered or unplugged HX711 leaves
/// DOUT high and would hang the sensor loop, so this channel first waits for DOUT low for at most
/// <see cref="ReadyTimeout"/> (the HX711 has a new sample every 100 ms at 10 samples/s) and reports a fault otherwise.
/// </remarks>
public sealed class LoadCellVolumeChannel : SensorChannel
{
    /// <summary>The unit of its readings.</summary>
    public const string Millilitres = "mL";

    private static readonly TimeSpan Poll = TimeSpan.FromMilliseconds(10);
    private readonly Hx711 _scale;
    private readonly GpioController _gpio;
    private readonly int _dataPin;
    private readonly HardwareClock _clock;
    private readonly VoltageCalibration _countsToGrams;
    private readonly double _tareGrams;
    private readonly double _densityGramsPerMillilitre;
    private readonly int _samples;

    /// <summary>Creates the channel.</summary>
    /// <param name="name">Channel name.</param>
    /// <param name="scale">The HX711 (its conversion ratio is set to 1 here).</param>
    /// <param name="gpio">The controller the HX711's pins are open on.</param>
    /// <param name="dataPin">The DOUT pin (logical numbering).</param>
    /// <param name="clock">Waits for data ready.</param>
    /// <param name="countsToGrams">Raw count → grams on the load cell (through at least two weighed standards).</param>
    /// <param name="tareGrams">Weight of the empty vessel with its fittings, g.</param>
    /// <param name="densityGramsPerMillilitre">Broth density, g/mL (&gt; 0; ≈ 1.0 to 1.05 for culture media).</param>
    /// <param name="samples">Raw reads per reading (median of up to 4, trimmed mean of 5 or more); ≥ 1.</param>
    /// <param name="plausibleMinimumMillilitres">Smaller volumes are suspect.</param>
    /// <param name="plausibleMaximumMillilitres">Larger volumes are suspect.</param>
    public LoadCellVolumeChannel(string name, Hx711 scale, GpioController gpio, int dataPin, HardwareClock clock, VoltageCalibration countsToGrams,
        double tareGrams, double densityGramsPerMillilitre = 1.0, int samples = 3, double plausibleMinimumMillilitres = double.NegativeInfinity, double plausibleMaximumMillilitres = double.PositiveInfinity)
        : base(name, Millilitres, plausibleMinimumMillilitres, plausibleMaximumMillilitres)
    {
        ArgumentNullException.ThrowIfNull(scale);
        ArgumentNullException.ThrowIfNull(gpio);
        ArgumentNullException.ThrowIfNull(clock);
        ArgumentNullException.ThrowIfNull(countsToGrams);
        if (!(densityGramsPerMillilitre > 0) || !double.IsFinite(densityGramsPerMillilitre))
        {
            throw new ArgumentOutOfRangeException(nameof(densityGramsPerMillilitre), densityGramsPerMillilitre, "the density must be finite and > 0 g/mL");
        }

        ArgumentOutOfRangeException.ThrowIfLessThan(samples, 1);
        _scale = scale;
        _gpio = gpio;
        _dataPin = dataPin;
        _clock = clock;
        _countsToGrams = countsToGrams;
        _tareGrams = tareGrams;
        _densityGramsPerMillilitre = densityGramsPerMillilitre;
        _samples = samples;
        _scale.SetConversionRatio(1);
    }

    /// <summary>Longest wait for the HX711 to have a sample. Default 500 ms (five sample periods at 10 samples/s).</summary>
    public TimeSpan ReadyTimeout { get; init; } = TimeSpan.FromMilliseconds(500);

    /// <inheritdoc/>
    protected override ChannelSample Sample()
    {
        var waited = TimeSpan.Zero;
        while (_gpio.Read(_dataPin) == PinValue.High)
        {
            if (waited >= ReadyTimeout)
            {
                return ChannelSample.Fault($"{Name}: HX711 not ready (DOUT high for {ReadyTimeout.TotalMilliseconds:0} ms): unpowered, unplugged or miswired");
            }

            _clock.Wait(Poll);
            waited += Poll;
        }

        double counts = _scale.GetWeight(_samples).Grams;
        double grams = _countsToGrams.ToUnits(counts);
        double millilitres = (grams - _tareGrams) / _densityGramsPerMillilitre;
        return _countsToGrams.IsExtrapolated(counts)
            ? ChannelSample.Suspect(millilitres, $"{Name}: {grams:0.#} g is outside the weighed standards")
            : ChannelSample.Good(millilitres);
    }
}
