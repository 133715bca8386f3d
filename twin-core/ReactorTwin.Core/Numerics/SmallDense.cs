namespace ReactorTwin.Core.Numerics;

/// <summary>
/// Allocation-free dense kernels for the small matrices of the LNA and the Kalman filter (row-major spans).
/// Sizes are a handful of species, so straightforward loops beat a general BLAS call and allocate nothing.
/// </summary>
public static class SmallDense
{
    /// <summary>
    /// In-place Cholesky factorisation A = L Lᵀ of a symmetric n × n matrix (lower triangle read; L written to the
    /// lower triangle, upper triangle zeroed). Returns false, leaving <paramref name="a"/> partly overwritten,
    /// when A is not numerically positive definite.
    /// </summary>
    public static bool TryCholesky(Span<double> a, int n)
    {
        for (int j = 0; j < n; j++)
        {
            double d = a[(j * n) + j];
            for (int k = 0; k < j; k++)
            {
                d -= a[(j * n) + k] * a[(j * n) + k];
            }

            if (!(d > 0) || !double.IsFinite(d))
            {
                return false;
            }

            double ljj = Math.Sqrt(d);
            a[(j * n) + j] = ljj;
            for (int i = j + 1; i < n; i++)
            {
                double s = a[(i * n) + j];
                for (int k = 0; k < j; k++)
                {
                    s -= a[(i * n) + k] * a[(j * n) + k];
                }

                a[(i * n) + j] = s / ljj;
            }

            for (int i = 0; i < j; i++)
            {
                a[(i * n) + j] = 0.0;
            }
        }

        return true;
    }

    /// <summary>Solves L Lᵀ x = b in place for a Cholesky factor from <see cref="TryCholesky"/>.</summary>
    public static void CholeskySolve(ReadOnlySpan<double> l, int n, Span<double> b)
    {
        for (int i = 0; i < n; i++)
        {
            double s = b[i];
            for (int k = 0; k < i; k++)
            {
                s -= l[(i * n) + k] * b[k];
            }

            b[i] = s / l[(i * n) + i];
        }

        for (int i = n - 1; i >= 0; i--)
        {
            double s = b[i];
            for (int k = i + 1; k < n; k++)
            {
                s -= l[(k * n) + i] * b[k];
            }

            b[i] = s / l[(i * n) + i];
        }
    }

    /// <summary>log det A = 2 Σ log L_ii from a Cholesky factor.</summary>
    public static double CholeskyLogDeterminant(ReadOnlySpan<double> l, int n)
    {
        double s = 0;
        for (int i = 0; i < n; i++)
        {
            s += Math.Log(l[(i * n) + i]);
        }

        return 2.0 * s;
    }

    /// <summary>Replaces a square matrix by (A + Aᵀ)/2.</summary>
    public static void Symmetrize(Span<double> a, int n)
    {
        for (int i = 0; i < n; i++)
        {
            for (int j = i + 1; j < n; j++)
            {
                double v = 0.5 * (a[(i * n) + j] + a[(j * n) + i]);
                a[(i * n) + j] = v;
                a[(j * n) + i] = v;
            }
        }
    }
}
