using ReactorTwin.Core.Models;
using ReactorTwin.Core.Numerics;

namespace ReactorTwin.Core.Lna;

/// <summary>How the LNA moment equations are integrated.</summary>
public enum LnaIntegrator
{
    /// <summary>
    /// Adaptive <see cref="OdeSolver"/> (default): Dormand–Prince 5(4) switching automatically to the implicit
    /// ESDIRK4(3) when the moment equations are stiff (<see cref="LnaOptions.Tolerances"/> sets tolerances and method).
    /// </summary>
    Adaptive,

    /// <summary>Fixed-step explicit Euler, the form of seed 001 eq. 15–16 (for reproducing the paper).</summary>
    Euler,
}

/// <summary>How <see cref="Inference.KalmanLnaLikelihood"/> computes its exact gradient.</summary>
public enum LnaGradientMethod
{
    /// <summary>
    /// Reverse mode (default with the adaptive integrator): the filter runs on mean and covariance only, recording its
    /// steps, then the discrete adjoint goes back through the Kalman updates and the Runge–Kutta steps (ADR 0011). The
    /// cost is about three likelihood evaluations whatever the number of parameters.
    /// </summary>
    Adjoint,

    /// <summary>Forward sensitivities ∂η/∂θ_k, ∂Ψ/∂θ_k integrated with the moments (seed 001 Lemma 2); needed for the Euler form.</summary>
    Forward,
}

/// <summary>Options of <see cref="LnaSolver"/>.</summary>
public sealed record LnaOptions
{
    /// <summary>Integrator; default <see cref="LnaIntegrator.Adaptive"/>.</summary>
    public LnaIntegrator Integrator { get; init; } = LnaIntegrator.Adaptive;

    /// <summary>Tolerances and method of the adaptive integrator (default rtol 1e−6, atol 1e−9, automatic switching).</summary>
    public OdeOptions Tolerances { get; init; } = new() { RelativeTolerance = 1e-6, AbsoluteTolerance = 1e-9 };

    /// <summary>Step of the Euler form (h), &gt; 0. Default 0.1 h.</summary>
    public double EulerStepHours { get; init; } = 0.1;

    /// <summary>
    /// Whether the sensitivities enter the adaptive error control (default true, the safe choice). With false only
    /// mean and covariance control the step and the sensitivities are integrated on the same steps (CVODES's
    /// errconS = false): fewer steps, gradient accurate to about the same relative tolerance in practice.
    /// </summary>
    public bool SensitivityErrorControl { get; init; } = true;

    /// <summary>System size Ω; null for the model's.</summary>
    public double? SystemSize { get; init; }

    /// <summary>How the Kalman–LNA likelihood differentiates (default <see cref="LnaGradientMethod.Adjoint"/>; the Euler form always uses forward sensitivities).</summary>
    public LnaGradientMethod Gradient { get; init; } = LnaGradientMethod.Adjoint;
}

/// <summary>
/// Linear noise approximation of a <see cref="ReactionNetwork"/> (seed 001 section 5.1, eq. 12–16; seed 000):
/// propagates the mean η, the covariance Ψ and, for the chosen parameters, their exact forward sensitivities
/// (see <see cref="LnaSystem"/> for the equations). Covariances are integrated packed (n(n + 1)/2 numbers, symmetric
/// by construction) and checked for positive semi-definiteness after every propagation; a loss is reported as an
/// <see cref="LnaException"/>.
/// After construction, <see cref="Propagate"/> allocates nothing. Not thread-safe.
/// </summary>
public sealed class LnaSolver
{
    private readonly LnaSystem _system;
    private readonly OdeSolver? _adaptive;
    private readonly Simulation.TrajectoryDriver? _driver;
    private readonly double[] _y, _yOut, _k, _check;
    private readonly double[] _times = new double[1];
    private readonly int _n, _q, _np;

    /// <summary>Creates a solver.</summary>
    /// <param name="model">The model.</param>
    /// <param name="sensitivityParameters">Indices into θ of the parameters to differentiate by (may be empty).</param>
    /// <param name="options">Options; null for defaults.</param>
    public LnaSolver(ReactionNetwork model, IReadOnlyList<int> sensitivityParameters, LnaOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(sensitivityParameters);
        Options = options ?? new LnaOptions();
        if (Options.Integrator == LnaIntegrator.Euler && !(Options.EulerStepHours > 0))
        {
            throw new ArgumentOutOfRangeException(nameof(options), Options.EulerStepHours, "the Euler step must be > 0 hours");
        }

        foreach (int k in sensitivityParameters)
        {
            if (k < 0 || k >= model.Parameters.Count)
            {
                throw new ArgumentOutOfRangeException(nameof(sensitivityParameters), k, $"model '{model.Name}' has {model.Parameters.Count} parameters");
            }
        }

        Model = model;
        double omega = Options.SystemSize ?? model.SystemSize;
        _system = new LnaSystem(model, [.. sensitivityParameters], omega);
        SensitivityParameters = [.. sensitivityParameters];
        _n = model.StateDimension;
        _np = _system.PackedCount;
        _q = SensitivityParameters.Count;
        _y = new double[_system.Dimension];
        _yOut = new double[_system.Dimension];
        _k = new double[_system.Dimension];
        _check = new double[_n * _n];
        if (Options.Integrator == LnaIntegrator.Adaptive)
        {
            var tolerances = Options.SensitivityErrorControl
                ? Options.Tolerances
                : Options.Tolerances with { ErrorControlComponents = _n + _np };
            _adaptive = new OdeSolver(_system.Dimension, tolerances);
            _driver = new Simulation.TrajectoryDriver(model, _adaptive);
        }
        else if (model.Inputs.Count > 0 || model.Events.Count > 0)
        {
            throw new NotSupportedException($"model '{model.Name}' has inputs or events, which the fixed-step Euler form of the LNA does not handle; use the adaptive integrator");
        }
    }

