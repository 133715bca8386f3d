using ReactorTwin.Core.Expressions;

namespace ReactorTwin.Core.Models;

/// <summary>
/// The rate laws of a <see cref="ReactionNetwork"/> compiled to delegates, with exact derivatives obtained by
/// symbolic differentiation of the expression trees (no finite differences anywhere).
/// <para>Notation (seed 001 eq. 2–3, 12): z = [s; X] ∈ ℝⁿ the state, θ ∈ ℝᵖ the parameters on their natural scale
/// (followed in the argument vector by the time t and the inputs u, <see cref="ArgumentCount"/>),
/// a(z; θ) ∈ ℝᴿ the channel rates (propensities per unit volume, Σ_i X_i ν(s; α_i) for per-phase reactions;
/// phase transitions are channels with rate β·X_from), S ∈ ℝⁿˣᴿ the full stoichiometry (species rows are the N of
/// the seed) and the drift b(z; θ) = S a(z; θ).</para>
/// <para>All methods write into caller-owned arrays of the documented sizes and do not allocate; they are safe
/// to call from several threads at once. Matrices are row-major.</para>
/// </summary>
public sealed class CompiledModel
{
    private readonly double[]? _stoichiometry;
    private readonly VectorFunction _rates;
    private readonly VectorFunction _rateStateJacobian;
    private readonly VectorFunction _rateParameterJacobian;
    private readonly VectorFunction _drift;
    private readonly VectorFunction _driftStateJacobian;
    private readonly VectorFunction _driftParameterJacobian;
    private readonly VectorFunction? _stoichiometryValues;
    private readonly bool[] _noisy;
    private readonly int[] _driftJacobianPattern;

    /// <summary>The sizes of a compiled model.</summary>
    internal readonly record struct Shape(int Species, int Phases, int Parameters, int Inputs);

    internal CompiledModel(Shape shape, IReadOnlyList<string> channelNames, Expr[] stoichiometry, Expr[] rates, bool[] deterministic)
    {
        SpeciesCount = shape.Species;
        PhaseCount = shape.Phases;
        ParameterCount = shape.Parameters;
        InputCount = shape.Inputs;
        ChannelNames = channelNames;
        StoichiometryExpressions = stoichiometry;
        RateExpressions = rates;
        int n = StateDimension;
        int m = ChannelCount;
        int speciesCount = shape.Species;
        int parameterCount = shape.Parameters;

        HasParameterStoichiometry = stoichiometry.Any(e => e is not Const);
        if (HasParameterStoichiometry)
        {
            _stoichiometryValues = ExprCompiler.Compile(stoichiometry);
        }
        else
        {
            _stoichiometry = [.. stoichiometry.Select(e => ((Const)e).Value)];
        }

        _noisy = new bool[m];
        for (int r = 0; r < m; r++)
        {
            for (int i = 0; i < speciesCount; i++)
            {
                _noisy[r] |= !Algebra.IsZero(stoichiometry[(i * m) + r]);
            }

            _noisy[r] &= !deterministic[r];
        }

        var drift = new Expr[n];
        for (int i = 0; i < n; i++)
        {
            Expr sum = Expr.Zero;
            for (int r = 0; r < m; r++)
            {
                var c = stoichiometry[(i * m) + r];
                if (!Algebra.IsZero(c))
                {
                    sum = Algebra.Add(sum, Algebra.Mul(c, rates[r]));
                }
            }

            drift[i] = sum;
        }

        DriftExpressions = drift;
        IsTimeDependent = rates.Any(e => Algebra.Uses(e, SymbolKind.Time) || Algebra.Uses(e, SymbolKind.Input));
        _rates = ExprCompiler.Compile(rates);
        _rateStateJacobian = ExprCompiler.Compile(Jacobian(rates, SymbolKind.State, n));
        _rateParameterJacobian = ExprCompiler.Compile(Jacobian(rates, SymbolKind.Parameter, parameterCount));
        _drift = ExprCompiler.Compile(drift);
        var driftJacobian = Jacobian(drift, SymbolKind.State, n);
        _driftJacobianPattern = Enumerable.Range(0, driftJacobian.Length).Where(e => driftJacobian[e] is not null).ToArray();
        _driftStateJacobian = ExprCompiler.Compile(driftJacobian);
        _driftParameterJacobian = ExprCompiler.Compile(Jacobian(drift, SymbolKind.Parameter, parameterCount));
    }

    /// <summary>Number of species (the stochastic part of the state).</summary>
    public int SpeciesCount { get; }

    /// <summary>Number of cell phases.</summary>
    public int PhaseCount { get; }

    /// <summary>n = species + cell phases.</summary>
    public int StateDimension => SpeciesCount + PhaseCount;

