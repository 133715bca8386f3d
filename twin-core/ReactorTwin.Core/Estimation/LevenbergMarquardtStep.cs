namespace ReactorTwin.Core.Estimation;

/// <summary>
/// The trust-region step of <see cref="LevenbergMarquardt"/> (Moré 1978): on the free parameters F,
/// (A_FF + λ D_F²) p_F = −g_F by Cholesky, with λ = 0 when the Gauss–Newton step fits in the radius Δ, else λ found by
/// Newton's method on 1/‖Dp‖ − 1/Δ = 0, safeguarded in [0, ‖D⁻¹g‖/Δ], to ‖Dp‖ within 10 % of Δ. Works on the
/// optimiser's arrays (A, g, D, the free list, p) and its own factor; allocation-free.
/// </summary>
internal sealed class LevenbergMarquardtStep(int dimension, double[] a, double[] g, double[] scale, int[] free, double[] p)
{
    private readonly int _d = dimension;
    private readonly double[] _a = a, _g = g, _scale = scale, _p = p;
    private readonly int[] _free = free;
    private readonly double[] _chol = new double[dimension * dimension], _q = new double[dimension], _w = new double[dimension];

    /// <summary>
    /// The step p on the free parameters (0 on the fixed ones) for trust radius Δ: Gauss–Newton if it fits, else the
    /// λ &gt; 0 with ‖Dp‖ within 10 % of Δ. Returns λ.
    /// </summary>
    public double Compute(int free, double radius, double previousLambda)
    {
        Array.Clear(_p);
        if (Solve(free, 0) && Norm(free, scaled: true) <= 1.1 * radius)
        {
            return 0;
        }

        // Bounds on λ: 0 below, ‖D⁻¹g‖/Δ above (where ‖Dp‖ ≤ ‖D⁻¹g‖/λ ≤ Δ).
        double gs = 0;
        for (int f = 0; f < free; f++)
        {
            int j = _free[f];
            gs += _g[j] * _g[j] / (_scale[j] * _scale[j]);
        }

        double low = 0, high = Math.Sqrt(gs) / radius;
        double lambda = previousLambda > low && previousLambda < high ? previousLambda : 1e-3 * high;
        for (int it = 0; it < 10; it++)
        {
            if (!(lambda > low && lambda < high))
            {
                lambda = Math.Max(1e-3 * high, Math.Sqrt(low * high));
            }

            if (!Solve(free, lambda))
            {
                low = lambda;
                continue;
            }

            double qn = Norm(free, scaled: true), phi = qn - radius;
            if (Math.Abs(phi) <= 0.1 * radius)
            {
                break;
            }

            if (phi > 0)
            {
                low = Math.Max(low, lambda);
            }
            else
            {
                high = Math.Min(high, lambda);
            }

            // Newton on 1/‖Dp‖ − 1/Δ: λ += ((‖q‖ − Δ)/Δ) ‖q‖² / (wᵀ M⁻¹ w), w = D² p.
            for (int f = 0; f < free; f++)
            {
                int j = _free[f];
                _w[f] = _scale[j] * _scale[j] * _p[j];
            }

            CholeskySolve(free, _w);
            double wmw = 0;
            for (int f = 0; f < free; f++)
            {
                int j = _free[f];
                wmw += _scale[j] * _scale[j] * _p[j] * _w[f];
            }

            lambda = Math.Max(low, lambda + (phi / radius * qn * qn / wmw));
        }

        return lambda;
    }

    /// <summary>Solves (A_FF + λ D_F²) p_F = −g_F by Cholesky; false when the matrix is not (numerically) positive definite.</summary>
    private bool Solve(int free, double lambda)
    {
        int d = _d;
        double largest = 0;
        for (int a = 0; a < free; a++)
        {
            int ja = _free[a];
            for (int b = 0; b <= a; b++)
            {
                int jb = _free[b];
                _chol[(a * d) + b] = _a[(ja * d) + jb] + (a == b ? lambda * _scale[ja] * _scale[ja] : 0);
            }

            largest = Math.Max(largest, _chol[(a * d) + a]);
        }

        for (int a = 0; a < free; a++)
        {
            for (int b = 0; b <= a; b++)
            {
                double sum = _chol[(a * d) + b];
                for (int k = 0; k < b; k++)
                {
                    sum -= _chol[(a * d) + k] * _chol[(b * d) + k];
                }

                if (a == b)
                {
                    if (!(sum > 1e-14 * largest))
                    {
                        return false;
                    }

                    _chol[(a * d) + a] = Math.Sqrt(sum);
                }
                else
                {
                    _chol[(a * d) + b] = sum / _chol[(b * d) + b];
                }
            }
        }

        for (int f = 0; f < free; f++)
        {
            _q[f] = -_g[_free[f]];
        }

        CholeskySolve(free, _q);
        Array.Clear(_p);
        for (int f = 0; f < free; f++)
        {
            _p[_free[f]] = _q[f];
        }

        return true;
    }

    /// <summary>x ← (L Lᵀ)⁻¹ x with the factor in <c>_chol</c> (free × free, lower triangle).</summary>
    private void CholeskySolve(int free, double[] x)
    {
        int d = _d;
        for (int a = 0; a < free; a++)
        {
            double sum = x[a];
            for (int k = 0; k < a; k++)
            {
                sum -= _chol[(a * d) + k] * x[k];
            }

            x[a] = sum / _chol[(a * d) + a];
        }

        for (int a = free - 1; a >= 0; a--)
        {
            double sum = x[a];
            for (int k = a + 1; k < free; k++)
            {
                sum -= _chol[(k * d) + a] * x[k];
            }

            x[a] = sum / _chol[(a * d) + a];
        }
    }


    private double Norm(int free, bool scaled)
    {
        double sum = 0;
        for (int f = 0; f < free; f++)
        {
            int j = _free[f];
            double v = scaled ? _scale[j] * _p[j] : _p[j];
            sum += v * v;
        }

        return Math.Sqrt(sum);
    }
}