    /// <summary>The model.</summary>
    public ReactionNetwork Model { get; }

    /// <summary>The options in force.</summary>
    public LnaOptions Options { get; }

    /// <summary>Indices into θ of the sensitivity parameters, in the order of the state's sensitivity rows.</summary>
    public IReadOnlyList<int> SensitivityParameters { get; }

    /// <summary>Accepted integrator steps since construction (diagnostics).</summary>
    public long AcceptedSteps { get; private set; }

    /// <summary>Right-hand-side evaluations since construction (diagnostics).</summary>
    public long Evaluations { get; private set; }

    /// <summary>Accepted steps of the implicit (stiff) method since construction (diagnostics).</summary>
    public long ImplicitSteps { get; private set; }

    /// <summary>Creates a state shaped for this solver.</summary>
    public LnaState CreateState() => new(_n, _q);

    /// <summary>n + n(n + 1)/2: the length of a packed mean-and-covariance vector (the adjoint's length).</summary>
    internal int PackedStateLength => _n + _np;

    /// <summary>The packing of covariances.</summary>
    internal PackedSymmetric Packing => _system.Packing;

    /// <summary>
    /// Records the accepted steps of the adaptive integrator into <paramref name="tape"/> (null to stop). Only for a
    /// solver without sensitivities: the reverse pass (<see cref="ReverseSteps"/>) replaces them.
    /// </summary>
    internal void Record(OdeTape? tape)
    {
        if (_adaptive is null || _q != 0)
        {
            throw new InvalidOperationException("recording needs the adaptive integrator and no sensitivity parameters");
        }

        _adaptive.Observer = tape;
    }

    /// <summary>
    /// The discrete adjoint of recorded steps [first, end) taken back to front: <paramref name="yBar"/> (packed
    /// [η̄ | Ψ̄], the gradient of ℓ with respect to the packed state) goes from the end of step end − 1 to the start of
    /// step first; ∂ℓ/∂θ contributions are added to <paramref name="thetaBar"/> (all model parameters).
    /// </summary>
    /// <exception cref="LnaException">A transposed stage matrix was singular.</exception>
    internal void ReverseSteps(OdeTape tape, int first, int end, ReadOnlySpan<double> parameters, double[] yBar, double[] thetaBar)
    {
        _system.SetParameters(parameters);
        for (int i = end - 1; i >= first; i--)
        {
            if (!_adaptive!.ReverseStep(_system, tape[i], tape.Start(i), tape.Stages(i), _n, yBar, thetaBar))
            {
                throw new LnaException($"the adjoint of the LNA of model '{Model.Name}' met a singular stage matrix at t = {tape[i].T:G6} h");
            }
        }
    }

