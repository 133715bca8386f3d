using ReactorTwin.Adapters.Hardware;
using ReactorTwin.Adapters.Hardware.OneWire;

namespace ReactorTwin.Adapters.Devices.Ds18b20;

/// <summary>
/// A DS18B20 digital thermometer read through the kernel's w1_therm driver (<c>w1_slave</c> of a family-0x28 slave).
/// Each read triggers a conversion in the kernel (up to 750 ms at 12-bit resolution) and blocks for it.
/// </summary>
public sealed class Ds18b20
{
    /// <summary>The 1-Wire family code of the DS18B20.</summary>
    public const string FamilyCode = "28";

    private readonly OneWireBus _bus;
    private readonly Ds18b20Settings _settings;

    /// <summary>Creates the driver for slave <paramref name="deviceId"/> (e.g. <c>28-3c01d607d4a1</c>).</summary>
    public Ds18b20(OneWireBus bus, string deviceId, Ds18b20Settings? settings = null)
    {
        ArgumentNullException.ThrowIfNull(bus);
        ArgumentException.ThrowIfNullOrEmpty(deviceId);
        if (!deviceId.StartsWith(FamilyCode + "-", StringComparison.Ordinal))
        {
            throw new ArgumentException($"'{deviceId}' is not a DS18B20 (family code {FamilyCode})", nameof(deviceId));
        }

        _bus = bus;
        DeviceId = deviceId;
        _settings = settings ?? new Ds18b20Settings();
    }

    /// <summary>The slave id, family code and serial.</summary>
    public string DeviceId { get; }

    /// <summary>Ids of the DS18B20s currently on <paramref name="bus"/>.</summary>
    public static IReadOnlyList<string> FindDeviceIds(OneWireBus bus)
    {
        ArgumentNullException.ThrowIfNull(bus);
        return bus.EnumerateDeviceIds(FamilyCode);
    }

    /// <summary>
    /// Reads the temperature in °C. Fails (false, with the reason in <paramref name="failure"/>) when the device is
    /// absent, the kernel's CRC verdict is not YES, the text is malformed, the value is the 85 °C power-on value
    /// (see <see cref="Ds18b20Settings.PowerOnValueIsFault"/>), or it lies outside the part's range.
    /// </summary>
    public bool TryReadTemperatureCelsius(out double celsius, out string? failure)
    {
        celsius = double.NaN;
        string text;
        try
        {
            text = _bus.ReadDeviceFile(DeviceId, "w1_slave");
        }
        catch (HardwareIoException e)
        {
            failure = $"DS18B20 {DeviceId} unreadable: {e.Message}";
            return false;
        }

        if (!W1SlaveText.TryParse(text, out int milli, out _, out string? parseFailure))
        {
            failure = $"DS18B20 {DeviceId}: {parseFailure}";
            return false;
        }

        if (milli == W1SlaveText.PowerOnMillidegrees && _settings.PowerOnValueIsFault)
        {
            failure = $"DS18B20 {DeviceId} returned the 85 °C power-on value: the conversion did not run (check power and wiring)";
            return false;
        }

        double value = milli / 1000.0;
        if (value < _settings.MinimumCelsius || value > _settings.MaximumCelsius)
        {
            failure = $"DS18B20 {DeviceId}: {value} °C is outside [{_settings.MinimumCelsius}, {_settings.MaximumCelsius}] °C";
            return false;
        }

        celsius = value;
        failure = null;
        return true;
    }
}
