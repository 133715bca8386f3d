using ReactorTwin.Core.Expressions;
using ReactorTwin.Core.Models;

namespace ReactorTwin.Core.Lna;

/// <summary>
/// The LNA moment equations and their vector–Jacobian product generated as straight-line code by the symbolic layer
/// (one compiled delegate each, common subexpressions shared across all outputs; ADR 0011). With z = [η | Ψ] (Ψ packed,
/// <see cref="PackedSymmetric"/>):
/// <code>
/// Moments:  z ↦ [b(η) | (FΨ + ΨFᵀ + D)_e],  F = ∂b/∂z, D = Σ_r max(a_r, 0) s_r s_rᵀ/Ω
/// Adjoint:  [z | λ] ↦ [∂L/∂z | ∂L/∂θ],      L = λᵀ Moments(z; θ)
/// </code>
/// the second is the derivative of the first contracted with an adjoint vector λ (packed entries paired with the
/// packed outputs), which the reverse pass of the Kalman–LNA gradient needs at every stage of every step
/// (LnaAdjoint). Both are derived once per model and system size and are thread-safe.
/// </summary>
internal sealed class LnaKernels
{
    private readonly VectorFunction _moments;
    private readonly Lazy<VectorFunction> _adjoint;

    private LnaKernels(VectorFunction moments, Func<VectorFunction> adjoint)
    {
        _moments = moments;
        _adjoint = new Lazy<VectorFunction>(adjoint, LazyThreadSafetyMode.ExecutionAndPublication);
    }

    /// <summary>z = [η | Ψ] (length n + N) ↦ output [b | dΨ/dt] (length n + N).</summary>
    public void Moments(double[] z, double[] parameters, double[] output) => _moments(z, parameters, output);

    /// <summary>z = [η | Ψ | λ] (length 2(n + N)) ↦ output [∂L/∂η | ∂L/∂Ψ | ∂L/∂θ] (length n + N + p).</summary>
    public void Adjoint(double[] z, double[] parameters, double[] output) => _adjoint.Value(z, parameters, output);

    /// <summary>Derives and compiles the kernels of a model at system size Ω = 1/<paramref name="inverseSystemSize"/>.</summary>
    public static LnaKernels Build(CompiledModel model, double inverseSystemSize)
    {
        var outputs = MomentExpressions(model, inverseSystemSize);
        return new LnaKernels(ExprCompiler.Compile(outputs), () => ExprCompiler.Compile(AdjointExpressions(model, outputs)));
    }

    private static Expr[] MomentExpressions(CompiledModel m, double invOmega)
    {
        int n = m.StateDimension, ns = m.SpeciesCount, r = m.ChannelCount;
        var packing = new PackedSymmetric(n);
        int np = packing.Count;
        var drift = m.DriftExpressions;
        var f = new Expr[n, n];
        for (int i = 0; i < n; i++)
        {
            for (int l = 0; l < n; l++)
            {
                f[i, l] = Algebra.Differentiate(drift[i], SymbolKind.State, l);
            }
        }

        var psi = new Expr[np];
        for (int e = 0; e < np; e++)
        {
            psi[e] = new Sym($"psi{e}", SymbolKind.State, n + e);
        }

        var clamped = new Expr[r];
        var st = m.Stoichiometry;
        for (int c = 0; c < r; c++)
        {
            clamped[c] = Algebra.Apply(UnaryOp.PositivePart, m.RateExpressions[c]);
        }

        var outputs = new Expr[n + np];
        for (int i = 0; i < n; i++)
        {
            outputs[i] = drift[i];
        }

        for (int e = 0; e < np; e++)
        {
            int i = packing.Row[e], j = packing.Column[e];
            Expr sum = Expr.Zero;
            for (int l = 0; l < n; l++)
            {
                sum = Algebra.Add(sum, Algebra.Mul(f[i, l], psi[PackedSymmetric.Index(l, j)]));
                sum = Algebra.Add(sum, Algebra.Mul(f[j, l], psi[PackedSymmetric.Index(i, l)]));
            }

            if (i < ns)
            {
                for (int c = 0; c < r; c++)
                {
                    double w = st[(i * r) + c] * st[(j * r) + c] * invOmega;
                    if (w != 0.0 && m.IsStochasticChannel(c))
                    {
                        sum = Algebra.Add(sum, Algebra.Mul(new Const(w), clamped[c]));
                    }
                }
            }

            outputs[n + e] = sum;
        }

        return outputs;
    }

    private static Expr[] AdjointExpressions(CompiledModel m, Expr[] moments)
    {
        int dim = moments.Length, p = m.ParameterCount;
        Expr lagrangian = Expr.Zero;
        for (int i = 0; i < dim; i++)
        {
            lagrangian = Algebra.Add(lagrangian, Algebra.Mul(new Sym($"lambda{i}", SymbolKind.State, dim + i), moments[i]));
        }

        var outputs = new Expr[dim + p];
        for (int i = 0; i < dim; i++)
        {
            outputs[i] = Algebra.Differentiate(lagrangian, SymbolKind.State, i);
        }

        for (int k = 0; k < p; k++)
        {
            outputs[dim + k] = Algebra.Differentiate(lagrangian, SymbolKind.Parameter, k);
        }

        return outputs;
    }
}
