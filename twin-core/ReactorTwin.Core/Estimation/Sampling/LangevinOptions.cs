namespace ReactorTwin.Core.Estimation.Sampling;

/// <summary>How a Langevin proposal is treated.</summary>
public enum LangevinMode
{
    /// <summary>
    /// Metropolis-adjusted Langevin algorithm (MALA): the proposal is accepted with the Metropolis–Hastings
    /// probability, so the chain targets π exactly.
    /// </summary>
    MetropolisAdjusted = 0,

    /// <summary>
    /// Unadjusted Langevin algorithm (ULA): every proposal with a finite density and gradient is accepted. The chain
    /// targets a perturbation of π whose bias is O(h) (the Euler–Maruyama discretisation of the Langevin diffusion).
    /// </summary>
    Unadjusted = 1,

    /// <summary>
    /// Not a Langevin method: the No-U-Turn Hamiltonian Monte Carlo sampler (Hoffman &amp; Gelman 2014, multinomial
    /// form as in Stan), with an identity metric (sample through <see cref="AffineDensity"/> for a dense one), step
    /// size adapted toward <see cref="LangevinOptions.NoUTurnTargetAcceptance"/> and trees of depth at most
    /// <see cref="LangevinOptions.MaxTreeDepth"/>. It shares the options and the result type.
    /// </summary>
    NoUTurn = 2,
}

/// <summary>
/// Options of <see cref="LangevinSampler"/>. Step sizes h are in the coordinates scaled by the preconditioner: the
/// proposal is u′ = u + (h/2) M ∇log π(u) + √h M^{1/2} ξ, so h = 1 with M = Cov(u) is a "unit" step.
/// </summary>
public sealed record LangevinOptions
{
    /// <summary>MALA or ULA. Default <see cref="LangevinMode.MetropolisAdjusted"/>.</summary>
    public LangevinMode Mode { get; init; } = LangevinMode.MetropolisAdjusted;

    /// <summary>
    /// The step size h &gt; 0 at the start of warm-up (and throughout when <see cref="AdaptStepSize"/> is false).
    /// Default 0.1.
    /// </summary>
    public double InitialStepSize { get; init; } = 0.1;

    /// <summary>
    /// Warm-up iterations per chain, ≥ 0, discarded; step size and preconditioner adapt only during them. Default 1000.
    /// </summary>
    public int WarmupIterations { get; init; } = 1000;

    /// <summary>Draws kept per chain after warm-up (after thinning), ≥ 1. Default 1000.</summary>
    public int Samples { get; init; } = 1000;

    /// <summary>Independent chains, ≥ 1. Default 4.</summary>
    public int Chains { get; init; } = 4;

    /// <summary>Keep every k-th post-warm-up state, k ≥ 1; a chain runs Samples × Thinning post-warm-up steps. Default 1.</summary>
    public int Thinning { get; init; } = 1;

    /// <summary>
    /// Target of the step-size adaptation: the mean Metropolis–Hastings acceptance probability, in (0, 1). Default
    /// 0.574, the optimal MALA rate for product targets as d → ∞ (Roberts &amp; Rosenthal 1998). In ULA mode the
    /// same probability is computed for every proposal (it costs nothing extra) and adapted to, which keeps the
    /// discretisation error of ULA at the level MALA would reject; fix h instead with <see cref="AdaptStepSize"/> = false.
    /// </summary>
    public double TargetAcceptance { get; init; } = 0.574;

    /// <summary>NUTS only: target of the step-size adaptation, the mean acceptance statistic of a trajectory, in (0, 1).
    /// Default 0.8 (Stan's).</summary>
    public double NoUTurnTargetAcceptance { get; init; } = 0.8;

    /// <summary>NUTS only: maximum tree depth, 1–20 (at most 2^depth leapfrog steps per draw). Default 10 (Stan's).</summary>
    public int MaxTreeDepth { get; init; } = 10;

    /// <summary>
    /// Adapt h during warm-up by the dual averaging of Hoffman &amp; Gelman (2014, Alg. 5; γ = 0.05, t₀ = 10,
    /// κ = 0.75, μ = log 10h), restarted whenever the preconditioner changes; after warm-up h is frozen at the
    /// averaged iterate. Each chain adapts independently. Default true.
    /// </summary>
    public bool AdaptStepSize { get; init; } = true;

