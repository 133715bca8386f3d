namespace ReactorTwin.Core.Numerics;

/// <summary>Which integration method <see cref="OdeSolver"/> uses.</summary>
public enum OdeMethod
{
    /// <summary>
    /// Automatic stiffness detection (default): start with the explicit Dormand–Prince 5(4) and switch to the
    /// implicit ESDIRK4(3) when the explicit step is limited by stability rather than accuracy, and back when it is
    /// not (as LSODA and AutoTsit5(Rosenbrock23) do). Systems without a Jacobian or stage solver stay explicit.
    /// </summary>
    Auto,

    /// <summary>Dormand–Prince 5(4) only.</summary>
    Explicit,

    /// <summary>The L-stable ESDIRK4(3)6L[2]SA of Kennedy &amp; Carpenter only (needs <see cref="IOdeJacobian"/> or <see cref="IImplicitStageSystem"/>).</summary>
    Implicit,
}

/// <summary>Options of <see cref="OdeSolver"/> (tolerances, limits, method). Defaults suit the built-in models in hours.</summary>
public record OdeOptions
{
    /// <summary>Relative tolerance rtol per component, in (0, 1). Default 1e−6.</summary>
    public double RelativeTolerance { get; init; } = 1e-6;

    /// <summary>Absolute tolerance atol per component (state units), &gt; 0. Default 1e−9.</summary>
    public double AbsoluteTolerance { get; init; } = 1e-9;

    /// <summary>First step (time units); 0 chooses it automatically (Hairer–Nørsett–Wanner, one extra evaluation).</summary>
    public double InitialStep { get; init; }

    /// <summary>Largest step allowed (time units). Default: unbounded.</summary>
    public double MaxStep { get; init; } = double.PositiveInfinity;

    /// <summary>Step budget per solve (accepted plus rejected). Default 100 000.</summary>
    public int MaxSteps { get; init; } = 100_000;

    /// <summary>
    /// How many leading components enter the error norm; null (default) for all. The LNA uses this to control the
    /// error of mean and covariance while the sensitivities ride along on the same steps (CVODES's errconS = false).
    /// </summary>
    public int? ErrorControlComponents { get; init; }

    /// <summary>Integration method; default <see cref="OdeMethod.Auto"/>.</summary>
    public OdeMethod Method { get; init; } = OdeMethod.Auto;

    /// <summary>
    /// Automatic switching: accepted explicit steps whose stiffness estimate h·|λ| exceeds 2 (the step is limited by
    /// the stability of Dormand–Prince, whose boundary is 3.3) before the implicit method takes over. Default 10, ≥ 1.
    /// </summary>
    public int StiffSteps { get; init; } = 10;

    /// <summary>
    /// Automatic switching: consecutive implicit steps with h·ρ(∂f/∂y) ≤ 1 (well inside the explicit stability
    /// region) before the explicit method takes over again. Default 5, ≥ 1.
    /// </summary>
    public int NonStiffSteps { get; init; } = 5;

    /// <summary>
    /// Whether the system's non-negative components (<see cref="IOdeSystem.NonNegativeComponents"/>) are enforced
    /// (default true): a step that takes one below −(atol + rtol·|y|) is rejected and retried shorter, one that ends
    /// within that band below zero is set to zero.
    /// </summary>
    public bool EnforceNonNegativity { get; init; } = true;

    /// <summary>Throws when an option is out of range.</summary>
    public void Validate()
    {
        if (!(RelativeTolerance > 0 && RelativeTolerance < 1))
        {
            throw new ArgumentOutOfRangeException(nameof(RelativeTolerance), RelativeTolerance, "must be in (0, 1)");
        }

        if (!(AbsoluteTolerance > 0) || !double.IsFinite(AbsoluteTolerance))
        {
            throw new ArgumentOutOfRangeException(nameof(AbsoluteTolerance), AbsoluteTolerance, "must be finite and > 0");
        }

        if (!(InitialStep >= 0) || !double.IsFinite(InitialStep))
        {
            throw new ArgumentOutOfRangeException(nameof(InitialStep), InitialStep, "must be finite and ≥ 0 (0 = automatic)");
        }

        if (!(MaxStep > 0))
        {
            throw new ArgumentOutOfRangeException(nameof(MaxStep), MaxStep, "must be > 0");
        }

        if (MaxSteps < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(MaxSteps), MaxSteps, "must be ≥ 1");
        }

        if (StiffSteps < 1 || NonStiffSteps < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(StiffSteps), $"{StiffSteps}, {NonStiffSteps}", "the switching counts must be ≥ 1");
        }

        if (!Enum.IsDefined(Method))
        {
            throw new ArgumentOutOfRangeException(nameof(Method), Method, "unknown method");
        }
    }
}

/// <summary>
/// The options of the integrators under their first name (Dormand–Prince was the only method once); identical to
/// <see cref="OdeOptions"/>, whose defaults include <see cref="OdeMethod.Auto"/>.
/// </summary>
public sealed record DormandPrinceOptions : OdeOptions;
