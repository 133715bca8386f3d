namespace ReactorTwin.Core.Numerics;

/// <summary>
/// An autonomous or time-dependent ODE system dy/dt = f(t, y) of fixed dimension. Arrays are the integrator's
/// own workspaces (length <see cref="Dimension"/>): read <c>y</c>, write every element of <c>dydt</c>, keep neither.
/// </summary>
public interface IOdeSystem
{
    /// <summary>Number of components of y.</summary>
    int Dimension { get; }

    /// <summary>
    /// How many leading components of y are concentrations or densities that cannot be negative (0, the default,
    /// for none). The integrator rejects a step that takes one of them below zero by more than its error tolerance
    /// and sets one that ends within the tolerance below zero to exactly zero (see <see cref="OdeSolver"/>).
    /// </summary>
    int NonNegativeComponents => 0;

    /// <summary>Evaluates f(t, y) into <paramref name="dydt"/>.</summary>
    void Evaluate(double t, double[] y, double[] dydt);
}

/// <summary>
/// An ODE system that also supplies its Jacobian J = ∂f/∂y, which lets <see cref="OdeSolver"/> use its implicit
/// (stiff) method with a Newton iteration on I − hγJ. The Jacobian must be the exact one (the symbolic layer's, or
/// an analytic one): an approximation slows the Newton iteration down but does not change the converged result.
/// </summary>
public interface IOdeJacobian : IOdeSystem
{
    /// <summary>Writes ∂f/∂y at (t, y) into <paramref name="jacobian"/> (Dimension × Dimension, row-major: entry i·n + j is ∂f_i/∂y_j; every entry).</summary>
    void Jacobian(double t, double[] y, double[] jacobian);
}

/// <summary>
/// An ODE system that solves the implicit stage equations of <see cref="OdeSolver"/>'s stiff method itself, for
/// systems whose Jacobian has a structure worth exploiting (the LNA moment equations with their block lower-triangular
/// sensitivity blocks, the mean ODE with forward sensitivities). A stage equation is
/// <code>
/// Y = v + hγ f(t, Y)
/// </code>
/// with v a known combination of earlier stages (ADR 0011).
/// </summary>
public interface IImplicitStageSystem : IOdeSystem
{
    /// <summary>
    /// Solves the stage equation for Y. On entry <paramref name="y"/> holds a predictor; on success it holds the
    /// solution and <paramref name="k"/> holds f(t, Y) = (Y − v)/(hγ). Returns false when the iteration diverged or
    /// did not converge (the integrator then retries with a smaller step).
    /// </summary>
    /// <param name="t">Stage time.</param>
    /// <param name="hGamma">hγ &gt; 0.</param>
    /// <param name="v">Known part of the stage (length Dimension).</param>
    /// <param name="y">Predictor in, solution out.</param>
    /// <param name="k">Receives f(t, Y).</param>
    /// <param name="tolerance">Scaling and convergence tolerance of the Newton iteration.</param>
    bool SolveStage(double t, double hGamma, double[] v, double[] y, double[] k, in NewtonTolerance tolerance);

    /// <summary>
    /// An estimate of the spectral radius of ∂f/∂y at (t, y) (1/time units): the integrator leaves its stiff method
    /// when h times this is inside the explicit method's stability region.
    /// </summary>
    double SpectralRadius(double t, double[] y);
}

/// <summary>
/// How a Newton iteration on a stage equation measures convergence: the increment Δ is scaled per component by
/// atol + rtol·|Y_i| over the first <see cref="Components"/> components (RMS norm), and the iteration stops when the
/// estimated remaining error θ/(1 − θ)·‖Δ‖ is ≤ <see cref="Kappa"/> (θ the observed contraction rate; Hairer &amp;
/// Wanner, Solving ODEs II, IV.8).
/// </summary>
/// <param name="Relative">rtol.</param>
/// <param name="Absolute">atol.</param>
/// <param name="Components">Number of leading components in the norm.</param>
/// <param name="Kappa">Stopping threshold in the scaled norm (the error tolerance is 1 in it).</param>
/// <param name="MaxIterations">Iterations before giving up.</param>
public readonly record struct NewtonTolerance(double Relative, double Absolute, int Components, double Kappa, int MaxIterations);

/// <summary>How an ODE solve ended.</summary>
public enum OdeExitCondition
{
    /// <summary>Every output time was reached within tolerance.</summary>
    Converged,

    /// <summary>The step budget <see cref="OdeOptions.MaxSteps"/> ran out.</summary>
    MaxStepsExceeded,

    /// <summary>The step size fell below the floating-point resolution of t (stiff or singular problem).</summary>
    StepSizeTooSmall,

    /// <summary>The solution or its derivative became NaN or infinite.</summary>
    NonFiniteState,

    /// <summary>
    /// A root function of an <see cref="IOdeRootSystem"/> crossed zero upwards at <see cref="OdeSolveResult.ReachedTime"/>
    /// (function <see cref="OdeSolveResult.Root"/>); the outputs before it are written, the state there is
    /// <see cref="OdeSolver.CurrentState"/>. Not a failure: the caller handles the event and continues.
    /// </summary>
    RootFound,
}

/// <summary>
/// An ODE system with root functions g_j(t, y) (event triggers): <see cref="OdeSolver.Solve"/> stops at the first
/// time one of them crosses zero upwards, from below zero at a step's start to ≥ 0 at its end, located on the
/// step's continuous extension to the floating-point resolution of t. A function already ≥ 0 where a solve starts
/// must fall below zero before it can trigger.
/// </summary>
public interface IOdeRootSystem : IOdeSystem
{
    /// <summary>Number of root functions (0 for none).</summary>
    int RootCount { get; }

    /// <summary>Writes g_j(t, y) for every j into <paramref name="roots"/> (length <see cref="RootCount"/>).</summary>
    void Roots(double t, double[] y, double[] roots);
}

/// <summary>Outcome of an ODE solve: exit condition and work counters.</summary>
/// <param name="Exit">How the solve ended.</param>
/// <param name="AcceptedSteps">Accepted steps (explicit and implicit).</param>
/// <param name="RejectedSteps">Steps rejected by error control, the non-negativity check or a failed Newton iteration.</param>
/// <param name="Evaluations">Right-hand-side evaluations (implicit method: one per Newton iteration with a dense Jacobian, one per stage for an <see cref="IImplicitStageSystem"/>).</param>
/// <param name="ReachedTime">The time the solution reached (the last output time on success).</param>
public readonly record struct OdeSolveResult(OdeExitCondition Exit, int AcceptedSteps, int RejectedSteps, int Evaluations, double ReachedTime)
{
    /// <summary>True when <see cref="Exit"/> is <see cref="OdeExitCondition.Converged"/>.</summary>
    public bool Succeeded => Exit == OdeExitCondition.Converged;

    /// <summary>Accepted steps taken by the implicit (stiff) method; the rest were explicit.</summary>
    public int ImplicitSteps { get; init; }

    /// <summary>Switches between the explicit and the implicit method during the solve.</summary>
    public int MethodSwitches { get; init; }

    /// <summary>Jacobian evaluations (implicit method).</summary>
    public int JacobianEvaluations { get; init; }

    /// <summary>The method in use when the solve ended.</summary>
    public OdeMethod FinalMethod { get; init; }

    /// <summary>With <see cref="OdeExitCondition.RootFound"/>: the index of the root function that crossed zero.</summary>
    public int Root { get; init; }

    /// <summary>Output rows written (all of them on success; those before the root or failure otherwise).</summary>
    public int OutputsWritten { get; init; }
}
