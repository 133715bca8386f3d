using System.Collections.Concurrent;
using System.Device.Spi;
using System.Reactive.Concurrency;
using System.Reactive.Linq;
using Iot.Device.Ads1115;
using Iot.Device.Hx711;
using Iot.Device.Max31865;
using Iot.Device.Scd4x;
using ReactorTwin.Adapters.Devices.AtlasEzo;
using ReactorTwin.Adapters.Sensors;
using ReactorTwin.Core.Models;
using UnitsNet;

namespace ReactorTwin.Host.Runtime;

/// <summary>A configured sensor could not be opened: names the sensor, its driver and the device's own error (e.g. the
/// missing <c>/dev/i2c-N</c>).</summary>
public sealed class SensorOpenException : IOException
{
    /// <summary>Creates the exception.</summary>
    public SensorOpenException() { }

    /// <summary>Creates the exception.</summary>
    /// <param name="message">Which sensor and why.</param>
    public SensorOpenException(string message) : base(message) { }

    /// <summary>Creates the exception.</summary>
    /// <param name="message">Which sensor and why.</param>
    /// <param name="innerException">The device's error.</param>
    public SensorOpenException(string message, Exception innerException) : base(message, innerException) { }
}

/// <summary>Builds sensor sources from configuration and checks that configuration.</summary>
public static class SensorSetup
{
    private static readonly string[] Drivers = ["ds18b20", "ads1115", "ezo-ph", "ezo-do", "ezo-orp", "max31865", "hx711", "scd4x"];
    private static readonly string[] Thermometers = ["ds18b20", "max31865"];

