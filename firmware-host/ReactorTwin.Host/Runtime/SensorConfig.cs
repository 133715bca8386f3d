using Iot.Device.Ads1115;

namespace ReactorTwin.Host.Runtime;

/// <summary>
/// One directly attached sensor of a reactor (<c>ReactorTwin:Reactors:N:Sensors:M</c>): a DS18B20 on 1-Wire, an ADS1115
/// input with a volts → units calibration, an Atlas Scientific EZO pH / DO / ORP circuit or a Sensirion SCD4x CO₂
/// sensor on I2C, a PT100/PT1000 through a MAX31865 on SPI, or a load cell through an HX711 on two GPIO pins (broth
/// volume for fed-batch).
/// Readings of a sensor with a <see cref="Component"/> reach the twin as measurements of that state component; the
/// others (e.g. broth temperature) are published for dashboards and can compensate EZO readings.
/// </summary>
public sealed class SensorConfig
{
    /// <summary>Channel name, unique within the reactor (letters, digits, '-', '_').</summary>
    public string Name { get; set; } = "";

    /// <summary>Driver: <c>ds18b20</c>, <c>ads1115</c>, <c>ezo-ph</c>, <c>ezo-do</c>, <c>ezo-orp</c>, <c>max31865</c>,
    /// <c>hx711</c> or <c>scd4x</c>.</summary>
    public string Driver { get; set; } = "";

    /// <summary>The model state component the sensor measures (its unit must be the model's), or null for an
    /// auxiliary instrument.</summary>
    public string? Component { get; set; }

    /// <summary>Polling interval in seconds, ≥ 1 (EZO reads take about 1 s, the first SCD4x read about 5 s).</summary>
    public double IntervalSeconds { get; set; } = 60;

    /// <summary>DS18B20: 1-Wire device id (<c>28-…</c>).</summary>
    public string? DeviceId { get; set; }

    /// <summary>DS18B20: the kernel's 1-Wire bus master (<c>w1_bus_master1</c> for the first w1-gpio overlay); the
    /// binding reads <c>/sys/devices/&lt;bus&gt;/&lt;device&gt;/w1_slave</c>.</summary>
    public string OneWireBus { get; set; } = "w1_bus_master1";

    /// <summary>I2C bus number N of /dev/i2c-N (1 on a Raspberry Pi).</summary>
    public int Bus { get; set; } = 1;

    /// <summary>I2C 7-bit address (0x08–0x77); 0 selects the driver's default (ADS1115 0x48, EZO pH 0x63, DO 0x61,
    /// ORP 0x62, SCD4x 0x62).</summary>
    public int Address { get; set; }

    /// <summary>ADS1115: input multiplexer setting (<see cref="InputMultiplexer"/> name, e.g. <c>AIN0</c> or
    /// <c>AIN0_AIN1</c>; the earlier names <c>Ain0</c>, <c>Ain0MinusAin1</c> are accepted).</summary>
    public string Input { get; set; } = nameof(InputMultiplexer.AIN0);

    /// <summary>ADS1115: full-scale range (<see cref="MeasuringRange"/> name, e.g. <c>FS4096</c> for ±4.096 V; the earlier
    /// <c>PlusMinus4096Millivolts</c> is accepted).</summary>
    public string FullScale { get; set; } = nameof(MeasuringRange.FS4096);

    /// <summary>ADS1115: samples per second (<see cref="DataRate"/> name, <c>SPS008</c> … <c>SPS860</c>); default
    /// <c>SPS128</c> (one conversion takes 7.8 ms).</summary>
    public string DataRate { get; set; } = nameof(Iot.Device.Ads1115.DataRate.SPS128);

    /// <summary>ADS1115: calibration standards as [volts, value] pairs; HX711: weighed standards as [raw count, grams]
    /// pairs (≥ 2, distinct first values); piecewise linear between them, readings beyond the ends flagged suspect.</summary>
    public List<double[]> Calibration { get; set; } = [];

    /// <summary>ADS1115: unit of the calibrated value (for a twin input: the model's unit of <see cref="Component"/>).</summary>
    public string Unit { get; set; } = "";

    /// <summary>Smallest plausible value (sensor units); below it a reading is flagged suspect.</summary>
    public double PlausibleMin { get; set; } = double.NegativeInfinity;

    /// <summary>Largest plausible value (sensor units); above it a reading is flagged suspect.</summary>
    public double PlausibleMax { get; set; } = double.PositiveInfinity;

    /// <summary>EZO pH / DO: the name of a DS18B20 or MAX31865 sensor of the same reactor whose latest good reading
    /// compensates the measurement (<c>RT,t</c>); null reads with the circuit's stored temperature.</summary>
    public string? TemperatureSensor { get; set; }

    /// <summary>MAX31865: SPI bus N of /dev/spidevN.C; default 0.</summary>
    public int SpiBus { get; set; }

    /// <summary>MAX31865: chip select C of /dev/spidevN.C (CE0 = 0, CE1 = 1); default 0.</summary>
    public int ChipSelect { get; set; }

    /// <summary>MAX31865: <c>pt100</c> or <c>pt1000</c>; default <c>pt100</c>.</summary>
    public string RtdType { get; set; } = "pt100";

    /// <summary>MAX31865: RTD wires, 2, 3 or 4 (the board's jumpers must match); default 3.</summary>
    public int Wires { get; set; } = 3;

    /// <summary>MAX31865: the board's reference resistor in Ω; 0 selects 430 Ω for a PT100 and 4300 Ω for a PT1000
    /// (the usual breakout boards).</summary>
    public double ReferenceOhms { get; set; }

    /// <summary>MAX31865: mains frequency to reject, 50 or 60 Hz; default 50.</summary>
    public int MainsHertz { get; set; } = 50;

    /// <summary>HX711: the DOUT pin (BCM GPIO number).</summary>
    public int DataPin { get; set; } = -1;

    /// <summary>HX711: the PD_SCK pin (BCM GPIO number).</summary>
    public int ClockPin { get; set; } = -1;

    /// <summary>HX711: weight of the empty vessel with its fittings on the load cell, g.</summary>
    public double TareGrams { get; set; }

    /// <summary>HX711: broth density, g/mL (&gt; 0); default 1.0.</summary>
    public double DensityGramsPerMillilitre { get; set; } = 1.0;

    /// <summary>HX711: raw reads per reading (median of up to 4, trimmed mean of 5 or more), 1–50; default 3.</summary>
    public int Samples { get; set; } = 3;
}

/// <summary>The directly attached sensors of one reactor, opened and polling (see <see cref="SensorSetup.Open"/>).</summary>
/// <param name="Readings">Every channel's readings, merged (hot: polling runs while subscribed).</param>
/// <param name="ComponentByChannel">Channel → state component, for the channels that feed the twin.</param>
/// <param name="Devices">Opened devices (buses, controllers, bindings), disposed with the set.</param>
public sealed record SensorSet(IObservable<Adapters.Sensors.SensorReading> Readings, IReadOnlyDictionary<string, string> ComponentByChannel, IReadOnlyList<IDisposable> Devices) : IDisposable
{
    /// <summary>The channels in configuration order (for a one-off read of each: <c>reactortwin sensors</c>).</summary>
    public IReadOnlyList<Adapters.Sensors.SensorChannel> Channels { get; init; } = [];

    /// <inheritdoc/>
    public void Dispose()
    {
        for (int i = Devices.Count - 1; i >= 0; i--)
        {
            Devices[i].Dispose();
        }
    }
}

