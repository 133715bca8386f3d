using System.Runtime.ExceptionServices;

namespace ReactorTwin.Core.Estimation.Sampling;

/// <summary>
/// Preconditioned Langevin posterior sampler (RAPTOR-GEN's Langevin-diffusion posterior, seed 000): the
/// Euler–Maruyama step of du = ½ M ∇log π(u) dt + M^{1/2} dW,
/// <code>
/// u′ = u + (h/2) M ∇log π(u) + √h M^{1/2} ξ,   ξ ~ N(0, I),  M = diag(variances)
/// </code>
/// either accepted always (<see cref="LangevinMode.Unadjusted"/>, ULA, bias O(h)) or with the Metropolis–Hastings
/// probability min(1, π(u′) q(u|u′) / (π(u) q(u′|u))) (<see cref="LangevinMode.MetropolisAdjusted"/>, MALA,
/// exact). Warm-up adapts h (dual averaging) and optionally M; then h and M are frozen. Several chains run from
/// independent seeded streams, sequentially or in parallel with identical results. Proposals with a non-finite
/// log π, gradient or position are always rejected, so no draw is ever outside the support or NaN.
/// </summary>
public sealed class LangevinSampler
{
    /// <summary>Creates a sampler.</summary>
    /// <param name="options">Options; null for the defaults (MALA, 4 chains, 1000 warm-up + 1000 draws).</param>
    /// <exception cref="ArgumentException">An option is out of range.</exception>
    public LangevinSampler(LangevinOptions? options = null)
    {
        options ??= new LangevinOptions();
        options.Validate();
        Options = options;
    }

    /// <summary>The options.</summary>
    public LangevinOptions Options { get; }

    /// <summary>Samples with every chain starting at <paramref name="initialPoint"/> (plus <see cref="LangevinOptions.InitialJitter"/>).</summary>
    /// <param name="densityFactory">Called once per chain, on the calling thread, before sampling; each chain uses its
    /// own instance (densities are not thread-safe). In parallel mode the instances must be distinct.</param>
    /// <param name="initialPoint">Start u₀ (length d) with finite log π and gradient (unless jittered).</param>
    /// <exception cref="ArgumentException">Bad dimension, shared instances in parallel mode, or no finite start.</exception>
    public LangevinResult Run(Func<ILogDensity> densityFactory, ReadOnlySpan<double> initialPoint)
    {
        var start = initialPoint.ToArray();
        var starts = new double[Options.Chains][];
        Array.Fill(starts, start);
        return RunCore(densityFactory, starts, Options.InitialJitter);
    }

    /// <summary>Samples with chain c starting at <paramref name="initialPoints"/>[c] (no jitter).</summary>
    /// <param name="densityFactory">As in <see cref="Run(Func{ILogDensity}, ReadOnlySpan{double})"/>.</param>
    /// <param name="initialPoints">One start per chain, each with finite log π and gradient.</param>
    /// <exception cref="ArgumentException">Wrong number of starts, bad dimension, or a start is not finite.</exception>
    public LangevinResult Run(Func<ILogDensity> densityFactory, IReadOnlyList<double[]> initialPoints)
    {
        ArgumentNullException.ThrowIfNull(initialPoints);
        if (initialPoints.Count != Options.Chains)
        {
            throw new ArgumentException($"{initialPoints.Count} initial points for {Options.Chains} chains", nameof(initialPoints));
        }

        var starts = new double[Options.Chains][];
        for (int c = 0; c < starts.Length; c++)
        {
            ArgumentNullException.ThrowIfNull(initialPoints[c], nameof(initialPoints));
            starts[c] = [.. initialPoints[c]];
        }

        return RunCore(densityFactory, starts, 0.0);
    }

