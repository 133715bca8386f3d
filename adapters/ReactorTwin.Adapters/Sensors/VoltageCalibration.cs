namespace ReactorTwin.Adapters.Sensors;

/// <summary>
/// Maps a measured voltage to engineering units (e.g. optical-density probe volts → OD or cell density).
/// <see cref="IsExtrapolated"/> tells when the voltage lies outside the calibrated range, which a channel reports
/// as <see cref="ReadingQuality.Suspect"/>.
/// </summary>
public abstract class VoltageCalibration
{
    /// <summary>The value for <paramref name="volts"/>.</summary>
    public abstract double ToUnits(double volts);

    /// <summary>True when <paramref name="volts"/> is outside the range the calibration was made over.</summary>
    public abstract bool IsExtrapolated(double volts);

    /// <summary>value = <paramref name="slope"/> × V + <paramref name="intercept"/>, valid for all voltages.</summary>
    public static VoltageCalibration Linear(double slope, double intercept)
    {
        if (!double.IsFinite(slope) || !double.IsFinite(intercept) || slope == 0)
        {
            throw new ArgumentException("a linear calibration needs a finite non-zero slope and a finite intercept");
        }

        return new PiecewiseLinear([(0.0, intercept), (1.0, slope + intercept)], clampRange: false);
    }

    /// <summary>The line through two standards (V₁, u₁) and (V₂, u₂); voltages outside [V₁, V₂] are extrapolated.</summary>
    public static VoltageCalibration TwoPoint(double volts1, double value1, double volts2, double value2) =>
        PiecewiseLinearThrough([(volts1, value1), (volts2, value2)]);

    /// <summary>
    /// Linear interpolation through ≥ 2 standards (any order, distinct voltages); beyond the ends the outer segments
    /// are extended and the result is flagged extrapolated. Use it for non-linear probes such as OD at high density.
    /// </summary>
    public static VoltageCalibration PiecewiseLinearThrough(IReadOnlyList<(double Volts, double Value)> points)
    {
        ArgumentNullException.ThrowIfNull(points);
        return new PiecewiseLinear(points, clampRange: true);
    }

    private sealed class PiecewiseLinear : VoltageCalibration
    {
        private readonly double[] _volts;
        private readonly double[] _values;
        private readonly bool _ranged;

        public PiecewiseLinear(IReadOnlyList<(double Volts, double Value)> points, bool clampRange)
        {
            if (points.Count < 2)
            {
                throw new ArgumentException("a calibration needs at least two points", nameof(points));
            }

            var sorted = points.OrderBy(p => p.Volts).ToArray();
            for (int i = 0; i < sorted.Length; i++)
            {
                if (!double.IsFinite(sorted[i].Volts) || !double.IsFinite(sorted[i].Value))
                {
                    throw new ArgumentException("calibration points must be finite", nameof(points));
                }

                if (i > 0 && sorted[i].Volts == sorted[i - 1].Volts)
                {
                    throw new ArgumentException($"two calibration points share the voltage {sorted[i].Volts} V", nameof(points));
                }
            }

            _volts = sorted.Select(p => p.Volts).ToArray();
            _values = sorted.Select(p => p.Value).ToArray();
            _ranged = clampRange;
        }

        public override double ToUnits(double volts)
        {
            int i = Array.BinarySearch(_volts, volts);
            if (i >= 0)
            {
                return _values[i];
            }

            int upper = Math.Clamp(~i, 1, _volts.Length - 1);
            int lower = upper - 1;
            double t = (volts - _volts[lower]) / (_volts[upper] - _volts[lower]);
            return _values[lower] + (t * (_values[upper] - _values[lower]));
        }

        public override bool IsExtrapolated(double volts) => _ranged && (volts < _volts[0] || volts > _volts[^1]);
    }
}
