namespace ReactorTwin.Core.Amortized;

/// <summary>
/// Simulated experiments, stored flat: experiment k has readings k·n … k·n + n − 1 (n = <see cref="Readings"/>),
/// each a time (h), a channel index into the design's channels and a noisy value, and its true parameters both on the
/// natural scale and standardised (z = g(θ), <see cref="PriorStandardization"/>).
/// </summary>
public sealed class TrainingSet
{
    /// <summary>Allocates an empty set.</summary>
    /// <param name="count">Experiments, ≥ 1.</param>
    /// <param name="readings">Readings per experiment, ≥ 1.</param>
    /// <param name="parameters">Parameters per experiment, ≥ 1.</param>
    public TrainingSet(int count, int readings, int parameters)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(count, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(readings, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(parameters, 1);
        Count = count;
        Readings = readings;
        ParameterCount = parameters;
        Times = new double[count * readings];
        Channels = new int[count * readings];
        Values = new double[count * readings];
        Theta = new double[count * parameters];
        Z = new double[count * parameters];
    }

    /// <summary>Number of experiments.</summary>
    public int Count { get; }

    /// <summary>Readings per experiment n.</summary>
    public int Readings { get; }

    /// <summary>Parameters per experiment p.</summary>
    public int ParameterCount { get; }

    /// <summary>Reading times in hours.</summary>
    public double[] Times { get; }

    /// <summary>Channel of each reading (index into the design's channels).</summary>
    public int[] Channels { get; }

    /// <summary>Noisy values.</summary>
    public double[] Values { get; }

    /// <summary>True estimated parameters, natural scale.</summary>
    public double[] Theta { get; }

    /// <summary>True parameters standardised, z = g(θ).</summary>
    public double[] Z { get; }

    /// <summary>Experiment k's times.</summary>
    public ReadOnlySpan<double> TimesOf(int k) => Times.AsSpan(k * Readings, Readings);

    /// <summary>Experiment k's channels.</summary>
    public ReadOnlySpan<int> ChannelsOf(int k) => Channels.AsSpan(k * Readings, Readings);

    /// <summary>Experiment k's values.</summary>
    public ReadOnlySpan<double> ValuesOf(int k) => Values.AsSpan(k * Readings, Readings);

    /// <summary>Experiment k's true θ.</summary>
    public ReadOnlySpan<double> ThetaOf(int k) => Theta.AsSpan(k * ParameterCount, ParameterCount);

    /// <summary>Experiment k's true z.</summary>
    public ReadOnlySpan<double> ZOf(int k) => Z.AsSpan(k * ParameterCount, ParameterCount);
}