    /// <summary>p, the length of θ.</summary>
    public int ParameterCount { get; }

    /// <summary>Number of the model's inputs u.</summary>
    public int InputCount { get; }

    /// <summary>
    /// Length of the argument vector every method here reads as <c>parameters</c>: θ (p values), then the time t
    /// (slot <see cref="TimeSlot"/>), then the inputs u (slots <see cref="InputSlot"/>). A caller of a model whose
    /// formulas use neither t nor inputs (<see cref="IsTimeDependent"/> false) may pass θ alone.
    /// </summary>
    public int ArgumentCount => ParameterCount + 1 + InputCount;

    /// <summary>Slot of the time t in the argument vector (= p).</summary>
    public int TimeSlot => ParameterCount;

    /// <summary>Slot of input i in the argument vector.</summary>
    public int InputSlot(int input) => ParameterCount + 1 + input;

    /// <summary>True when some rate uses the time t or an input, so that the drift is not autonomous.</summary>
    public bool IsTimeDependent { get; }

    /// <summary>True when some stoichiometric coefficient is a formula of parameters (see <see cref="EvaluateStoichiometry"/>).</summary>
    public bool HasParameterStoichiometry { get; }

    /// <summary>R, the number of channels: reactions, then one per phase transition.</summary>
    public int ChannelCount => ChannelNames.Count;

    /// <summary>Channel names: reaction names, then <c>from-&gt;to</c> for transitions.</summary>
    public IReadOnlyList<string> ChannelNames { get; }

    /// <summary>
    /// The full stoichiometry S (n × R, row-major): S[i·R + r] is the change of z_i per unit extent of channel r.
    /// </summary>
    /// <exception cref="InvalidOperationException">Some coefficient depends on parameters: use <see cref="EvaluateStoichiometry"/>.</exception>
    public ReadOnlySpan<double> Stoichiometry => _stoichiometry
        ?? throw new InvalidOperationException("the stoichiometry of this model depends on parameters; evaluate it with EvaluateStoichiometry");

    /// <summary>S(θ) (n × R, row-major) into <paramref name="stoichiometry"/>; <paramref name="parameters"/> as for <see cref="Rates"/>.</summary>
    public void EvaluateStoichiometry(double[] parameters, double[] stoichiometry)
    {
        if (_stoichiometry is not null)
        {
            _stoichiometry.AsSpan().CopyTo(stoichiometry);
        }
        else
        {
            _stoichiometryValues!(parameters, parameters, stoichiometry);
        }
    }

    private VectorFunction? _stoichiometryParameterJacobian;

    /// <summary>
    /// ∂S/∂θ ((n·R) × p, row-major: entry (i·R + r)·p + k is ∂S_ir/∂θ_k) into <paramref name="jacobian"/>; zero for a
    /// model with numeric stoichiometry. Compiled on first use.
    /// </summary>
    public void StoichiometryParameterJacobian(double[] parameters, double[] jacobian)
    {
        if (!HasParameterStoichiometry)
        {
            Array.Clear(jacobian, 0, StoichiometryExpressions.Count * ParameterCount);
            return;
        }

        var f = Volatile.Read(ref _stoichiometryParameterJacobian) ?? LazyInitializer.EnsureInitialized(ref _stoichiometryParameterJacobian, () => ExprCompiler.Compile(Jacobian([.. StoichiometryExpressions], SymbolKind.Parameter, ParameterCount)));
        f(parameters, parameters, jacobian);
    }

    internal IReadOnlyList<Expr> StoichiometryExpressions { get; }

    internal IReadOnlyList<Expr> RateExpressions { get; }

    internal Expr[] DriftExpressions { get; }

    /// <summary>
    /// True when channel r changes at least one species, so that it is a stochastic event (SSA) and contributes
    /// N diag(a) Nᵀ / Ω to the diffusion (seed 001 eq. 3). Channels that only move cells between phases or
    /// grow them are deterministic (cell densities follow eq. 1), as are dilution and feed (docs/model-format.md).
    /// </summary>
    public bool IsStochasticChannel(int r) => _noisy[r];

    /// <summary>
    /// Channel rates a(z; θ, t, u), written to <paramref name="rates"/> (length R). <paramref name="parameters"/> is the
    /// argument vector (<see cref="ArgumentCount"/>: θ, t, u; θ alone for a model that uses neither t nor inputs); so
    /// for every method below.
    /// </summary>
    public void Rates(double[] state, double[] parameters, double[] rates) => _rates(state, parameters, rates);

    /// <summary>∂a/∂z (R × n, row-major) into <paramref name="jacobian"/>.</summary>
    public void RateStateJacobian(double[] state, double[] parameters, double[] jacobian) =>
        _rateStateJacobian(state, parameters, jacobian);

