using System.Reactive.Concurrency;
using System.Reactive.Linq;
using ReactorTwin.Adapters.Devices.Ads1115;
using ReactorTwin.Adapters.Devices.AtlasEzo;
using ReactorTwin.Adapters.Devices.Ds18b20;
using ReactorTwin.Adapters.Hardware;
using ReactorTwin.Adapters.Hardware.I2c;
using ReactorTwin.Adapters.Hardware.OneWire;
using ReactorTwin.Adapters.Sensors;
using ReactorTwin.Core.Models;

namespace ReactorTwin.Host.Runtime;

/// <summary>
/// One directly attached sensor of a reactor (<c>ReactorTwin:Reactors:N:Sensors:M</c>): a DS18B20 on 1-Wire, an ADS1115
/// input with a volts → units calibration, or an Atlas Scientific EZO pH / DO / ORP circuit on I2C (issue 7 drivers).
/// Readings of a sensor with a <see cref="Component"/> reach the twin as measurements of that state component; the
/// others (e.g. broth temperature) are published for dashboards and can compensate EZO readings.
/// </summary>
public sealed class SensorConfig
{
    /// <summary>Channel name, unique within the reactor (letters, digits, '-', '_').</summary>
    public string Name { get; set; } = "";

    /// <summary>Driver: <c>ds18b20</c>, <c>ads1115</c>, <c>ezo-ph</c>, <c>ezo-do</c> or <c>ezo-orp</c>.</summary>
    public string Driver { get; set; } = "";

    /// <summary>The model state component the sensor measures (its unit must be the model's), or null for an
    /// auxiliary instrument.</summary>
    public string? Component { get; set; }

    /// <summary>Polling interval in seconds, ≥ 1 (EZO reads take about 1 s).</summary>
    public double IntervalSeconds { get; set; } = 60;

    /// <summary>DS18B20: 1-Wire device id (<c>28-…</c>).</summary>
    public string? DeviceId { get; set; }

    /// <summary>DS18B20: the w1 sysfs devices directory.</summary>
    public string OneWireDirectory { get; set; } = OneWireBus.DefaultDevicesDirectory;

    /// <summary>I2C bus number N of /dev/i2c-N (1 on a Raspberry Pi).</summary>
    public int Bus { get; set; } = 1;

    /// <summary>I2C 7-bit address (0x08–0x77); 0 selects the driver's default (ADS1115 0x48, EZO pH 0x63, DO 0x61,
    /// ORP 0x62).</summary>
    public int Address { get; set; }

    /// <summary>ADS1115: input multiplexer setting (<see cref="Ads1115Input"/> name, e.g. <c>Ain0</c>).</summary>
    public string Input { get; set; } = nameof(Ads1115Input.Ain0);

    /// <summary>ADS1115: full-scale range (<see cref="Ads1115FullScale"/> name).</summary>
    public string FullScale { get; set; } = nameof(Ads1115FullScale.PlusMinus4096Millivolts);

    /// <summary>ADS1115: calibration standards as [volts, value] pairs (≥ 2, distinct volts); piecewise linear between
    /// them, readings beyond the ends flagged suspect.</summary>
    public List<double[]> Calibration { get; set; } = [];

    /// <summary>ADS1115: unit of the calibrated value (for a twin input: the model's unit of <see cref="Component"/>).</summary>
    public string Unit { get; set; } = "";

    /// <summary>Smallest plausible value (sensor units); below it a reading is flagged suspect.</summary>
    public double PlausibleMin { get; set; } = double.NegativeInfinity;

    /// <summary>Largest plausible value (sensor units); above it a reading is flagged suspect.</summary>
    public double PlausibleMax { get; set; } = double.PositiveInfinity;

    /// <summary>EZO pH / DO: the name of a DS18B20 sensor of the same reactor whose latest good reading compensates
    /// the measurement (<c>RT,t</c>); null reads with the circuit's stored temperature.</summary>
    public string? TemperatureSensor { get; set; }
}

