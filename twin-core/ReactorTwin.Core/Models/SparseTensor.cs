using ReactorTwin.Core.Expressions;

namespace ReactorTwin.Core.Models;

/// <summary>
/// The non-zero entries T[i, l, c] = ∂²f_i/∂x_l∂y_c of a second-derivative tensor, as coordinate lists plus one
/// compiled delegate that evaluates all values at (z, θ). Entries that are identically zero are not stored, so
/// contractions cost O(non-zeros). Thread-safe; <see cref="Evaluate(double[], double[], double[])"/> writes into a caller array of length
/// <see cref="Count"/>.
/// </summary>
public sealed class SparseTensor
{
    private readonly VectorFunction _values;
    private readonly int[] _i, _l, _c;

    private SparseTensor(int[] i, int[] l, int[] c, VectorFunction values)
    {
        _i = i;
        _l = l;
        _c = c;
        _values = values;
    }

    /// <summary>Number of stored (structurally non-zero) entries.</summary>
    public int Count => _i.Length;

    /// <summary>First index (output component i) of each entry.</summary>
    public ReadOnlySpan<int> Output => _i;

    /// <summary>Second index (first differentiation variable l, a state component) of each entry.</summary>
    public ReadOnlySpan<int> First => _l;

    /// <summary>Third index (second differentiation variable c: a state component or a parameter) of each entry.</summary>
    public ReadOnlySpan<int> Second => _c;

    /// <summary>Evaluates every entry at (z, θ) into <paramref name="values"/> (length ≥ <see cref="Count"/>).</summary>
    public void Evaluate(double[] state, double[] parameters, double[] values) => _values(state, parameters, values);

    /// <summary>As <see cref="Evaluate(double[], double[], double[])"/>, into a buffer grown to <see cref="Count"/>
    /// when it is shorter (a caller's reusable scratch: no allocation once it is large enough).</summary>
    public void Evaluate(double[] state, double[] parameters, ref double[] values)
    {
        if (values.Length < Count)
        {
            values = new double[Count];
        }

        _values(state, parameters, values);
    }

    internal static SparseTensor Build(Expr[] f, SymbolKind firstKind, int firstCount, SymbolKind secondKind, int secondCount)
    {
        var i = new List<int>();
        var l = new List<int>();
        var c = new List<int>();
        var exprs = new List<Expr?>();
        for (int row = 0; row < f.Length; row++)
        {
            for (int a = 0; a < firstCount; a++)
            {
                var d1 = Algebra.Differentiate(f[row], firstKind, a);
                if (Algebra.IsZero(d1))
                {
                    continue;
                }

                for (int b = 0; b < secondCount; b++)
                {
                    var d2 = Algebra.Differentiate(d1, secondKind, b);
                    if (Algebra.IsZero(d2))
                    {
                        continue;
                    }

                    i.Add(row);
                    l.Add(a);
                    c.Add(b);
                    exprs.Add(d2);
                }
            }
        }

        return new SparseTensor([.. i], [.. l], [.. c], ExprCompiler.Compile(exprs));
    }
}
