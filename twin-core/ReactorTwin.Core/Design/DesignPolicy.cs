using ReactorTwin.Core.Estimation;

namespace ReactorTwin.Core.Design;

/// <summary>What a design policy sees when it proposes the next experiment: the design space and the twin's current
/// knowledge (point estimate, optimiser state and posterior or bootstrap draws).</summary>
public sealed class DesignContext
{
    /// <summary>Creates a context.</summary>
    /// <param name="space">The design space.</param>
    /// <param name="estimated">Indices into θ of the calibrated parameters.</param>
    /// <param name="estimate">θ̂, the twin's current full parameter vector (natural scale).</param>
    /// <param name="optimizer">The twin's online optimiser (seed eq. 11); policies may preview but must not step it.</param>
    /// <param name="draws">Draws θ̃ (full vectors) that represent the twin's uncertainty about θᶜ: parametric-bootstrap
    /// estimates (seed section 5) or posterior draws. May be empty for policies that do not need them.</param>
    /// <param name="iteration">k, the 1-based index of the experiment being designed.</param>
    /// <param name="random">The policy's seeded random source.</param>
    /// <param name="previousDesign">ω_{k−1}, the design of the last experiment run, if any.</param>
    public DesignContext(DesignSpace space, IReadOnlyList<int> estimated, double[] estimate, AdamOptimizer optimizer, IReadOnlyList<double[]> draws, int iteration, Random random, double[]? previousDesign = null)
    {
        ArgumentNullException.ThrowIfNull(space);
        ArgumentNullException.ThrowIfNull(estimated);
        ArgumentNullException.ThrowIfNull(estimate);
        ArgumentNullException.ThrowIfNull(optimizer);
        ArgumentNullException.ThrowIfNull(draws);
        ArgumentNullException.ThrowIfNull(random);
        Space = space;
        Estimated = estimated;
        Estimate = estimate;
        Optimizer = optimizer;
        Draws = draws;
        Iteration = iteration;
        Random = random;
        PreviousDesign = previousDesign;
    }

    /// <summary>ω_{k−1}, the design of the last experiment run, or null.</summary>
    public double[]? PreviousDesign { get; }

    /// <summary>The design space.</summary>
    public DesignSpace Space { get; }

    /// <summary>Indices into θ of the calibrated parameters.</summary>
    public IReadOnlyList<int> Estimated { get; }

    /// <summary>θ̂ (full, natural scale).</summary>
    public double[] Estimate { get; }

    /// <summary>The twin's online optimiser.</summary>
    public AdamOptimizer Optimizer { get; }

    /// <summary>Draws θ̃ representing uncertainty about θᶜ.</summary>
    public IReadOnlyList<double[]> Draws { get; }

    /// <summary>k (1-based).</summary>
    public int Iteration { get; }

    /// <summary>The policy's seeded random source.</summary>
    public Random Random { get; }
}

/// <summary>A proposed experiment.</summary>
/// <param name="Design">The setpoint ω (inside the design space).</param>
/// <param name="PredictedObjective">The policy's prediction of its objective at ω (see <paramref name="ObjectiveName"/>), or null when it makes none.</param>
/// <param name="ObjectiveName">What <paramref name="PredictedObjective"/> is, with units, e.g. "surrogate prediction MSE (mM²)".</param>
public sealed record DesignProposal(double[] Design, double? PredictedObjective, string ObjectiveName);

/// <summary>A sequential design-of-experiments policy: proposes the next setpoint from the twin's current knowledge and
/// may learn from the outcome of each experiment.</summary>
public interface IDesignPolicy
{
    /// <summary>Short name (used in reports), e.g. "gradient", "random", "gp-ei", "d-optimal".</summary>
    string Name { get; }

    /// <summary>True when the policy needs <see cref="DesignContext.Draws"/> (bootstrap or posterior draws).</summary>
    bool NeedsDraws { get; }

    /// <summary>True when the policy learns from <see cref="Observe"/>; the harness computes outcomes only then.</summary>
    bool LearnsFromOutcomes { get; }

    /// <summary>Proposes the next design.</summary>
    DesignProposal Propose(DesignContext context);

    /// <summary>Reports the outcome of the experiment run at <paramref name="design"/>: the surrogate prediction MSE
    /// of the twin after it absorbed the new batch (for policies that learn a response surface).</summary>
    void Observe(ReadOnlySpan<double> design, double outcome);
}

/// <summary>
/// A design policy with state that must survive a restart (the runtime stores it in its checkpoint, so that a restarted
/// twin proposes what an uninterrupted one would have).
/// </summary>
public interface IDesignPolicyState
{
    /// <summary>The policy's state as numbers (opaque to the caller).</summary>
    double[] SaveState();

    /// <summary>Restores a state returned by <see cref="SaveState"/> of a policy with the same configuration.</summary>
    /// <exception cref="ArgumentException">The state does not fit this policy.</exception>
    void RestoreState(ReadOnlySpan<double> state);
}

/// <summary>The random design baseline of seed 001 section 6.2: ω uniform on the design box.</summary>
public sealed class RandomDesignPolicy : IDesignPolicy
{
    /// <inheritdoc/>
    public string Name => "random";

    /// <inheritdoc/>
    public bool NeedsDraws => false;

    /// <inheritdoc/>
    public bool LearnsFromOutcomes => false;

    /// <inheritdoc/>
    public DesignProposal Propose(DesignContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        return new DesignProposal(context.Space.Sample(context.Random), null, "none (uniform random design)");
    }

    /// <inheritdoc/>
    public void Observe(ReadOnlySpan<double> design, double outcome)
    {
    }
}
