using ReactorTwin.Core.Expressions;

namespace ReactorTwin.Core.Models;

/// <summary>
/// The events of a model compiled to delegates with their exact derivatives. Event e maps the state z⁻ just before
/// it to z⁺ = h_e(z⁻; θ, t, u) (components without an assignment unchanged); H_e = ∂h_e/∂z and ∂h_e/∂θ give the
/// sensitivity jump. A condition-triggered event has a root function g (true where g ≥ 0: <c>a &lt; b</c> is
/// g = b − a, <c>a &gt; b</c> is g = a − b) with its gradients, for locating the event time and for the shift of
/// the sensitivities with it:
/// <code>
/// s⁺ = H s⁻ + ∂h/∂θ + (H f⁻ + ∂h/∂t − f⁺) dτ/dθ,   dτ/dθ = −(∂g/∂z s⁻ + ∂g/∂θ) / (∂g/∂z f⁻ + ∂g/∂t)
/// </code>
/// (f⁻, f⁺ the drift just before and after; ∂/∂t includes the inputs' slopes). Arguments as for
/// <see cref="CompiledModel"/>: the argument vector θ, t, u. Thread-safe; methods write into caller arrays.
/// </summary>
internal sealed class CompiledEvents
{
    private readonly VectorFunction[] _value, _stateJacobian, _parameterJacobian, _timeDerivative;
    private readonly VectorFunction? _roots, _rootState, _rootParameter, _rootTime;
    private readonly Expr[][] _assignments;
    private readonly SparseTensor?[] _stateHessian, _mixedHessian;
    private readonly Expr[] _rootFunctions;
    private readonly bool[] _assignmentReadsTime;
    private SparseTensor? _rootStateHessian, _rootMixedHessian;
    private readonly int _n, _p, _inputs, _timeSlot;

    /// <param name="n">State dimension.</param>
    /// <param name="p">Parameter count.</param>
    /// <param name="inputs">Input count.</param>
    /// <param name="timeSlot">Slot of t in the argument vector (inputs follow).</param>
    /// <param name="assignments">Per event the n new values (identity where not assigned).</param>
    /// <param name="triggers">Per event its root function g, or null for a time event.</param>
    public CompiledEvents(int n, int p, int inputs, int timeSlot, Expr[][] assignments, Expr?[] triggers)
    {
        _n = n;
        _p = p;
        _inputs = inputs;
        _timeSlot = timeSlot;
        _assignments = assignments;
        int count = assignments.Length;
        _value = new VectorFunction[count];
        _stateJacobian = new VectorFunction[count];
        _parameterJacobian = new VectorFunction[count];
        _timeDerivative = new VectorFunction[count];
        _stateHessian = new SparseTensor?[count];
        _mixedHessian = new SparseTensor?[count];
        _assignmentReadsTime = new bool[count];
        for (int e = 0; e < count; e++)
        {
            var h = assignments[e];
            _assignmentReadsTime[e] = h.Any(ReadsTime);
            _value[e] = ExprCompiler.Compile(h);
            _stateJacobian[e] = ExprCompiler.Compile(Jacobian(h, SymbolKind.State, n, 0));
            _parameterJacobian[e] = ExprCompiler.Compile(Jacobian(h, SymbolKind.Parameter, p, 0));
            _timeDerivative[e] = ExprCompiler.Compile(TimeDerivatives(h));
        }

        var roots = new List<Expr>();
        var rootEvent = new List<int>();
        for (int e = 0; e < count; e++)
        {
            if (triggers[e] is { } g)
            {
                roots.Add(g);
                rootEvent.Add(e);
            }
        }

        RootEvent = [.. rootEvent];
        _rootFunctions = [.. roots];
        RootsReadTime = roots.Any(ReadsTime);
        if (roots.Count > 0)
        {
            var g = roots.ToArray();
            _roots = ExprCompiler.Compile(g);
            _rootState = ExprCompiler.Compile(Jacobian(g, SymbolKind.State, n, 0));
            _rootParameter = ExprCompiler.Compile(Jacobian(g, SymbolKind.Parameter, p, 0));
            _rootTime = ExprCompiler.Compile(TimeDerivatives(g));
        }
    }

    /// <summary>Number of events.</summary>
    public int Count => _value.Length;

    /// <summary>For each root function (condition-triggered event, in declaration order) the event it triggers.</summary>
    public int[] RootEvent { get; }

    /// <summary>True when some root function reads t or an input, so that it can change while the state holds still.</summary>
    public bool RootsReadTime { get; }

    /// <summary>Number of root functions.</summary>
    public int RootCount => RootEvent.Length;

    /// <summary>z⁺ = h_e(z⁻) into <paramref name="result"/> (length n; must not be <paramref name="state"/>).</summary>
    public void Apply(int e, double[] state, double[] arguments, double[] result) => _value[e](state, arguments, result);