    /// <summary>The seed of chain <paramref name="chain"/>'s <see cref="Random"/>: a SplitMix64 hash of (master, chain).</summary>
    internal static int ChainSeed(int master, int chain)
    {
        ulong z = unchecked(((ulong)(uint)master << 32) + ((ulong)(chain + 1) * 0x9E3779B97F4A7C15UL));
        z = unchecked((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL);
        z = unchecked((z ^ (z >> 27)) * 0x94D049BB133111EBUL);
        z ^= z >> 31;
        return (int)(z >> 33); // 31 bits: a non-negative int
    }

    private LangevinResult RunCore(Func<ILogDensity> densityFactory, double[][] starts, double jitter)
    {
        ArgumentNullException.ThrowIfNull(densityFactory);
        var o = Options;
        int chains = o.Chains;
        var densities = new ILogDensity[chains];
        int d = -1;
        for (int c = 0; c < chains; c++)
        {
            densities[c] = densityFactory() ?? throw new ArgumentException("the density factory returned null", nameof(densityFactory));
            if (c == 0)
            {
                d = densities[0].Dimension;
                ArgumentOutOfRangeException.ThrowIfLessThan(d, 1, nameof(densityFactory));
            }
            else if (densities[c].Dimension != d)
            {
                throw new ArgumentException("the density factory returned densities of different dimensions", nameof(densityFactory));
            }

            if (o.RunChainsInParallel)
            {
                for (int k = 0; k < c; k++)
                {
                    if (ReferenceEquals(densities[k], densities[c]))
                    {
                        throw new ArgumentException("parallel chains need a distinct density instance per chain", nameof(densityFactory));
                    }
                }
            }
        }

        if (o.Preconditioner is not null && o.Preconditioner.Count != d)
        {
            throw new ArgumentException($"the preconditioner has {o.Preconditioner.Count} entries for dimension {d}", nameof(densityFactory));
        }

        foreach (var s in starts)
        {
            if (s.Length != d)
            {
                throw new ArgumentException($"an initial point has length {s.Length}, the density dimension is {d}", nameof(starts));
            }
        }

        var m = new double[d];
        for (int i = 0; i < d; i++)
        {
            m[i] = o.Preconditioner?[i] ?? 1.0;
        }

        var draws = new double[chains][];
        var traces = new double[chains][];
        var stepSizes = new double[chains];
        var acceptance = new double[chains];
        var meanAlpha = new double[chains];
        var nonFinite = new long[chains];
        var finalM = new double[chains][];
        bool adjusted = o.Mode == LangevinMode.MetropolisAdjusted;
        long iterations = 0, total = (long)chains * (o.WarmupIterations + ((long)o.Samples * o.Thinning));
        long every = Math.Max(1, total / 200);
        string stage = o.Mode switch { LangevinMode.NoUTurn => "NUTS", LangevinMode.MetropolisAdjusted => "MALA", _ => "ULA" };
        Action? tick = o.Progress is not { } progress ? null : () =>
        {
            long k = Interlocked.Increment(ref iterations);
            if (k % every == 0 || k == total)
            {
                progress.Report(new EstimationProgress(stage, k, total, "iterations", $"{chains} chains × ({o.WarmupIterations} warm-up + {o.Samples * o.Thinning})"));
            }
        };

        void RunChain(int c)
        {
            if (o.Mode == LangevinMode.NoUTurn)
            {
                var nuts = new NutsChain(densities[c], starts[c], new Random(ChainSeed(o.Seed, c)), jitter, o.MaxTreeDepth) { OnIteration = tick };
                draws[c] = new double[o.Samples * d];
                traces[c] = new double[o.Samples];
                (stepSizes[c], acceptance[c], meanAlpha[c]) = nuts.Run(o, draws[c], traces[c]);
                nonFinite[c] = nuts.Divergences;
                finalM[c] = m;
                return;
            }

            var chain = new LangevinChain(densities[c], starts[c], m, adjusted, new Random(ChainSeed(o.Seed, c)), jitter) { OnIteration = tick };
            draws[c] = new double[o.Samples * d];
            traces[c] = new double[o.Samples];
            (stepSizes[c], acceptance[c], meanAlpha[c]) = chain.Run(o, draws[c], traces[c]);
            nonFinite[c] = chain.NonFiniteProposals;
            finalM[c] = chain.Preconditioner.ToArray();
        }

        if (o.RunChainsInParallel && chains > 1)
        {
            try
            {
                Parallel.For(0, chains, RunChain);
            }
            catch (AggregateException ex) when (ex.InnerExceptions.Count == 1)
            {
                ExceptionDispatchInfo.Throw(ex.InnerExceptions[0]);
            }
        }
        else
        {
            for (int c = 0; c < chains; c++)
            {
                RunChain(c);
            }
        }

        return new LangevinResult(o.Mode, d, o.Samples, draws, traces, acceptance, meanAlpha, stepSizes, finalM, nonFinite);
    }
}
