namespace ReactorTwin.Core.Estimation;

/// <summary>
/// A differentiable log-density (log-likelihood, log-posterior or any target) over an unconstrained vector
/// u ∈ ℝ^d. Implementations write the gradient into a caller array and must not allocate per call.
/// </summary>
public interface ILogDensity
{
    /// <summary>d, the length of u.</summary>
    int Dimension { get; }

    /// <summary>Evaluates log π(u) and writes ∇_u log π(u) into <paramref name="gradient"/> (length d).</summary>
    /// <returns>log π(u); −∞ (with any gradient) outside the support or where the model cannot be evaluated.</returns>
    double Evaluate(ReadOnlySpan<double> u, Span<double> gradient);
}