    /// <summary>∂a/∂θ (R × p, row-major) into <paramref name="jacobian"/>.</summary>
    public void RateParameterJacobian(double[] state, double[] parameters, double[] jacobian) =>
        _rateParameterJacobian(state, parameters, jacobian);

    /// <summary>Drift b(z; θ) = S a(z; θ) (seed 001 eq. 1 and the mean of eq. 3), length n.</summary>
    public void Drift(double[] state, double[] parameters, double[] drift) => _drift(state, parameters, drift);

    /// <summary>F = ∂b/∂z (n × n, row-major), the Jacobian used by the LNA covariance ODE (seed 001 eq. 13).</summary>
    public void DriftStateJacobian(double[] state, double[] parameters, double[] jacobian) =>
        _driftStateJacobian(state, parameters, jacobian);

    /// <summary>
    /// Flat row-major indices (i·n + l) of the structurally non-zero entries of F = ∂b/∂z, ascending. Every other
    /// entry of F, and of any second derivative ∂F/∂(·), is identically zero, so products with F can skip them.
    /// </summary>
    public ReadOnlySpan<int> DriftStateJacobianPattern => _driftJacobianPattern;

    /// <summary>The <see cref="DriftStateJacobianPattern"/> as separate row and column index arrays (new arrays).</summary>
    public (int[] Rows, int[] Columns) DriftStateJacobianRowsAndColumns()
    {
        var rows = new int[_driftJacobianPattern.Length];
        var columns = new int[_driftJacobianPattern.Length];
        for (int e = 0; e < rows.Length; e++)
        {
            rows[e] = _driftJacobianPattern[e] / StateDimension;
            columns[e] = _driftJacobianPattern[e] % StateDimension;
        }

        return (rows, columns);
    }

    /// <summary>∂b/∂θ (n × p, row-major).</summary>
    public void DriftParameterJacobian(double[] state, double[] parameters, double[] jacobian) =>
        _driftParameterJacobian(state, parameters, jacobian);

    private SparseTensor? _driftStateHessian;
    private SparseTensor? _driftMixedHessian;

    /// <summary>
    /// Non-zero second derivatives ∂²b_i/∂z_l∂z_j as a sparse list (i, l, j), compiled on first use. Used for the
    /// forward sensitivities of the LNA covariance (dF/dθ = Σ_j ∂F/∂z_j ∂η_j/∂θ + ∂F/∂θ).
    /// </summary>
    public SparseTensor DriftStateHessian => _driftStateHessian ??= SparseTensor.Build(DriftExpressions, SymbolKind.State, StateDimension, SymbolKind.State, StateDimension);

    /// <summary>Non-zero mixed second derivatives ∂²b_i/∂z_l∂θ_k as a sparse list (i, l, k), compiled on first use.</summary>
    public SparseTensor DriftMixedHessian => _driftMixedHessian ??= SparseTensor.Build(DriftExpressions, SymbolKind.State, StateDimension, SymbolKind.Parameter, ParameterCount);

    private Lna.LnaKernels? _lnaKernels;

    /// <summary>
    /// The generated LNA moment and adjoint kernels (derived and compiled on first use; 1/Ω is one of their inputs,
    /// so every system size shares them).
    /// </summary>
    internal Lna.LnaKernels LnaKernels => Volatile.Read(ref _lnaKernels) ?? LazyInitializer.EnsureInitialized(ref _lnaKernels, () => Lna.LnaKernels.Build(this));

    private SparseTensor? _rateMixedHessian;

    /// <summary>
    /// Non-zero mixed second derivatives ∂²a_r/∂z_l∂θ_k of the channel rates as a sparse list (r, l, k), compiled on
    /// first use. Used for the pathwise derivative of the Euler–Maruyama score in the design policy (seed 001 eq. 17).
    /// </summary>
    public SparseTensor RateMixedHessian => _rateMixedHessian ??= SparseTensor.Build([.. RateExpressions], SymbolKind.State, StateDimension, SymbolKind.Parameter, ParameterCount);

    /// <summary>The row-major Jacobian ∂f_r/∂(kind)_c of expressions (null where structurally zero).</summary>
    internal static Expr?[] Jacobian(Expr[] f, SymbolKind kind, int columns)
    {
        var j = new Expr?[f.Length * columns];
        for (int r = 0; r < f.Length; r++)
        {
            for (int c = 0; c < columns; c++)
            {
                var d = Algebra.Differentiate(f[r], kind, c);
                j[(r * columns) + c] = Algebra.IsZero(d) ? null : d;
            }
        }

        return j;
    }
}