    /// <summary>H_e = ∂h_e/∂z (n × n, row-major).</summary>
    public void StateJacobian(int e, double[] state, double[] arguments, double[] jacobian) => _stateJacobian[e](state, arguments, jacobian);

    /// <summary>∂h_e/∂θ (n × p, row-major).</summary>
    public void ParameterJacobian(int e, double[] state, double[] arguments, double[] jacobian) => _parameterJacobian[e](state, arguments, jacobian);

    /// <summary>
    /// ∂h_e/∂t and ∂h_e/∂u (n × (1 + inputs), row-major: column 0 the explicit time derivative, column 1 + i the
    /// derivative by input i, to be combined with the inputs' slopes).
    /// </summary>
    public void TimeDerivative(int e, double[] state, double[] arguments, double[] derivative) => _timeDerivative[e](state, arguments, derivative);

    /// <summary>g_j for every root function.</summary>
    public void Roots(double[] state, double[] arguments, double[] roots) => _roots?.Invoke(state, arguments, roots);

    /// <summary>∂g/∂z (roots × n), ∂g/∂θ (roots × p) and ∂g/∂(t, u) (roots × (1 + inputs)).</summary>
    public void RootGradients(double[] state, double[] arguments, double[] stateGradient, double[] parameterGradient, double[] timeGradient)
    {
        _rootState?.Invoke(state, arguments, stateGradient);
        _rootParameter?.Invoke(state, arguments, parameterGradient);
        _rootTime?.Invoke(state, arguments, timeGradient);
    }

    /// <summary>Non-zero ∂²h_e,i/∂z_l∂z_j (compiled on first use; for the LNA covariance sensitivities).</summary>
    public SparseTensor StateHessian(int e) =>
        Volatile.Read(ref _stateHessian[e]) ?? LazyInitializer.EnsureInitialized(ref _stateHessian[e], () => SparseTensor.Build(_assignments[e], SymbolKind.State, _n, SymbolKind.State, _n))!;

    /// <summary>Non-zero ∂²h_e,i/∂z_l∂θ_k (compiled on first use).</summary>
    public SparseTensor MixedHessian(int e) =>
        Volatile.Read(ref _mixedHessian[e]) ?? LazyInitializer.EnsureInitialized(ref _mixedHessian[e], () => SparseTensor.Build(_assignments[e], SymbolKind.State, _n, SymbolKind.Parameter, _p))!;

    /// <summary>True when an assignment of event <paramref name="e"/> reads t or an input.</summary>
    public bool AssignmentReadsTime(int e) => _assignmentReadsTime[e];

    /// <summary>True when root function <paramref name="root"/> reads t or an input.</summary>
    public bool RootReadsTime(int root) => ReadsTime(_rootFunctions[root]);

    /// <summary>Non-zero ∂²g_j/∂z_l∂z_i of the root functions (output j; compiled on first use).</summary>
    public SparseTensor RootStateHessian =>
        Volatile.Read(ref _rootStateHessian) ?? LazyInitializer.EnsureInitialized(ref _rootStateHessian, () => SparseTensor.Build(_rootFunctions, SymbolKind.State, _n, SymbolKind.State, _n));

    /// <summary>Non-zero ∂²g_j/∂z_l∂θ_k of the root functions (compiled on first use).</summary>
    public SparseTensor RootMixedHessian =>
        Volatile.Read(ref _rootMixedHessian) ?? LazyInitializer.EnsureInitialized(ref _rootMixedHessian, () => SparseTensor.Build(_rootFunctions, SymbolKind.State, _n, SymbolKind.Parameter, _p));

    private static bool ReadsTime(Expr e) => Algebra.Uses(e, SymbolKind.Time) || Algebra.Uses(e, SymbolKind.Input);

    private Expr?[] TimeDerivatives(Expr[] f)
    {
        int columns = 1 + _inputs;
        var d = new Expr?[f.Length * columns];
        for (int r = 0; r < f.Length; r++)
        {
            d[r * columns] = NullIfZero(Algebra.Differentiate(f[r], SymbolKind.Time, _timeSlot));
            for (int i = 0; i < _inputs; i++)
            {
                d[(r * columns) + 1 + i] = NullIfZero(Algebra.Differentiate(f[r], SymbolKind.Input, _timeSlot + 1 + i));
            }
        }

        return d;
    }

    private static Expr?[] Jacobian(Expr[] f, SymbolKind kind, int columns, int offset)
    {
        var j = new Expr?[f.Length * columns];
        for (int r = 0; r < f.Length; r++)
        {
            for (int c = 0; c < columns; c++)
            {
                j[(r * columns) + c] = NullIfZero(Algebra.Differentiate(f[r], kind, offset + c));
            }
        }

        return j;
    }

    private static Expr? NullIfZero(Expr e) => Algebra.IsZero(e) ? null : e;
}
