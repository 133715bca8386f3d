namespace ReactorTwin.Core.Estimation;

/// <summary>
/// A Gaussian log-likelihood in least-squares form over u ∈ ℝ^d: log π(u) = c − ½ ‖r(u)‖² with weighted residuals
/// r ∈ ℝ^m and their Jacobian J = ∂r/∂u, the objective of <see cref="LevenbergMarquardt"/>. Implementations write
/// into caller buffers and must not allocate per call.
/// </summary>
public interface IResidualFunction
{
    /// <summary>d, the length of u.</summary>
    int Dimension { get; }

    /// <summary>m, the number of residuals.</summary>
    int ResidualCount { get; }

    /// <summary>Evaluates r(u) and J(u).</summary>
    /// <param name="u">The point (length d).</param>
    /// <param name="residuals">Receives r (length m).</param>
    /// <param name="jacobian">Receives J row-major (m × d: J[i·d + j] = ∂r_i/∂u_j).</param>
    /// <param name="constant">Receives c, so that log π(u) = c − ½‖r‖².</param>
    /// <returns>False where the model cannot be evaluated (the buffers are then undefined).</returns>
    bool Evaluate(ReadOnlySpan<double> u, Span<double> residuals, Span<double> jacobian, out double constant);
}