/// <summary>The directly attached sensors of one reactor, opened and polling (see <see cref="SensorSetup.Open"/>).</summary>
/// <param name="Readings">Every channel's readings, merged (hot: polling runs while subscribed).</param>
/// <param name="ComponentByChannel">Channel → state component, for the channels that feed the twin.</param>
/// <param name="Devices">Opened I2C devices, disposed with the set.</param>
public sealed record SensorSet(IObservable<SensorReading> Readings, IReadOnlyDictionary<string, string> ComponentByChannel, IReadOnlyList<IDisposable> Devices) : IDisposable
{
    /// <inheritdoc/>
    public void Dispose()
    {
        foreach (var d in Devices)
        {
            d.Dispose();
        }
    }
}

/// <summary>Builds sensor sources from configuration and checks that configuration.</summary>
public static class SensorSetup
{
    private static readonly string[] Drivers = ["ds18b20", "ads1115", "ezo-ph", "ezo-do", "ezo-orp"];

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

            if (s.Driver == "ds18b20")
            {
                if (s.DeviceId is null || !s.DeviceId.StartsWith(Ds18b20.FamilyCode + "-", StringComparison.Ordinal))
                {
                    errors.Add($"{p}:DeviceId: '{s.DeviceId}' is not a DS18B20 id (28-xxxxxxxxxxxx)");
                }
            }
            else
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

            if (s.Driver == "ads1115")
            {
                if (!Enum.TryParse<Ads1115Input>(s.Input, ignoreCase: true, out _))
                {
                    errors.Add($"{p}:Input: '{s.Input}' is not one of {string.Join(", ", Enum.GetNames<Ads1115Input>())}");
                }

                if (!Enum.TryParse<Ads1115FullScale>(s.FullScale, ignoreCase: true, out _))
                {
                    errors.Add($"{p}:FullScale: '{s.FullScale}' is not one of {string.Join(", ", Enum.GetNames<Ads1115FullScale>())}");
                }

                if (s.Calibration.Count < 2 || s.Calibration.Any(pt => pt is null || pt.Length != 2 || !pt.All(double.IsFinite))
                    || s.Calibration.Select(pt => pt?.Length > 0 ? pt[0] : double.NaN).Distinct().Count() != s.Calibration.Count)
                {
                    errors.Add($"{p}:Calibration: give at least two [volts, value] standards with distinct volts");
                }

                if (string.IsNullOrWhiteSpace(s.Unit))
                {
                    errors.Add($"{p}:Unit: must be set");
                }
            }

            if (s.TemperatureSensor is { } t)
            {
                if (s.Driver is not ("ezo-ph" or "ezo-do"))
                {
                    errors.Add($"{p}:TemperatureSensor: only EZO pH and DO readings are temperature-compensated");
                }
                else if (!sensors.Any(o => o.Name == t && o.Driver == "ds18b20"))
                {
                    errors.Add($"{p}:TemperatureSensor: '{t}' is not a ds18b20 sensor of this reactor");
                }
            }

