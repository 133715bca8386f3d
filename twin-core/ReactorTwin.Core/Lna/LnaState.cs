namespace ReactorTwin.Core.Lna;

/// <summary>
/// Mean η, covariance Ψ and their sensitivities ∂η/∂θ_k, ∂Ψ/∂θ_k for the q parameters chosen at construction of an
/// <see cref="LnaSolver"/>. All arrays are row-major and owned by this object; the solver reads and overwrites them.
/// </summary>
public sealed class LnaState
{
    /// <summary>Creates a zeroed state for n state components and q sensitivity parameters.</summary>
    public LnaState(int stateDimension, int sensitivityCount)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(stateDimension, 1);
        ArgumentOutOfRangeException.ThrowIfNegative(sensitivityCount);
        StateDimension = stateDimension;
        SensitivityCount = sensitivityCount;
        Mean = new double[stateDimension];
        Covariance = new double[stateDimension * stateDimension];
        MeanSensitivity = new double[sensitivityCount * stateDimension];
        CovarianceSensitivity = new double[sensitivityCount * stateDimension * stateDimension];
    }

    /// <summary>n.</summary>
    public int StateDimension { get; }

    /// <summary>q.</summary>
    public int SensitivityCount { get; }

    /// <summary>η (length n): species, then cell densities.</summary>
    public double[] Mean { get; }

    /// <summary>Ψ (n × n, symmetric positive semi-definite).</summary>
    public double[] Covariance { get; }

    /// <summary>∂η/∂θ_k (q × n; row k is the k-th sensitivity parameter).</summary>
    public double[] MeanSensitivity { get; }

    /// <summary>∂Ψ/∂θ_k (q × n × n).</summary>
    public double[] CovarianceSensitivity { get; }

    /// <summary>Sets η = z₀, Ψ = 0 and all sensitivities to 0 (a known initial state).</summary>
    public void Reset(ReadOnlySpan<double> initialState)
    {
        initialState.CopyTo(Mean);
        Array.Clear(Covariance);
        Array.Clear(MeanSensitivity);
        Array.Clear(CovarianceSensitivity);
    }

    /// <summary>Copies everything from another state of the same shape.</summary>
    public void CopyFrom(LnaState other)
    {
        ArgumentNullException.ThrowIfNull(other);
        if (other.StateDimension != StateDimension || other.SensitivityCount != SensitivityCount)
        {
            throw new ArgumentException("the states have different shapes", nameof(other));
        }

        other.Mean.AsSpan().CopyTo(Mean);
        other.Covariance.AsSpan().CopyTo(Covariance);
        other.MeanSensitivity.AsSpan().CopyTo(MeanSensitivity);
        other.CovarianceSensitivity.AsSpan().CopyTo(CovarianceSensitivity);
    }
}
