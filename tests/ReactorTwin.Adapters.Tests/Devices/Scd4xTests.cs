using Iot.Device.Scd4x;
using ReactorTwin.Adapters.Devices;
using ReactorTwin.Adapters.Sensors;
using ReactorTwin.Simulator.Devices;

namespace ReactorTwin.Adapters.Tests.Devices;

/// <summary>
/// Iot.Device.Scd4x against the simulated SCD4x. The binding waits on the real clock (Thread.Sleep and
/// Environment.TickCount: 0.5 s at reset, the 5 s measurement period), so this test runs in real time: about 11 s.
/// </summary>
public sealed class Scd4xTests
{
    [Fact]
    public void Read_PeriodicMeasurement_Co2InPpm_CorruptedCrcIsAFault()
    {
        var clock = HardwareClock.FromTimeProvider(TimeProvider.System);
        var chip = new SimulatedScd4x(clock, _ => 1_234) { TemperatureCelsius = 31.5, RelativeHumidityPercent = 40 };
        using var sensor = new Scd4x(chip);
        var channel = new Co2Channel("offgas-co2", sensor);

        // The first reading waits for the first measurement, 5 s after the start (the binding's own wait).
        var first = channel.Read(TimeProvider.System.GetUtcNow);
        Assert.True(first.Quality == ReadingQuality.Good, first.Reason);
        Assert.Equal(1_234, first.Value);
        Assert.Equal("ppm", first.Unit);
        Assert.True(chip.Measuring);
        Assert.Equal(31.5, sensor.Temperature.DegreesCelsius, 0.01);

        chip.CorruptCo2Crc = true;
        var second = channel.Read(TimeProvider.System.GetUtcNow);
        Assert.Equal(ReadingQuality.Fault, second.Quality);
        Assert.Contains("CRC", second.Reason, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(0xBEEF, 0x92)] // the example of Sensirion's SCD4x datasheet (CRC-8 of 0xBEEF is 0x92)
    [InlineData(0x0000, 0x81)]
    public void Crc8_DatasheetExamples(int word, int crc) => Assert.Equal((byte)crc, SimulatedScd4x.Crc8((ushort)word));
}