            if (s.Component is { } component && model is not null)
            {
                int index = model.IndexOfState(component);
                if (index < 0)
                {
                    errors.Add($"{p}:Component: '{component}' is not a state component of model '{model.Name}'");
                }
                else
                {
                    string expected = index < model.SpeciesCount ? model.Species[index].Unit : model.CellPhases[index - model.SpeciesCount].Unit;
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
    /// <param name="clock">Waits of the drivers (conversion and EZO processing times).</param>
    /// <param name="openI2c">Opens an I2C device; default <see cref="I2cDevice.CreateLinux"/> on /dev.</param>
    /// <exception cref="HardwareIoException">A bus or device cannot be opened (names the path and the operation).</exception>
    public static SensorSet Open(IReadOnlyList<SensorConfig> sensors, IScheduler scheduler, HardwareClock clock, Func<I2cConnectionSettings, I2cDevice>? openI2c = null)
    {
        ArgumentNullException.ThrowIfNull(sensors);
        openI2c ??= s => I2cDevice.CreateLinux(s);
        var source = new SensorSource(scheduler);
        var latest = new System.Collections.Concurrent.ConcurrentDictionary<string, double>(StringComparer.Ordinal);
        var devices = new List<IDisposable>();
        var map = new Dictionary<string, string>(StringComparer.Ordinal);
        try
        {
            foreach (var s in sensors)
            {
                var channel = Build(s, clock, openI2c, devices, latest);
                source.Add(channel, TimeSpan.FromSeconds(s.IntervalSeconds));
                if (s.Component is { } c)
                {
                    map[s.Name] = c;
                }
            }
        }
        catch
        {
            foreach (var d in devices)
            {
                d.Dispose();
            }

            throw;
        }

        var readings = source.All.Do(r =>
        {
            if (r.Quality == ReadingQuality.Good)
            {
                latest[r.Channel] = r.Value;
            }
        }).Publish().RefCount();
        return new SensorSet(readings, map, devices);
    }

    private static SensorChannel Build(SensorConfig s, HardwareClock clock, Func<I2cConnectionSettings, I2cDevice> openI2c, List<IDisposable> devices, System.Collections.Concurrent.ConcurrentDictionary<string, double> latest)
    {
        I2cDevice Open(int defaultAddress)
        {
            var device = openI2c(new I2cConnectionSettings(s.Bus, s.Address == 0 ? defaultAddress : s.Address));
            devices.Add(device);
            return device;
        }

        Func<double?>? temperature = s.TemperatureSensor is { } t ? () => latest.TryGetValue(t, out var v) ? v : null : null;
        return s.Driver switch
        {
            "ds18b20" => new Ds18b20TemperatureChannel(s.Name, new Ds18b20(new OneWireBus(s.OneWireDirectory), s.DeviceId!), Finite(s.PlausibleMin, 0), Finite(s.PlausibleMax, 60)),
            "ads1115" => new Ads1115CalibratedChannel(
                s.Name,
                new Ads1115(Open(Ads1115.DefaultAddress), clock, new Ads1115Settings { FullScale = Enum.Parse<Ads1115FullScale>(s.FullScale, ignoreCase: true) }),
                Enum.Parse<Ads1115Input>(s.Input, ignoreCase: true),
                VoltageCalibration.PiecewiseLinearThrough([.. s.Calibration.Select(pt => (pt[0], pt[1]))]),
                s.Unit,
                s.PlausibleMin,
                s.PlausibleMax),
            "ezo-ph" => new AtlasEzoChannel(s.Name, new AtlasEzoPh(Open(AtlasEzoSettings.DefaultAddress(AtlasEzoCircuit.Ph)), clock), temperature, s.PlausibleMin, s.PlausibleMax),
            "ezo-do" => new AtlasEzoChannel(s.Name, new AtlasEzoDissolvedOxygen(Open(AtlasEzoSettings.DefaultAddress(AtlasEzoCircuit.DissolvedOxygen)), clock), temperature, s.PlausibleMin, s.PlausibleMax),
            "ezo-orp" => new AtlasEzoChannel(s.Name, new AtlasEzoOrp(Open(AtlasEzoSettings.DefaultAddress(AtlasEzoCircuit.Orp)), clock), null, s.PlausibleMin, s.PlausibleMax),
            _ => throw new ArgumentException($"sensor '{s.Name}': unknown driver '{s.Driver}'", nameof(s)),
        };
    }

    private static double Finite(double value, double fallback) => double.IsFinite(value) ? value : fallback;

    private static string UnitOf(SensorConfig s) => s.Driver switch
    {
        "ds18b20" => Ds18b20TemperatureChannel.Celsius,
        "ads1115" => s.Unit,
        "ezo-ph" => AtlasEzoChannel.UnitOf(AtlasEzoCircuit.Ph),
        "ezo-do" => AtlasEzoChannel.UnitOf(AtlasEzoCircuit.DissolvedOxygen),
        _ => AtlasEzoChannel.UnitOf(AtlasEzoCircuit.Orp),
    };
}