    /// <summary>
    /// Adapt the diagonal preconditioner during warm-up from the running (Welford) variance of the chain, in
    /// Stan-like windows: after an initial buffer of 75 iterations, windows of 25, 50, 100, … iterations, the last one
    /// stretched to end at a terminal buffer of max(50, warm-up/5) iterations (Stan uses 50; the longer buffer lets
    /// the final step size average over more iterations, which about halved the spread of the post-warm-up
    /// acceptance rate across seeds in our tests). When warm-up is shorter than the buffers plus 25 they become
    /// 15 % / 20 % of it. At the end of each window M_i ← (n/(n+5)) s_i² + 10⁻³ · 5/(n+5) (Stan's regularisation
    /// toward 10⁻³, meant for unit-scale unconstrained coordinates), the variance is reset and the step-size
    /// adaptation restarts from the current h. Needs at least 20 warm-up iterations (otherwise ignored). Default false.
    /// </summary>
    public bool AdaptPreconditioner { get; init; }

    /// <summary>
    /// Diagonal preconditioner M (variances, finite and &gt; 0, one per coordinate) to start with; null for the
    /// identity. A good choice is the diagonal of the inverse of −∇²log π at the mode (e.g. the MLE curvature).
    /// Default null.
    /// </summary>
    public IReadOnlyList<double>? Preconditioner { get; init; }

    /// <summary>
    /// When every chain starts from one point, each chain's start is that point plus N(0, jitter² M) noise drawn from
    /// the chain's own random stream (redrawn up to 100 times until the density is finite), so that chains start
    /// dispersed and R̂ can detect non-convergence. ≥ 0; 0 starts all chains at the point. Default 0.
    /// </summary>
    public double InitialJitter { get; init; }

    /// <summary>
    /// Master seed. Chain c draws from its own <see cref="Random"/> seeded by a SplitMix64 hash of (seed, c), so
    /// results depend only on the seed, never on scheduling. Default 1.
    /// </summary>
    public int Seed { get; init; } = 1;

    /// <summary>
    /// Run chains concurrently (<see cref="Parallel.For(int, int, Action{int})"/>). Results are bit-identical to a
    /// sequential run; the density factory must then return a distinct instance per call. Default false.
    /// </summary>
    public bool RunChainsInParallel { get; init; }

    /// <summary>Receives progress (units: iterations of all chains, warm-up included) from the chains' threads, about
    /// 200 times per run; null (default) for none.</summary>
    public IProgress<EstimationProgress>? Progress { get; init; }

    internal void Validate()
    {
        if (!(InitialStepSize > 0) || !double.IsFinite(InitialStepSize))
        {
            throw new ArgumentOutOfRangeException(nameof(InitialStepSize), InitialStepSize, "the step size must be finite and > 0");
        }

        ArgumentOutOfRangeException.ThrowIfNegative(WarmupIterations);
        ArgumentOutOfRangeException.ThrowIfLessThan(Samples, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(Chains, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(Thinning, 1);
        if (!(TargetAcceptance > 0 && TargetAcceptance < 1))
        {
            throw new ArgumentOutOfRangeException(nameof(TargetAcceptance), TargetAcceptance, "the target acceptance must lie in (0, 1)");
        }

        if (!(NoUTurnTargetAcceptance > 0 && NoUTurnTargetAcceptance < 1))
        {
            throw new ArgumentOutOfRangeException(nameof(NoUTurnTargetAcceptance), NoUTurnTargetAcceptance, "the target acceptance must lie in (0, 1)");
        }

        ArgumentOutOfRangeException.ThrowIfLessThan(MaxTreeDepth, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(MaxTreeDepth, 20);
        if (Mode == LangevinMode.NoUTurn && (Preconditioner is not null || AdaptPreconditioner))
        {
            throw new ArgumentException("NUTS runs with an identity metric: sample through AffineDensity for a dense or diagonal one", nameof(Preconditioner));
        }

        if (!(InitialJitter >= 0) || !double.IsFinite(InitialJitter))
        {
            throw new ArgumentOutOfRangeException(nameof(InitialJitter), InitialJitter, "the jitter must be finite and ≥ 0");
        }

        if (!Enum.IsDefined(Mode))
        {
            throw new ArgumentOutOfRangeException(nameof(Mode), Mode, "unknown mode");
        }

        if (Preconditioner is not null)
        {
            for (int i = 0; i < Preconditioner.Count; i++)
            {
                if (!(Preconditioner[i] > 0) || !double.IsFinite(Preconditioner[i]))
                {
                    throw new ArgumentException("preconditioner variances must be finite and > 0", nameof(Preconditioner));
                }
            }
        }

        if ((long)Samples * Thinning > int.MaxValue)
        {
            throw new ArgumentOutOfRangeException(nameof(Thinning), "Samples × Thinning exceeds int.MaxValue");
        }
    }
}