    /// <summary>
    /// Propagates <paramref name="state"/> from <paramref name="t0"/> to <paramref name="t1"/> (hours) in place.
    /// </summary>
    /// <param name="state">Mean, covariance and sensitivities at t0; overwritten with their values at t1.</param>
    /// <param name="parameters">θ (natural scale, all model parameters).</param>
    /// <param name="t0">Start time (h).</param>
    /// <param name="t1">End time (h), ≥ t0.</param>
    /// <param name="resume">
    /// True when this propagation continues the previous one of this solver after a jump of the state (a Kalman
    /// update): the integrator starts with the step size and method it ended with instead of choosing them afresh.
    /// </param>
    /// <param name="inputs">The batch's inputs (null: the model's values); the integration stops at their points and at the model's events, which apply at [t0, t1).</param>
    /// <exception cref="LnaException">Integration failed or the covariance lost positive semi-definiteness.</exception>
    public void Propagate(LnaState state, ReadOnlySpan<double> parameters, double t0, double t1, bool resume = false, InputSchedule? inputs = null)
    {
        ArgumentNullException.ThrowIfNull(state);
        if (state.StateDimension != _n || state.SensitivityCount != _q)
        {
            throw new ArgumentException($"the state is shaped ({state.StateDimension}, {state.SensitivityCount}); this solver needs ({_n}, {_q})", nameof(state));
        }

        if (parameters.Length != _system.ParameterCount)
        {
            throw new ArgumentException($"{parameters.Length} parameters given, the model has {_system.ParameterCount}", nameof(parameters));
        }

        if (!(t1 >= t0))
        {
            throw new ArgumentOutOfRangeException(nameof(t1), t1, $"must be ≥ t0 = {t0}");
        }

        if (t1 == t0)
        {
            return;
        }

        _system.SetParameters(parameters);
        Pack(state);
        if (_adaptive is not null)
        {
            _times[0] = t1;
            var result = _driver!.Solve(_system, inputs, t0, _y, _times, _yOut, resume);
            AcceptedSteps += result.AcceptedSteps;
            Evaluations += result.Evaluations;
            ImplicitSteps += result.ImplicitSteps;
            if (!result.Succeeded)
            {
                throw new LnaException($"the LNA moment equations of model '{Model.Name}' failed between t = {t0:G6} h and {t1:G6} h: {result.Exit} at t = {result.ReachedTime:G6} h");
            }
        }
        else
        {
            Euler(t0, t1);
        }

        Unpack(state);
        CheckCovariance(state, t1);
    }

    /// <summary>Explicit Euler y ← y + h f(t, y) with steps of at most EulerStepHours landing on t1 (eq. 15–16).</summary>
    private void Euler(double t0, double t1)
    {
        double t = t0;
        _y.AsSpan().CopyTo(_yOut);
        while (t < t1)
        {
            double h = Math.Min(Options.EulerStepHours, t1 - t);
            _system.Evaluate(t, _yOut, _k);
            AcceptedSteps++;
            Evaluations++;
            for (int i = 0; i < _yOut.Length; i++)
            {
                _yOut[i] += h * _k[i];
            }

            t = h == t1 - t ? t1 : t + h;
        }
    }

    private void Pack(LnaState s)
    {
        int n = _n, nn = n * n, np = _np, block = n + np;
        var packing = _system.Packing;
        s.Mean.AsSpan().CopyTo(_y);
        packing.Pack(s.Covariance, _y.AsSpan(n, np));
        for (int k = 0; k < _q; k++)
        {
            int off = block * (k + 1);
            s.MeanSensitivity.AsSpan(k * n, n).CopyTo(_y.AsSpan(off, n));
            packing.Pack(s.CovarianceSensitivity.AsSpan(k * nn, nn), _y.AsSpan(off + n, np));
        }
    }

    private void Unpack(LnaState s)
    {
        int n = _n, nn = n * n, np = _np, block = n + np;
        var packing = _system.Packing;
        _yOut.AsSpan(0, n).CopyTo(s.Mean);
        packing.Unpack(_yOut.AsSpan(n, np), s.Covariance);
        for (int k = 0; k < _q; k++)
        {
            int off = block * (k + 1);
            _yOut.AsSpan(off, n).CopyTo(s.MeanSensitivity.AsSpan(k * n, n));
            packing.Unpack(_yOut.AsSpan(off + n, np), s.CovarianceSensitivity.AsSpan(k * nn, nn));
        }
    }

    /// <summary>
    /// Ψ must be positive semi-definite: Cholesky of Ψ + δI with δ = 1e−10·(max diagonal) + 1e−300 must succeed
    /// (a tiny shift admits the exactly singular Ψ of deterministic components).
    /// </summary>
    private void CheckCovariance(LnaState s, double t)
    {
        int n = _n;
        double maxDiag = 0;
        for (int i = 0; i < n; i++)
        {
            double d = s.Covariance[(i * n) + i];
            if (!double.IsFinite(d) || !double.IsFinite(s.Mean[i]))
            {
                throw new LnaException($"the LNA of model '{Model.Name}' produced a non-finite mean or variance for {Model.StateNames[i]} at t = {t:G6} h");
            }

            maxDiag = Math.Max(maxDiag, Math.Abs(d));
        }

        s.Covariance.AsSpan().CopyTo(_check);
        double shift = (1e-10 * maxDiag) + 1e-300;
        for (int i = 0; i < n; i++)
        {
            _check[(i * n) + i] += shift;
        }

        if (!SmallDense.TryCholesky(_check, n))
        {
            throw new LnaException($"the LNA covariance of model '{Model.Name}' lost positive semi-definiteness at t = {t:G6} h (largest variance {maxDiag:G4}); tighten the tolerances or shorten the Euler step");
        }
    }
}

/// <summary>The LNA could not be propagated (integration failure, non-finite values, loss of definiteness).</summary>
public sealed class LnaException : Exception
{
    /// <summary>Creates the exception.</summary>
    public LnaException()
    {
    }

    /// <summary>Creates the exception with a message.</summary>
    public LnaException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and a cause.</summary>
    public LnaException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
