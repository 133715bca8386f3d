using ReactorTwin.Core.Models;

namespace ReactorTwin.Core.Inference;

/// <summary>
/// Measurement model y = h(z) + ε, ε ~ N(0, R) with diagonal R_ii = σ_i² + (ρ_i · y_i)² for each measured
/// channel i (a state component, h = z_i, or an observable of the model): an absolute standard deviation σ_i (channel
/// unit) and/or a relative one ρ_i (fraction of the measured value; evaluated at the measurement so that R does not
/// depend on θ). A floor <see cref="FloorVariance"/> keeps R positive when both are 0 (noise-free simulated data).
/// Observables may instead be log-normal (σ_i on the log scale) or have an SD formula of the state and parameters
/// (<see cref="NoiseModel"/>), which the likelihoods evaluate themselves (<see cref="IsLogNormal"/>, <see cref="HasFormula"/>).
/// Channels number the states 0..n−1 and the observables n.. after them (<see cref="ReactionNetwork.ChannelNames"/>).
/// </summary>
public sealed class MeasurementNoise
{
    private readonly double[] _absolute;
    private readonly double[] _relative;
    private readonly bool[] _logNormal;
    private readonly bool[] _formula;

    /// <summary>Creates a noise model for <paramref name="channels"/> channels (the state components first), all
    /// σ = ρ = 0 (only the floor), normal.</summary>
    public MeasurementNoise(int channels)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(channels, 1);
        _absolute = new double[channels];
        _relative = new double[channels];
        _logNormal = new bool[channels];
        _formula = new bool[channels];
    }

    /// <summary>
    /// A noise model over every channel of <paramref name="model"/> (states, then observables), with each observable's
    /// own <see cref="NoiseModel"/> where it has one; the states' and the other observables' noise are 0 until set.
    /// </summary>
    public static MeasurementNoise ForModel(ReactionNetwork model)
    {
        ArgumentNullException.ThrowIfNull(model);
        var noise = new MeasurementNoise(model.ChannelNames.Count);
        for (int o = 0; o < model.Observables.Count; o++)
        {
            if (model.Observables[o].Noise is not { } m)
            {
                continue;
            }

            int ch = model.StateDimension + o;
            noise._absolute[ch] = m.Absolute;
            noise._relative[ch] = m.Relative;
            noise._logNormal[ch] = m.Distribution == NoiseDistribution.LogNormal;
            noise._formula[ch] = m.Formula is not null;
        }

        return noise;
    }

    /// <summary>Number of channels.</summary>
    public int ChannelCount => _absolute.Length;

    /// <summary>True when channel i is log-normal: log y = log h + ε with σ_i (or its formula) on the log scale.</summary>
    public bool IsLogNormal(int channel) => _logNormal[channel];

    /// <summary>True when channel i's SD is its observable's formula σ(z; θ, t, u), evaluated by the likelihood.</summary>
    public bool HasFormula(int channel) => _formula[channel];

    /// <summary>True when channel i has a noise at all (σ &gt; 0, ρ &gt; 0 or a formula): data of a channel without one
    /// would be fitted as exact.</summary>
    public bool IsGiven(int channel) => _absolute[channel] > 0 || _relative[channel] > 0 || _formula[channel];

    /// <summary>The relative SD ρ_i of channel i.</summary>
    public double Relative(int channel) => _relative[channel];

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
        _formula[component] = false;
        return this;
    }

    /// <summary>Sets the relative SD ρ_i (≥ 0, finite; 0.05 = 5 % of the value) of component i.</summary>
    public MeasurementNoise SetRelative(int component, double fraction)
    {
        if (!(fraction >= 0) || !double.IsFinite(fraction))
        {
            throw new ArgumentOutOfRangeException(nameof(fraction), fraction, "a relative SD must be finite and ≥ 0");
        }

        if (fraction > 0 && _logNormal[component])
        {
            throw new ArgumentOutOfRangeException(nameof(fraction), fraction, "a log-normal channel's SD is on the log scale already: give an absolute SD");
        }

        _relative[component] = fraction;
        _formula[component] = false;
        return this;
    }

    /// <summary>R_ii for channel i measured as <paramref name="value"/> (for a log-normal channel: on the log scale,
    /// σ_i² + floor). Not for a channel with an SD formula.</summary>
    public double Variance(int component, double value)
    {
        double a = _absolute[component];
        double r = _relative[component] * value;
        return (a * a) + (r * r) + FloorVariance;
    }
}