    /// <summary>
    /// Checks a reactor's sensors and appends every problem with its configuration path (<paramref name="path"/> is the
    /// reactor's, e.g. <c>ReactorTwin:Reactors:0</c>).
    /// </summary>
    public static void Validate(IReadOnlyList<SensorConfig> sensors, ReactionNetwork? model, string path, List<string> errors)
    {
        ArgumentNullException.ThrowIfNull(sensors);
        ArgumentNullException.ThrowIfNull(errors);
        var names = new HashSet<string>(StringComparer.Ordinal);
        for (int i = 0; i < sensors.Count; i++)
        {
            var s = sensors[i];
            string p = $"{path}:Sensors:{i}";
            if (string.IsNullOrEmpty(s.Name) || !s.Name.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_'))
            {
                errors.Add($"{p}:Name: '{s.Name}' must be non-empty letters, digits, '-' or '_'");
            }
            else if (!names.Add(s.Name))
            {
                errors.Add($"{p}:Name: '{s.Name}' is used twice");
            }

            if (!Drivers.Contains(s.Driver))
            {
                errors.Add($"{p}:Driver: '{s.Driver}' is not one of {string.Join(", ", Drivers)}");
                continue;
            }

            if (!(s.IntervalSeconds >= 1) || !double.IsFinite(s.IntervalSeconds))
            {
                errors.Add($"{p}:IntervalSeconds: {s.IntervalSeconds} must be ≥ 1");
            }

            switch (s.Driver)
            {
                case "ds18b20":
                    if (s.DeviceId is null || !s.DeviceId.StartsWith("28-", StringComparison.Ordinal) || s.DeviceId.Length != 15)
                    {
                        errors.Add($"{p}:DeviceId: '{s.DeviceId}' is not a DS18B20 id (28-xxxxxxxxxxxx)");
                    }

                    if (string.IsNullOrWhiteSpace(s.OneWireBus) || s.OneWireBus.Contains('/', StringComparison.Ordinal))
                    {
                        errors.Add($"{p}:OneWireBus: '{s.OneWireBus}' is not a bus master name (w1_bus_masterN)");
                    }

                    break;
                case "max31865":
                    ValidateRtd(s, p, errors);
                    break;
                case "hx711":
                    ValidateLoadCell(s, p, errors);
                    break;
                default:
                    ValidateI2c(s, p, errors);
                    break;
            }

            if (s.Driver == "ads1115")
            {
                ValidateAdc(s, p, errors);
            }

            if (s.TemperatureSensor is { } t)
            {
                if (s.Driver is not ("ezo-ph" or "ezo-do"))
                {
                    errors.Add($"{p}:TemperatureSensor: only EZO pH and DO readings are temperature-compensated");
                }
                else if (!sensors.Any(o => o.Name == t && Thermometers.Contains(o.Driver)))
                {
                    errors.Add($"{p}:TemperatureSensor: '{t}' is not a ds18b20 or max31865 sensor of this reactor");
                }
            }

            if (s.Component is { } component && model is not null)
            {
                if (model.UnitOf(component) is not { } expected)
                {
                    errors.Add($"{p}:Component: '{component}' is not a state component, observable or input of model '{model.Name}'");
                }
                else
                {
                    string unit = UnitOf(s);
                    if (unit != expected)
                    {
                        errors.Add($"{p}:Component: '{component}' is in {expected} but this sensor reads {unit}");
                    }
                }
            }
        }
    }

    /// <summary>
    /// Opens the configured sensors and returns their merged, polled readings. EZO pH/DO sensors with a
    /// <see cref="SensorConfig.TemperatureSensor"/> use that sensor's latest good reading.
    /// </summary>
    /// <param name="sensors">Validated configuration (<see cref="Validate"/>).</param>
    /// <param name="scheduler">Polls the channels (reads block: give a dedicated event loop).</param>
    /// <param name="hardware">How the buses are reached; default <see cref="SensorHardware.Linux"/>.</param>
    /// <exception cref="SensorOpenException">A bus or device cannot be opened (names the sensor and the device's error,
    /// e.g. the missing <c>/dev/i2c-N</c>); what was opened before is closed again.</exception>
    public static SensorSet Open(IReadOnlyList<SensorConfig> sensors, IScheduler scheduler, SensorHardware? hardware = null)
    {
        ArgumentNullException.ThrowIfNull(sensors);
        hardware ??= SensorHardware.Linux;
        var source = new SensorSource(scheduler);
        var latest = new ConcurrentDictionary<string, double>(StringComparer.Ordinal);
        var opened = new OpenedDevices(hardware);
        var map = new Dictionary<string, string>(StringComparer.Ordinal);
        var channels = new List<SensorChannel>();
        try
        {
            foreach (var s in sensors)
            {
                SensorChannel channel;
                try
                {
                    channel = Build(s, opened, latest);
                }
                catch (Exception e) when (e is IOException or InvalidOperationException or PlatformNotSupportedException or UnauthorizedAccessException or ArgumentException)
                {
                    throw new SensorOpenException($"sensor '{s.Name}' ({s.Driver}): {e.Message}", e);
                }

                source.Add(channel, TimeSpan.FromSeconds(s.IntervalSeconds));
                channels.Add(channel);
                if (s.Component is { } c)
                {
                    map[s.Name] = c;
                }
            }
        }
        catch
        {
            opened.Dispose();
            throw;
        }

        var readings = source.All.Do(r =>
        {
            if (r.Quality == ReadingQuality.Good)
            {
                latest[r.Channel] = r.Value;
            }
        }).Publish().RefCount();
        return new SensorSet(readings, map, opened.All) { Channels = channels };
    }

    private static SensorChannel Build(SensorConfig s, OpenedDevices opened, ConcurrentDictionary<string, double> latest)
    {
        Func<double?>? temperature = s.TemperatureSensor is { } t ? () => latest.TryGetValue(t, out var v) ? v : null : null;
        var clock = opened.Hardware.Clock;
        return s.Driver switch
        {
            "ds18b20" => new Ds18b20TemperatureChannel(s.Name, opened.Hardware.OpenOneWireThermometer(s.OneWireBus, s.DeviceId!), Finite(s.PlausibleMin, 0), Finite(s.PlausibleMax, 60)),
            "ads1115" => new Ads1115CalibratedChannel(
                s.Name,
                opened.Add(new Ads1115(opened.I2c(s, 0x48), Ads1115Names.Input(s.Input)!.Value, Ads1115Names.Range(s.FullScale)!.Value, Ads1115Names.Rate(s.DataRate)!.Value, DeviceMode.PowerDown)),
                Ads1115Names.Input(s.Input)!.Value,
                Ads1115Names.Range(s.FullScale)!.Value,
                Ads1115Names.Rate(s.DataRate)!.Value,
                VoltageCalibration.PiecewiseLinearThrough([.. s.Calibration.Select(pt => (pt[0], pt[1]))]),
                s.Unit,
                s.PlausibleMin,
                s.PlausibleMax),
            "ezo-ph" => new AtlasEzoChannel(s.Name, new AtlasEzoPh(opened.I2c(s, AtlasEzoSettings.DefaultAddress(AtlasEzoCircuit.Ph)), clock), temperature, s.PlausibleMin, s.PlausibleMax),
            "ezo-do" => new AtlasEzoChannel(s.Name, new AtlasEzoDissolvedOxygen(opened.I2c(s, AtlasEzoSettings.DefaultAddress(AtlasEzoCircuit.DissolvedOxygen)), clock), temperature, s.PlausibleMin, s.PlausibleMax),
            "ezo-orp" => new AtlasEzoChannel(s.Name, new AtlasEzoOrp(opened.I2c(s, AtlasEzoSettings.DefaultAddress(AtlasEzoCircuit.Orp)), clock), null, s.PlausibleMin, s.PlausibleMax),
            "max31865" => new RtdTemperatureChannel(s.Name, opened.Add(OpenRtd(s, opened)), Finite(s.PlausibleMin, -50), Finite(s.PlausibleMax, 150)),
            "hx711" => new LoadCellVolumeChannel(
                s.Name,
                opened.Add(new Hx711(s.DataPin, s.ClockPin, new Hx711Options(Hx711Mode.ChannelAGain128, useByteLittleEndian: false), opened.Gpio(), shouldDispose: false)),
                opened.Gpio(),
                s.DataPin,
                clock,
                VoltageCalibration.PiecewiseLinearThrough([.. s.Calibration.Select(pt => (pt[0], pt[1]))]),
                s.TareGrams,
                s.DensityGramsPerMillilitre,
                s.Samples,
                s.PlausibleMin,
                s.PlausibleMax),
            "scd4x" => new Co2Channel(s.Name, opened.Add(new Scd4x(opened.I2c(s, Scd4x.DefaultI2cAddress))), Finite(s.PlausibleMin, 0), Finite(s.PlausibleMax, 40_000)),
            _ => throw new ArgumentException($"sensor '{s.Name}': unknown driver '{s.Driver}'", nameof(s)),
        };
    }

    private static Max31865 OpenRtd(SensorConfig s, OpenedDevices opened)
    {
        bool pt1000 = s.RtdType.Equals("pt1000", StringComparison.OrdinalIgnoreCase);
        double reference = s.ReferenceOhms > 0 ? s.ReferenceOhms : pt1000 ? 4300 : 430;
        var spi = opened.Add(opened.Hardware.OpenSpi(new SpiConnectionSettings(s.SpiBus, s.ChipSelect)
        {
            ClockFrequency = Max31865.SpiClockFrequency,
            Mode = Max31865.SpiMode1,
            DataFlow = Max31865.SpiDataFlow,
        }));
        return new Max31865(
            spi,
            pt1000 ? PlatinumResistanceThermometerType.Pt1000 : PlatinumResistanceThermometerType.Pt100,
            (ResistanceTemperatureDetectorWires)s.Wires,
            ElectricResistance.FromOhms(reference),
            s.MainsHertz == 60 ? ConversionFilterMode.Filter60Hz : ConversionFilterMode.Filter50Hz,
            shouldDispose: false);
    }

    private static void ValidateI2c(SensorConfig s, string p, List<string> errors)
    {
        if (s.Bus < 0)
        {
            errors.Add($"{p}:Bus: {s.Bus} must be ≥ 0");
        }

        if (s.Address != 0 && s.Address is < 0x08 or > 0x77)
        {
            errors.Add($"{p}:Address: {s.Address} is outside the 7-bit range 0x08–0x77");
        }
    }

    private static void ValidateAdc(SensorConfig s, string p, List<string> errors)
    {
        if (Ads1115Names.Input(s.Input) is null)
        {
            errors.Add($"{p}:Input: '{s.Input}' is not one of {string.Join(", ", Enum.GetNames<InputMultiplexer>())}");
        }

        if (Ads1115Names.Range(s.FullScale) is null)
        {
            errors.Add($"{p}:FullScale: '{s.FullScale}' is not one of {string.Join(", ", Enum.GetNames<MeasuringRange>())}");
        }

        if (Ads1115Names.Rate(s.DataRate) is null)
        {
            errors.Add($"{p}:DataRate: '{s.DataRate}' is not one of {string.Join(", ", Enum.GetNames<DataRate>())}");
        }

        ValidateCalibration(s, p, "[volts, value]", errors);
        if (string.IsNullOrWhiteSpace(s.Unit))
        {
            errors.Add($"{p}:Unit: must be set");
        }
    }

    private static void ValidateRtd(SensorConfig s, string p, List<string> errors)
    {
        if (s.SpiBus < 0 || s.ChipSelect < 0)
        {
            errors.Add($"{p}:SpiBus/ChipSelect: {s.SpiBus}.{s.ChipSelect} must both be ≥ 0 (/dev/spidevN.C)");
        }

        if (!(s.RtdType.Equals("pt100", StringComparison.OrdinalIgnoreCase) || s.RtdType.Equals("pt1000", StringComparison.OrdinalIgnoreCase)))
        {
            errors.Add($"{p}:RtdType: '{s.RtdType}' is not pt100 or pt1000");
        }

        if (s.Wires is not (2 or 3 or 4))
        {
            errors.Add($"{p}:Wires: {s.Wires} must be 2, 3 or 4");
        }

        if (s.ReferenceOhms < 0 || !double.IsFinite(s.ReferenceOhms))
        {
            errors.Add($"{p}:ReferenceOhms: {s.ReferenceOhms} must be > 0 Ω (or 0 for the board default)");
        }

        if (s.MainsHertz is not (50 or 60))
        {
            errors.Add($"{p}:MainsHertz: {s.MainsHertz} must be 50 or 60");
        }
    }

    private static void ValidateLoadCell(SensorConfig s, string p, List<string> errors)
    {
        if (s.DataPin is < 0 or > 53 || s.ClockPin is < 0 or > 53 || s.DataPin == s.ClockPin)
        {
            errors.Add($"{p}:DataPin/ClockPin: {s.DataPin}/{s.ClockPin} must be two different BCM GPIO numbers 0–53");
        }

        ValidateCalibration(s, p, "[raw count, grams]", errors);
        if (!double.IsFinite(s.TareGrams) || s.TareGrams < 0)
        {
            errors.Add($"{p}:TareGrams: {s.TareGrams} must be ≥ 0 g");
        }

        if (!(s.DensityGramsPerMillilitre > 0) || !double.IsFinite(s.DensityGramsPerMillilitre))
        {
            errors.Add($"{p}:DensityGramsPerMillilitre: {s.DensityGramsPerMillilitre} must be > 0 g/mL");
        }

        if (s.Samples is < 1 or > 50)
        {
            errors.Add($"{p}:Samples: {s.Samples} must be in 1–50");
        }
    }

    private static void ValidateCalibration(SensorConfig s, string p, string pair, List<string> errors)
    {
        if (s.Calibration.Count < 2 || s.Calibration.Any(pt => pt is null || pt.Length != 2 || !pt.All(double.IsFinite))
            || s.Calibration.Select(pt => pt?.Length > 0 ? pt[0] : double.NaN).Distinct().Count() != s.Calibration.Count)
        {
            errors.Add($"{p}:Calibration: give at least two {pair} standards with distinct {pair[1..pair.IndexOf(',', StringComparison.Ordinal)]}");
        }
    }

    private static double Finite(double value, double fallback) => double.IsFinite(value) ? value : fallback;

    private static string UnitOf(SensorConfig s) => s.Driver switch
    {
        "ds18b20" or "max31865" => Ds18b20TemperatureChannel.Celsius,
        "ads1115" => s.Unit,
        "hx711" => LoadCellVolumeChannel.Millilitres,
        "scd4x" => Co2Channel.PartsPerMillion,
        "ezo-ph" => AtlasEzoChannel.UnitOf(AtlasEzoCircuit.Ph),
        "ezo-do" => AtlasEzoChannel.UnitOf(AtlasEzoCircuit.DissolvedOxygen),
        _ => AtlasEzoChannel.UnitOf(AtlasEzoCircuit.Orp),
    };

    /// <summary>What one <see cref="Open"/> opened, in order, so a failure closes it all again.</summary>
    private sealed class OpenedDevices(SensorHardware hardware) : IDisposable
    {
        private readonly List<IDisposable> _all = [];
        private System.Device.Gpio.GpioController? _gpio;

        public SensorHardware Hardware { get; } = hardware;

        public IReadOnlyList<IDisposable> All => _all;

        public T Add<T>(T device)
            where T : IDisposable
        {
            _all.Add(device);
            return device;
        }

        public System.Device.I2c.I2cDevice I2c(SensorConfig s, int defaultAddress) =>
            Add(Hardware.OpenI2c(new System.Device.I2c.I2cConnectionSettings(s.Bus, s.Address == 0 ? defaultAddress : s.Address)));

        public System.Device.Gpio.GpioController Gpio() => _gpio ??= Add(Hardware.OpenGpio());

        public void Dispose()
        {
            for (int i = _all.Count - 1; i >= 0; i--)
            {
                _all[i].Dispose();
            }
        }
    }
}

/// <summary>ADS1115 setting names of the configuration: the binding's enum names, and the names used before.</summary>
internal static class Ads1115Names
{
    public static InputMultiplexer? Input(string name) => Parse<InputMultiplexer>(name, new(StringComparer.OrdinalIgnoreCase)
    {
        ["Ain0MinusAin1"] = InputMultiplexer.AIN0_AIN1, ["Ain0MinusAin3"] = InputMultiplexer.AIN0_AIN3,
        ["Ain1MinusAin3"] = InputMultiplexer.AIN1_AIN3, ["Ain2MinusAin3"] = InputMultiplexer.AIN2_AIN3,
    });

    public static MeasuringRange? Range(string name) => Parse<MeasuringRange>(name, new(StringComparer.OrdinalIgnoreCase)
    {
        ["PlusMinus6144Millivolts"] = MeasuringRange.FS6144, ["PlusMinus4096Millivolts"] = MeasuringRange.FS4096,
        ["PlusMinus2048Millivolts"] = MeasuringRange.FS2048, ["PlusMinus1024Millivolts"] = MeasuringRange.FS1024,
        ["PlusMinus512Millivolts"] = MeasuringRange.FS0512, ["PlusMinus256Millivolts"] = MeasuringRange.FS0256,
    });

    public static DataRate? Rate(string name) => Parse<DataRate>(name, new(StringComparer.OrdinalIgnoreCase));

    private static T? Parse<T>(string name, Dictionary<string, T> earlier)
        where T : struct, Enum =>
        name is null ? null
        : earlier.TryGetValue(name, out var old) ? old
        : Enum.TryParse<T>(name, ignoreCase: true, out var value) && Enum.IsDefined(value) && !int.TryParse(name, out _) ? value
        : null;
}
