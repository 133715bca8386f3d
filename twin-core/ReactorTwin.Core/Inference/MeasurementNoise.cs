namespace ReactorTwin.Core.Inference;

/// <summary>
/// Measurement model y = H z + ε, ε ~ N(0, R) with diagonal R_ii = σ_i² + (ρ_i · y_i)² for each measured
/// component i: an absolute standard deviation σ_i (component unit) and/or a relative one ρ_i (fraction of the
/// measured value; evaluated at the measurement so that R does not depend on θ). A floor
/// <see cref="FloorVariance"/> keeps R positive when both are 0 (noise-free simulated data).
/// </summary>
public sealed class MeasurementNoise
{
    private readonly double[] _absolute;
    private readonly double[] _relative;

    /// <summary>Creates a noise model for n state components, all σ = ρ = 0 (only the floor).</summary>
    public MeasurementNoise(int stateDimension)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(stateDimension, 1);
        _absolute = new double[stateDimension];
        _relative = new double[stateDimension];
    }

    /// <summary>Variance added to every R_ii (default 1e−12 in squared component units).</summary>
    public double FloorVariance { get; init; } = 1e-12;

    /// <summary>Sets the absolute SD σ_i (≥ 0, finite) of component i.</summary>
    public MeasurementNoise SetAbsolute(int component, double standardDeviation)
    {
        if (!(standardDeviation >= 0) || !double.IsFinite(standardDeviation))
        {
            throw new ArgumentOutOfRangeException(nameof(standardDeviation), standardDeviation, "a measurement SD must be finite and ≥ 0");
        }

        _absolute[component] = standardDeviation;
        return this;
    }

    /// <summary>Sets the relative SD ρ_i (≥ 0, finite; 0.05 = 5 % of the value) of component i.</summary>
    public MeasurementNoise SetRelative(int component, double fraction)
    {
        if (!(fraction >= 0) || !double.IsFinite(fraction))
        {
            throw new ArgumentOutOfRangeException(nameof(fraction), fraction, "a relative SD must be finite and ≥ 0");
        }

        _relative[component] = fraction;
        return this;
    }

    /// <summary>R_ii for component i measured as <paramref name="value"/>.</summary>
    public double Variance(int component, double value)
    {
        double a = _absolute[component];
        double r = _relative[component] * value;
        return (a * a) + (r * r) + FloorVariance;
    }
}
