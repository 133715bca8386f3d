using Iot.Device.Max31865;
using ReactorTwin.Adapters.Sensors;
using ReactorTwin.Simulator.Devices;
using UnitsNet;

namespace ReactorTwin.Adapters.Tests.Devices;

/// <summary>Iot.Device.Max31865 against the simulated converter on a simulated SPI device; the channel's fault handling.</summary>
public sealed class Max31865Tests
{
    private double _celsius = 37.0;

    private (SimulatedMax31865 Chip, RtdTemperatureChannel Channel) Rtd(PlatinumResistanceThermometerType type, double referenceOhms)
    {
        var chip = new SimulatedMax31865(() => _celsius, (int)type, referenceOhms);
        var converter = new Max31865(chip, type, ResistanceTemperatureDetectorWires.ThreeWire, ElectricResistance.FromOhms(referenceOhms), ConversionFilterMode.Filter50Hz);
        return (chip, new RtdTemperatureChannel("broth", converter));
    }

    [Theory]
    [InlineData(PlatinumResistanceThermometerType.Pt100, 430, 37.0)]
    [InlineData(PlatinumResistanceThermometerType.Pt100, 430, 121.0)]
    [InlineData(PlatinumResistanceThermometerType.Pt1000, 4300, 4.0)]
    [InlineData(PlatinumResistanceThermometerType.Pt1000, 4300, 65.5)]
    public void Read_AboveZero_WithinTheConverterResolution(PlatinumResistanceThermometerType type, double referenceOhms, double celsius)
    {
        // 15 bits over R_REF: 430 Ω / 32768 = 0.013 Ω ≈ 0.034 °C for a PT100 (and the same for PT1000 / 4300 Ω).
        _celsius = celsius;
        var (chip, channel) = Rtd(type, referenceOhms);
        var reading = channel.Read(TimeProvider.System.GetUtcNow);
        Assert.Equal(ReadingQuality.Good, reading.Quality);
        Assert.Equal(celsius, reading.Value, 0.05);
        Assert.Equal("°C", reading.Unit);
        Assert.Equal(1, chip.Conversions);
        Assert.Equal(0, chip.Configuration & 0x80); // the bias is off again between conversions (no self-heating)
        Assert.Equal(0x10, chip.Configuration & 0x10); // three-wire
    }

    [Fact]
    public void Read_BelowZero_ThroughTheBindingsPolynomial()
    {
        _celsius = -20.0;
        var (_, channel) = Rtd(PlatinumResistanceThermometerType.Pt100, 430);
        var reading = channel.Read(TimeProvider.System.GetUtcNow);
        Assert.Equal(-20.0, reading.Value, 0.1);
        Assert.Equal(ReadingQuality.Good, reading.Quality);
    }

    [Theory]
    [InlineData(SimulatedRtdWiring.Open, "open")]
    [InlineData(SimulatedRtdWiring.Shorted, "shorted")]
    public void Read_BrokenElement_FaultNamingIt(SimulatedRtdWiring wiring, string named)
    {
        var (chip, channel) = Rtd(PlatinumResistanceThermometerType.Pt100, 430);
        chip.Wiring = wiring;
        var reading = channel.Read(TimeProvider.System.GetUtcNow);
        Assert.Equal(ReadingQuality.Fault, reading.Quality);
        Assert.Contains(named, reading.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_FaultStatusBitSet_FaultNamingTheBit_ClearedForTheNextConversion()
    {
        var (chip, channel) = Rtd(PlatinumResistanceThermometerType.Pt100, 430);
        chip.ExtraFaultBits = 0x04;
        var reading = channel.Read(TimeProvider.System.GetUtcNow);
        Assert.Equal(ReadingQuality.Fault, reading.Quality);
        Assert.Contains("over- or under-voltage", reading.Reason, StringComparison.Ordinal);

        chip.ExtraFaultBits = 0;
        Assert.Equal(ReadingQuality.Good, channel.Read(TimeProvider.System.GetUtcNow).Quality); // the binding clears faults before converting
    }

    [Fact]
    public void Resistance_Iec60751Table_Matches()
    {
        Assert.Equal(100.000, SimulatedMax31865.Resistance(100, 0), 3);
        Assert.Equal(138.51, SimulatedMax31865.Resistance(100, 100), 2);
        Assert.Equal(92.16, SimulatedMax31865.Resistance(100, -20), 2);
        Assert.Equal(1385.1, SimulatedMax31865.Resistance(1000, 100), 1);
    }
}
