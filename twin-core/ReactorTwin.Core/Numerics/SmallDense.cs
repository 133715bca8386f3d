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
    /// <summary>
    /// In-place LU factorisation with partial pivoting, P A = L U, of a general n × n matrix (row-major; L unit lower
    /// and U written over A, row interchanges in <paramref name="pivots"/>). Returns false when a pivot is zero or
    /// not finite (A numerically singular).
    /// </summary>
    public static bool TryLuFactor(Span<double> a, int n, Span<int> pivots)
    {
        for (int k = 0; k < n; k++)
        {
            int p = k;
            double max = Math.Abs(a[(k * n) + k]);
            for (int i = k + 1; i < n; i++)
            {
                double v = Math.Abs(a[(i * n) + k]);
                if (v > max)
                {
                    max = v;
                    p = i;
                }
            }

            pivots[k] = p;
            if (!(max > 0) || !double.IsFinite(max))
            {
                return false;
            }

            if (p != k)
            {
                var rk = a.Slice(k * n, n);
                var rp = a.Slice(p * n, n);
                for (int j = 0; j < n; j++)
                {
                    (rk[j], rp[j]) = (rp[j], rk[j]);
                }
            }

            double inv = 1.0 / a[(k * n) + k];
            var rowK = a.Slice((k * n) + k + 1, n - k - 1);
            for (int i = k + 1; i < n; i++)
            {
                double l = a[(i * n) + k] * inv;
                a[(i * n) + k] = l;
                if (l == 0.0)
                {
                    continue;
                }

                var rowI = a.Slice((i * n) + k + 1, n - k - 1);
                for (int j = 0; j < rowI.Length; j++)
                {
                    rowI[j] -= l * rowK[j];
                }
            }
        }

        return true;
    }

    /// <summary>Solves A x = b in place for a factorisation from <see cref="TryLuFactor"/>.</summary>
    public static void LuSolve(ReadOnlySpan<double> lu, int n, ReadOnlySpan<int> pivots, Span<double> b)
    {
        for (int k = 0; k < n; k++)
        {
            int p = pivots[k];
            if (p != k)
            {
                (b[k], b[p]) = (b[p], b[k]);
            }
        }

        for (int i = 1; i < n; i++)
        {
            double s = b[i];
            var row = lu.Slice(i * n, i);
            for (int k = 0; k < row.Length; k++)
            {
                s -= row[k] * b[k];
            }

            b[i] = s;
        }

        for (int i = n - 1; i >= 0; i--)
        {
            double s = b[i];
            for (int k = i + 1; k < n; k++)
            {
                s -= lu[(i * n) + k] * b[k];
            }

            b[i] = s / lu[(i * n) + i];
        }
    }

    /// <summary>Solves Aᵀ x = b in place for a factorisation P A = L U from <see cref="TryLuFactor"/>.</summary>
    public static void LuSolveTransposed(ReadOnlySpan<double> lu, int n, ReadOnlySpan<int> pivots, Span<double> b)
    {
        // Aᵀ = Uᵀ Lᵀ P: solve Uᵀ w = b (forward), Lᵀ z = w (backward, unit diagonal), then x = Pᵀ z.
        for (int i = 0; i < n; i++)
        {
            double s = b[i];
            for (int k = 0; k < i; k++)
            {
                s -= lu[(k * n) + i] * b[k];
            }

            b[i] = s / lu[(i * n) + i];
        }

        for (int i = n - 1; i >= 0; i--)
        {
            double s = b[i];
            for (int k = i + 1; k < n; k++)
            {
                s -= lu[(k * n) + i] * b[k];
            }

            b[i] = s;
        }

        for (int k = n - 1; k >= 0; k--)
        {
            int p = pivots[k];
            if (p != k)
            {
                (b[k], b[p]) = (b[p], b[k]);
            }
        }
    }

    /// <summary>
    /// Estimates the spectral radius max |λ_i| of a square matrix by power iteration from a fixed start vector,
    /// taking the geometric mean of the last two growth factors ‖Ax‖/‖x‖ so that a dominant complex pair is measured
    /// too. An estimate from below (it approaches ρ(A) as the iteration converges); <paramref name="work"/> needs 2n.
    /// </summary>
    public static double SpectralRadius(ReadOnlySpan<double> a, int n, Span<double> work, int iterations = 8)
    {
        var x = work[..n];
        var y = work.Slice(n, n);
        for (int i = 0; i < n; i++)
        {
            x[i] = 1.0 + (0.5 * ((i * 0.618034) % 1.0)); // a fixed, generic start vector
        }

        double scale = Norm2(x);
        for (int i = 0; i < n; i++)
        {
            x[i] /= scale;
        }

        double previous = 0, estimate = 0;
        for (int m = 1; m <= iterations; m++)
        {
            for (int i = 0; i < n; i++)
            {
                double s = 0;
                var row = a.Slice(i * n, n);
                for (int j = 0; j < n; j++)
                {
                    s += row[j] * x[j];
                }

                y[i] = s;
            }

            double growth = Norm2(y);
            if (!double.IsFinite(growth))
            {
                return double.PositiveInfinity;
            }

            if (!(growth > 0))
            {
                return estimate; // x in the null space: nothing more to learn
            }

            estimate = m == 1 ? growth : Math.Sqrt(growth * previous);
            previous = growth;
            for (int i = 0; i < n; i++)
            {
                x[i] = y[i] / growth;
            }
        }

        return estimate;
    }

    private static double Norm2(ReadOnlySpan<double> v)
    {
        double s = 0;
        foreach (double x in v)
        {
            s += x * x;
        }

        return Math.Sqrt(s);
    }
}
