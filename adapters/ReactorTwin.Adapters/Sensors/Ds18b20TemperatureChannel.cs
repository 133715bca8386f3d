using Iot.Device.OneWire;
using UnitsNet;

namespace ReactorTwin.Adapters.Sensors;

/// <summary>
/// A DS18B20 (or other 1-Wire thermometer) in °C, read through Iot.Device.OneWire's <see cref="OneWireThermometerDevice"/>
/// (the kernel's w1_therm driver: <c>/sys/devices/&lt;bus&gt;/&lt;device&gt;/w1_slave</c>). The binding refuses a reading
/// whose CRC the kernel marked NO; this channel also refuses the two values a DS18B20 returns when no conversion ran:
/// 85.000 °C (the power-on reset value) and 0.000 °C from an all-zero scratchpad (DQ held low).
/// </summary>
public sealed class Ds18b20TemperatureChannel : SensorChannel
{
    /// <summary>The unit of its readings.</summary>
    public const string Celsius = "°C";

    private readonly Func<Temperature> _read;

    /// <summary>Reads device <paramref name="deviceId"/> (e.g. <c>28-00000a1b2c3d</c>) on 1-Wire bus
    /// <paramref name="busId"/> (e.g. <c>w1_bus_master1</c>).</summary>
    public Ds18b20TemperatureChannel(string name, string busId, string deviceId, double plausibleMinimumCelsius = 0, double plausibleMaximumCelsius = 60)
        : this(name, new OneWireThermometerDevice(busId, deviceId).ReadTemperature, plausibleMinimumCelsius, plausibleMaximumCelsius)
    {
    }

    /// <summary>Reads through <paramref name="read"/> (a thermometer's <c>ReadTemperature</c>).</summary>
    public Ds18b20TemperatureChannel(string name, Func<Temperature> read, double plausibleMinimumCelsius = 0, double plausibleMaximumCelsius = 60)
        : base(name, Celsius, plausibleMinimumCelsius, plausibleMaximumCelsius)
    {
        ArgumentNullException.ThrowIfNull(read);
        _read = read;
    }

    /// <inheritdoc/>
    protected override ChannelSample Sample()
    {
        double celsius;
        try
        {
            celsius = _read().DegreesCelsius;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return ChannelSample.Fault($"{Name}: 1-Wire device not readable ({e.Message}): absent, unplugged or the w1-gpio overlay is off");
        }
        catch (InvalidOperationException e)
        {
            return ChannelSample.Fault($"{Name}: {e.Message} (the kernel reported a CRC error or garbled data)");
        }

        return celsius switch
        {
            85.0 => ChannelSample.Fault($"{Name}: 85.000 °C is the DS18B20 power-on value: no conversion ran (power dip or parasite power too weak)"),
            0.0 => ChannelSample.Fault($"{Name}: 0.000 °C from an all-zero scratchpad: the DQ line is held low"),
            _ => ChannelSample.Good(celsius),
        };
    }
}
