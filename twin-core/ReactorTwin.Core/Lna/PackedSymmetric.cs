using ReactorTwin.Core.Numerics;

namespace ReactorTwin.Core.Lna;

/// <summary>
/// Symmetric n × n matrices stored packed: the lower triangle row by row, entry (i, j) with j ≤ i at
/// i(i + 1)/2 + j, so N = n(n + 1)/2 numbers instead of n². Holds the index maps and the Lyapunov operator
/// X ↦ FX + XFᵀ on packed matrices, whose stage matrix I − hγ(F ⊕ F) the implicit LNA stages factor once and reuse
/// for the covariance and every covariance sensitivity. Allocation-free after construction; not thread-safe.
/// </summary>
internal sealed class PackedSymmetric
{
    private readonly int _n;
    private readonly double[] _lyapunov;
    private readonly int[] _pivots;

    public PackedSymmetric(int n)
    {
        _n = n;
        Count = n * (n + 1) / 2;
        Row = new int[Count];
        Column = new int[Count];
        for (int i = 0, e = 0; i < n; i++)
        {
            for (int j = 0; j <= i; j++, e++)
            {
                Row[e] = i;
                Column[e] = j;
            }
        }

        _lyapunov = new double[Count * Count];
        _pivots = new int[Count];
    }

    /// <summary>N = n(n + 1)/2.</summary>
    public int Count { get; }

    /// <summary>Row i of packed entry e.</summary>
    public int[] Row { get; }

    /// <summary>Column j ≤ i of packed entry e.</summary>
    public int[] Column { get; }

    /// <summary>Packed index of (i, j) for any order of i and j.</summary>
    public static int Index(int i, int j) => i >= j ? (i * (i + 1) / 2) + j : (j * (j + 1) / 2) + i;

    /// <summary>Expands a packed matrix into a full n × n one.</summary>
    public void Unpack(ReadOnlySpan<double> packed, Span<double> full)
    {
        int n = _n;
        for (int i = 0, e = 0; i < n; i++)
        {
            for (int j = 0; j <= i; j++, e++)
            {
                double v = packed[e];
                full[(i * n) + j] = v;
                full[(j * n) + i] = v;
            }
        }
    }

    /// <summary>Packs the symmetric part (A + Aᵀ)/2 of a full n × n matrix.</summary>
    public void Pack(ReadOnlySpan<double> full, Span<double> packed)
    {
        int n = _n;
        for (int i = 0, e = 0; i < n; i++)
        {
            for (int j = 0; j <= i; j++, e++)
            {
                packed[e] = 0.5 * (full[(i * n) + j] + full[(j * n) + i]);
            }
        }
    }

    /// <summary>packed = M + Mᵀ for a full n × n matrix M (the symmetric sum FΨ + ΨFᵀ when M = FΨ).</summary>
    public void PackSymmetricSum(ReadOnlySpan<double> m, Span<double> packed)
    {
        int n = _n;
        for (int i = 0, e = 0; i < n; i++)
        {
            for (int j = 0; j <= i; j++, e++)
            {
                packed[e] = m[(i * n) + j] + m[(j * n) + i];
            }
        }
    }

    /// <summary>
    /// Factors the stage matrix I − hγ L_F of the Lyapunov operator L_F(X) = FX + XFᵀ in packed coordinates
    /// (N × N, LU with partial pivoting). Row (i, j) of L_F has F_il at column (l, j) and F_jl at column (i, l).
    /// Returns false when the matrix is singular.
    /// </summary>
    public bool FactorStageMatrix(ReadOnlySpan<double> f, double hGamma)
    {
        int n = _n, nn = Count;
        var a = _lyapunov.AsSpan();
        a.Clear();
        for (int e = 0; e < nn; e++)
        {
            int i = Row[e], j = Column[e];
            var row = a.Slice(e * nn, nn);
            row[e] += 1.0;
            for (int l = 0; l < n; l++)
            {
                double fil = f[(i * n) + l], fjl = f[(j * n) + l];
                if (fil != 0.0)
                {
                    row[Index(l, j)] -= hGamma * fil;
                }

                if (fjl != 0.0)
                {
                    row[Index(i, l)] -= hGamma * fjl;
                }
            }
        }

        return SmallDense.TryLuFactor(a, nn, _pivots);
    }

    /// <summary>Solves (I − hγ L_F) X = B in place (packed) with the factors of <see cref="FactorStageMatrix"/>.</summary>
    public void SolveStage(Span<double> packed) => SmallDense.LuSolve(_lyapunov, Count, _pivots, packed);

    /// <summary>Solves (I − hγ L_F)ᵀ x = b in place (packed coordinates) with the same factors (adjoint stages).</summary>
    public void SolveStageTransposed(Span<double> packed) => SmallDense.LuSolveTransposed(_lyapunov, Count, _pivots, packed);
}
