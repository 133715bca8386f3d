using ReactorTwin.Core.Expressions;

namespace ReactorTwin.Core.Models;

/// <summary>
/// A model's observables compiled with their exact derivatives: the predictions μ_o = h_o(z; θ, t, u) of every
/// observable o, ∂h/∂z (o × n) and ∂h/∂θ (o × p), the second derivatives the LNA's forward sensitivities need, and the
/// noise SD formulas σ_o(z; θ, t, u) (0 for an observable without one) with their derivatives. Measurement channels
/// number the states 0..n−1 and the observables n..n+o−1 after them (<see cref="Inference.ObservationTime.Components"/>).
/// Arguments as for <see cref="CompiledModel"/> (θ, t, u). Thread-safe; methods write into caller arrays and do not
/// allocate.
/// </summary>
public sealed class CompiledObservables
{
    private readonly Expr[] _values;
    private readonly VectorFunction _value, _stateJacobian, _parameterJacobian, _sd, _sdState, _sdParameter;
    private readonly int _n, _p;
    private SparseTensor? _stateHessian, _mixedHessian;

    internal CompiledObservables(int n, int p, Expr[] values, Expr?[] sd, IReadOnlyList<Observable> definitions)
    {
        _n = n;
        _p = p;
        _values = values;
        Definitions = definitions;
        HasSdFormula = [.. sd.Select(e => e is not null)];
        var sdOrZero = sd.Select(e => e ?? Expr.Zero).ToArray();
        _value = ExprCompiler.Compile(values);
        _stateJacobian = ExprCompiler.Compile(CompiledModel.Jacobian(values, SymbolKind.State, n));
        _parameterJacobian = ExprCompiler.Compile(CompiledModel.Jacobian(values, SymbolKind.Parameter, p));
        _sd = ExprCompiler.Compile(sdOrZero);
        _sdState = ExprCompiler.Compile(CompiledModel.Jacobian(sdOrZero, SymbolKind.State, n));
        _sdParameter = ExprCompiler.Compile(CompiledModel.Jacobian(sdOrZero, SymbolKind.Parameter, p));
        IsLinear = values.All(v => Enumerable.Range(0, n).All(j => !Algebra.Uses(Algebra.Differentiate(v, SymbolKind.State, j), SymbolKind.State)));
    }

    /// <summary>Number of observables.</summary>
    public int Count => _values.Length;

    /// <summary>The observables as defined.</summary>
    public IReadOnlyList<Observable> Definitions { get; }

    /// <summary>Per observable: whether its noise SD is a formula (and so depends on θ or the state).</summary>
    public IReadOnlyList<bool> HasSdFormula { get; }

    /// <summary>True when every observable is linear in the state (∂h/∂z does not depend on z).</summary>
    public bool IsLinear { get; }

    /// <summary>μ_o for every observable into <paramref name="values"/>.</summary>
    public void Values(double[] state, double[] arguments, double[] values) => _value(state, arguments, values);

    /// <summary>∂h/∂z (observables × n, row-major).</summary>
    public void StateJacobian(double[] state, double[] arguments, double[] jacobian) => _stateJacobian(state, arguments, jacobian);

    /// <summary>∂h/∂θ (observables × p, row-major).</summary>
    public void ParameterJacobian(double[] state, double[] arguments, double[] jacobian) => _parameterJacobian(state, arguments, jacobian);

    /// <summary>σ_o of the SD formulas (0 where there is none).</summary>
    public void StandardDeviations(double[] state, double[] arguments, double[] sd) => _sd(state, arguments, sd);

    /// <summary>∂σ/∂z (observables × n) and ∂σ/∂θ (observables × p) of the SD formulas.</summary>
    public void StandardDeviationJacobians(double[] state, double[] arguments, double[] stateJacobian, double[] parameterJacobian)
    {
        _sdState(state, arguments, stateJacobian);
        _sdParameter(state, arguments, parameterJacobian);
    }

    /// <summary>Non-zero ∂²h_o/∂z_l∂z_j (compiled on first use; later reads allocate nothing).</summary>
    public SparseTensor StateHessian => Volatile.Read(ref _stateHessian) ?? LazyInitializer.EnsureInitialized(ref _stateHessian, () => SparseTensor.Build(_values, SymbolKind.State, _n, SymbolKind.State, _n));

    /// <summary>Non-zero ∂²h_o/∂z_l∂θ_k (compiled on first use).</summary>
    public SparseTensor MixedHessian => Volatile.Read(ref _mixedHessian) ?? LazyInitializer.EnsureInitialized(ref _mixedHessian, () => SparseTensor.Build(_values, SymbolKind.State, _n, SymbolKind.Parameter, _p));
}
