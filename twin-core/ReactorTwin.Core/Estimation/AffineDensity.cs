namespace ReactorTwin.Core.Estimation;

/// <summary>
/// A density seen through an affine change of variables u = c + L v with L lower-triangular (typically the Cholesky
/// factor of the inverse observed information at the MLE c): log π_v(v) = log π_u(c + L v) (the Jacobian is
/// constant) and ∇_v = Lᵀ ∇_u. Sampling v with an identity preconditioner is Langevin dynamics with the dense
/// preconditioner M = L Lᵀ in u, which straightens correlated ridges (Vmax/Km pairs) that a diagonal one cannot.
/// No allocation per evaluation; not thread-safe (one instance per chain).
/// </summary>
public sealed class AffineDensity : ILogDensity
{
    private readonly ILogDensity _inner;
    private readonly double[] _centre, _l, _u, _gu;
    private readonly int _d;

    /// <summary>Creates the view.</summary>
    /// <param name="inner">Density in u.</param>
    /// <param name="centre">c.</param>
    /// <param name="lowerFactor">L as a row-major d × d array (upper triangle ignored).</param>
    public AffineDensity(ILogDensity inner, IReadOnlyList<double> centre, double[] lowerFactor)
    {
        ArgumentNullException.ThrowIfNull(inner);
        ArgumentNullException.ThrowIfNull(centre);
        ArgumentNullException.ThrowIfNull(lowerFactor);
        _d = inner.Dimension;
        if (centre.Count != _d || lowerFactor.Length != _d * _d)
        {
            throw new ArgumentException($"centre needs {_d} values and the factor {_d * _d}");
        }

        _inner = inner;
        _centre = [.. centre];
        _l = lowerFactor;
        _u = new double[_d];
        _gu = new double[_d];
    }

    /// <inheritdoc />
    public int Dimension => _d;

    /// <summary>Writes u = c + L v.</summary>
    public void ToOriginal(ReadOnlySpan<double> v, Span<double> u)
    {
        for (int i = 0; i < _d; i++)
        {
            double s = _centre[i];
            for (int j = 0; j <= i; j++)
            {
                s += _l[(i * _d) + j] * v[j];
            }

            u[i] = s;
        }
    }

    /// <inheritdoc />
    public double Evaluate(ReadOnlySpan<double> u, Span<double> gradient)
    {
        // The argument is v, the transformed coordinate (named u by the interface).
        ToOriginal(u, _u);
        double f = _inner.Evaluate(_u, _gu);
        for (int j = 0; j < _d; j++)
        {
            double s = 0;
            for (int i = j; i < _d; i++)
            {
                s += _l[(i * _d) + j] * _gu[i];
            }

            gradient[j] = s;
        }

        return f;
    }
}
