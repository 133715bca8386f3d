namespace ReactorTwin.Core.Numerics;

/// <summary>
/// An autonomous or time-dependent ODE system dy/dt = f(t, y) of fixed dimension. Arrays are the integrator's
/// own workspaces (length <see cref="Dimension"/>): read <c>y</c>, write every element of <c>dydt</c>, keep neither.
/// </summary>
public interface IOdeSystem
{
    /// <summary>Number of components of y.</summary>
    int Dimension { get; }

    /// <summary>Evaluates f(t, y) into <paramref name="dydt"/>.</summary>
    void Evaluate(double t, double[] y, double[] dydt);
}

/// <summary>How an ODE solve ended.</summary>
public enum OdeExitCondition
{
    /// <summary>Every output time was reached within tolerance.</summary>
    Converged,

    /// <summary>The step budget <see cref="DormandPrinceOptions.MaxSteps"/> ran out.</summary>
    MaxStepsExceeded,

    /// <summary>The step size fell below the floating-point resolution of t (stiff or singular problem).</summary>
    StepSizeTooSmall,

    /// <summary>The solution or its derivative became NaN or infinite.</summary>
    NonFiniteState,
}

/// <summary>Outcome of an ODE solve: exit condition and work counters.</summary>
/// <param name="Exit">How the solve ended.</param>
/// <param name="AcceptedSteps">Accepted steps.</param>
/// <param name="RejectedSteps">Steps rejected by error control.</param>
/// <param name="Evaluations">Right-hand-side evaluations.</param>
/// <param name="ReachedTime">The time the solution reached (the last output time on success).</param>
public readonly record struct OdeSolveResult(OdeExitCondition Exit, int AcceptedSteps, int RejectedSteps, int Evaluations, double ReachedTime)
{
    /// <summary>True when <see cref="Exit"/> is <see cref="OdeExitCondition.Converged"/>.</summary>
    public bool Succeeded => Exit == OdeExitCondition.Converged;
}

/// <summary>Options of <see cref="DormandPrince45"/>. Defaults suit the built-in models in hours.</summary>
public sealed record DormandPrinceOptions
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
    }
}
