namespace ReactorTwin.Adapters.Devices.Ds18b20;

/// <summary>Settings of a <see cref="Ds18b20"/>. Defaults suit a bioreactor vessel probe.</summary>
public sealed class Ds18b20Settings
{
    /// <summary>
    /// Treat exactly 85.000 °C, the scratchpad's power-on reset value, as a fault; default true. A reading of 85 °C
    /// almost always means the conversion never ran (parasite power too weak, probe reset during the read).
    /// </summary>
    public bool PowerOnValueIsFault { get; init; } = true;

    /// <summary>Lowest temperature the part can report, °C; default −55 (datasheet range).</summary>
    public double MinimumCelsius { get; init; } = -55.0;

    /// <summary>Highest temperature the part can report, °C; default 125 (datasheet range).</summary>
    public double MaximumCelsius { get; init; } = 125.0;
}
