namespace ReactorTwin.Core.Estimation;

/// <summary>
/// A density on a box L &lt; u &lt; U seen in unbounded coordinates w ∈ ℝ^d (Stan's transform of bounded parameters):
/// <code>
/// u_j = L_j + (U_j − L_j) σ(w_j),   σ(w) = 1/(1 + e^{−w}),
/// log π_w(w) = log π_u(u(w)) + Σ_j log((U_j − L_j) σ(w_j)(1 − σ(w_j))),
/// ∂ log π_w/∂w_j = (∂ log π_u/∂u_j)(U_j − L_j) σ(1 − σ) + 1 − 2σ(w_j).
/// </code>
/// Samplers then never meet the box's walls, where a density that is −∞ outside would end Hamiltonian trajectories and
/// stall Langevin proposals. Use <see cref="ParameterSpace.Lower"/> / <see cref="ParameterSpace.Upper"/> as the box
/// (they are in u, i.e. log bounds for log-scale parameters). No allocation per evaluation; not thread-safe.
/// </summary>
public sealed class LogitTransformedDensity : ILogDensity
{
    private readonly ILogDensity _inner;
    private readonly double[] _lower, _width, _u, _gu, _s;

    /// <summary>Creates the view.</summary>
    /// <param name="inner">Density in u.</param>
    /// <param name="lower">L (finite), one per coordinate.</param>
    /// <param name="upper">U &gt; L (finite).</param>
    /// <exception cref="ArgumentException">Bounds of the wrong length, not finite, or not increasing.</exception>
    public LogitTransformedDensity(ILogDensity inner, IReadOnlyList<double> lower, IReadOnlyList<double> upper)
    {
        ArgumentNullException.ThrowIfNull(inner);
        ArgumentNullException.ThrowIfNull(lower);
        ArgumentNullException.ThrowIfNull(upper);
        int d = inner.Dimension;
        if (lower.Count != d || upper.Count != d)
        {
            throw new ArgumentException($"the box needs {d} lower and upper bounds");
        }

        _inner = inner;
        _lower = new double[d];
        _width = new double[d];
        for (int j = 0; j < d; j++)
        {
            if (!double.IsFinite(lower[j]) || !double.IsFinite(upper[j]) || !(upper[j] > lower[j]))
            {
                throw new ArgumentException($"coordinate {j}: the bounds [{lower[j]}, {upper[j]}] must be finite and increasing");
            }

            _lower[j] = lower[j];
            _width[j] = upper[j] - lower[j];
        }

        _u = new double[d];
        _gu = new double[d];
        _s = new double[d];
    }

    /// <inheritdoc />
    public int Dimension => _u.Length;

    /// <summary>Writes u(w).</summary>
    public void ToBounded(ReadOnlySpan<double> w, Span<double> u)
    {
        for (int j = 0; j < _u.Length; j++)
        {
            u[j] = _lower[j] + (_width[j] * Sigmoid(w[j]));
        }
    }

    /// <summary>Writes w(u) for u strictly inside the box (±∞ on a wall).</summary>
    public void ToUnbounded(ReadOnlySpan<double> u, Span<double> w)
    {
        for (int j = 0; j < _u.Length; j++)
        {
            double s = (u[j] - _lower[j]) / _width[j];
            w[j] = Math.Log(s) - double.LogP1(-s);
        }
    }

    /// <inheritdoc />
    public double Evaluate(ReadOnlySpan<double> u, Span<double> gradient)
    {
        // The argument is w, the unbounded coordinate (named u by the interface).
        var w = u;
        double logJacobian = 0;
        for (int j = 0; j < _u.Length; j++)
        {
            double s = _s[j] = Sigmoid(w[j]);
            _u[j] = _lower[j] + (_width[j] * s);
            logJacobian += Math.Log(_width[j]) + LogSigmoid(w[j]) + LogSigmoid(-w[j]);
        }

        double f = _inner.Evaluate(_u, _gu);
        for (int j = 0; j < _u.Length; j++)
        {
            double s = _s[j];
            gradient[j] = (_gu[j] * _width[j] * s * (1 - s)) + 1 - (2 * s);
        }

        return f + logJacobian;
    }

    private static double Sigmoid(double w) => w >= 0 ? 1 / (1 + Math.Exp(-w)) : Math.Exp(w) / (1 + Math.Exp(w));

    /// <summary>log σ(w), accurate for large |w|.</summary>
    private static double LogSigmoid(double w) => w >= 0 ? -double.LogP1(Math.Exp(-w)) : w - double.LogP1(Math.Exp(w));
}
