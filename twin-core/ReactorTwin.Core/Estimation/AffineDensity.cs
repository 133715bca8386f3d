using MathNet.Numerics.LinearAlgebra;
using ReactorTwin.Core.Estimation.Sampling;

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

    /// <summary>
    /// Langevin sampling with the dense preconditioner M = <paramref name="covariance"/>: samples v in the view
    /// u = c + L v (L the Cholesky factor of M) starting at v = 0 and maps the draws back to u. This is what
    /// <c>reactortwin fit --method mala</c> does with M the regularised inverse information at the MLE.
    /// </summary>
    /// <param name="density">Builds one density in u per chain.</param>
    /// <param name="centre">c, typically the MLE (must have a finite density).</param>
    /// <param name="covariance">M, symmetric positive definite.</param>
    /// <param name="options">Sampler options (the preconditioner option is applied to v, normally left null).</param>
    /// <exception cref="ArgumentException"><paramref name="covariance"/> is not positive definite.</exception>
    public static LangevinResult Sample(Func<ILogDensity> density, IReadOnlyList<double> centre, Matrix<double> covariance, LangevinOptions options)
    {
        ArgumentNullException.ThrowIfNull(density);
        ArgumentNullException.ThrowIfNull(centre);
        ArgumentNullException.ThrowIfNull(covariance);
        int d = centre.Count;
        var factor = covariance.Cholesky().Factor;
        var l = new double[d * d];
        for (int i = 0; i < d; i++)
        {
            for (int j = 0; j <= i; j++)
            {
                l[(i * d) + j] = factor[i, j];
            }
        }

        var view = new AffineDensity(density(), centre, l);
        return new LangevinSampler(options).Run(() => new AffineDensity(density(), centre, l), new double[d])
            .MapDraws((v, u) => view.ToOriginal(v, u));
    }
}
