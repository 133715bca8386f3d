using ReactorTwin.Adapters.Sensors;

namespace ReactorTwin.Adapters.Tests.Sensors;

public sealed class VoltageCalibrationTests
{
    [Fact]
    public void Linear_MapsEverywhereWithoutExtrapolationFlag()
    {
        var c = VoltageCalibration.Linear(2.5, -0.5);
        Assert.Equal(-0.5, c.ToUnits(0), 12);
        Assert.Equal(7.0, c.ToUnits(3.0), 12);
        Assert.False(c.IsExtrapolated(100));
    }

    [Fact]
    public void TwoPoint_ThroughStandards_ExtrapolatesAndFlags()
    {
        var c = VoltageCalibration.TwoPoint(0.4, 0.0, 2.4, 4.0); // 2 units per volt
        Assert.Equal(2.0, c.ToUnits(1.4), 12);
        Assert.Equal(5.0, c.ToUnits(2.9), 12);
        Assert.True(c.IsExtrapolated(2.9));
        Assert.False(c.IsExtrapolated(2.4));
        Assert.True(c.IsExtrapolated(0.39));
    }

    [Fact]
    public void PiecewiseLinear_UnsortedPoints_InterpolatesPerSegment()
    {
        var c = VoltageCalibration.PiecewiseLinearThrough([(2.0, 3.0), (0.0, 0.0), (1.0, 1.0)]);
        Assert.Equal(0.5, c.ToUnits(0.5), 12);
        Assert.Equal(2.0, c.ToUnits(1.5), 12);
        Assert.Equal(3.0, c.ToUnits(2.0), 12);
        Assert.Equal(5.0, c.ToUnits(3.0), 12); // outer segment extended
    }

    [Fact]
    public void InvalidCalibrations_Throw()
    {
        Assert.Throws<ArgumentException>(() => VoltageCalibration.TwoPoint(1.0, 0, 1.0, 2));
        Assert.Throws<ArgumentException>(() => VoltageCalibration.PiecewiseLinearThrough([(1.0, 1.0)]));
        Assert.Throws<ArgumentException>(() => VoltageCalibration.PiecewiseLinearThrough([(0.0, 0.0), (1.0, double.NaN)]));
        Assert.Throws<ArgumentException>(() => VoltageCalibration.Linear(0, 1));
    }
}
