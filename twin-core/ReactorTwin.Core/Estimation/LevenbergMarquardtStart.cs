namespace ReactorTwin.Core.Estimation;

/// <summary>
/// One <see cref="LevenbergMarquardt"/> run from one point of a multi-start fit, stopped early by the
/// <see cref="FitLimits"/> or its iteration limit, reported as a <see cref="StartRun"/>. Holds one thread's residual
/// function and the workspace sized for it.
/// </summary>
internal sealed class LevenbergMarquardtStart(IResidualFunction function)
{
    private readonly IResidualFunction _function = function;
    private LevenbergMarquardt? _solver;

    public int Dimension => _function.Dimension;

    /// <param name="start">This thread's residual function and workspace.</param>
    /// <param name="u0">Start point.</param>
    /// <param name="space">Bounds.</param>
    /// <param name="options">Tolerances.</param>
    /// <param name="maxIterations">Trial-step limit of this run.</param>
    /// <param name="limits">Budgets and cancellation.</param>
    /// <param name="usedBefore">Time this start used in earlier phases (for its own budget).</param>
    /// <param name="onEvaluation">Called after each evaluation with the run's evaluation count and best value.</param>
    public static StartRun Run(LevenbergMarquardtStart start, double[] u0, ParameterSpace space, MultiStartMleOptions options, int maxIterations, FitLimits limits, TimeSpan usedBefore, Action<long, double>? onEvaluation)
    {
        var f = start._function;
        start._solver ??= new LevenbergMarquardt(f.Dimension, f.ResidualCount)
        {
            GradientTolerance = options.GradientTolerance,
            FunctionTolerance = options.FunctionTolerance,
            StepTolerance = options.StepTolerance,
        };
        long began = limits.Time.GetTimestamp();
        var r = start._solver.Minimize(f, u0, space.Lower, space.Upper, maxIterations, () => limits.StartStopped(began, usedBefore), onEvaluation, out string? failure);
        var elapsed = limits.Time.GetElapsedTime(began);
        if (r is null)
        {
            bool stopped = limits.StartStopped(began, usedBefore) is not null;
            return new StartRun(u0, null, double.NegativeInfinity, 0, failure!, false, stopped, stopped ? 0 : 1, elapsed);
        }

        return new StartRun(u0, r.Optimum, r.LogDensity, r.Iterations, r.Exit, r.Converged, r.StoppedBy is not null, r.Evaluations, elapsed, r.IterationLimit);
    }
}
