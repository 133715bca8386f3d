using ReactorTwin.Core.Estimation;
using ReactorTwin.Core.Models;
using ReactorTwin.Core.Numerics;
using ReactorTwin.Core.Simulation;

namespace ReactorTwin.Core.Amortized;

/// <summary>
/// Simulates seed 002's training and test experiments: θ from the prior (z ~ N(0, I), θ = g⁻¹(z) by
/// <see cref="PriorStandardization"/>), initial values that are parameters taken from θ, the mean ODE
/// (<see cref="MeanOdeSimulator"/>) at the design's random reading times, one random channel per reading and Gaussian
/// measurement noise. Experiment k draws from its own stream seeded by (seed, k), so the set is the same whatever the
/// number of threads. A draw whose ODE cannot be solved (step budget, non-finite state) is replaced by the next draw of
/// the same stream, at most <see cref="MaxRedraws"/> times.
/// </summary>
public static class TrainingSetSimulator
{
    /// <summary>Redraws allowed per experiment before the simulation stops with an error.</summary>
    public const int MaxRedraws = 20;

    /// <summary>Simulates <paramref name="count"/> experiments.</summary>
    /// <param name="space">The model and its estimated parameters (fixed ones at the space's base values).</param>
    /// <param name="standardization">The prior map of the estimated parameters.</param>
    /// <param name="design">Readings, channels and noise.</param>
    /// <param name="count">Experiments, ≥ 1.</param>
    /// <param name="seed">Seed of the whole set.</param>
    /// <param name="maxParallelism">Worker threads (0: all processors).</param>
    /// <param name="progress">Receives "simulate" progress in experiments; null for none.</param>
    /// <param name="cancellationToken">Stops the simulation.</param>
    /// <exception cref="SimulationException">An experiment failed <see cref="MaxRedraws"/> times in a row.</exception>
    public static TrainingSet Simulate(ParameterSpace space, PriorStandardization standardization, ObservationDesign design, int count, int seed, int maxParallelism = 1, IProgress<EstimationProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(space);
        ArgumentNullException.ThrowIfNull(standardization);
        ArgumentNullException.ThrowIfNull(design);
        design.Validate(space.Model);
        if (standardization.Dimension != space.Dimension)
        {
            throw new ArgumentException($"the prior map has {standardization.Dimension} parameters, the space {space.Dimension}", nameof(standardization));
        }

        var set = new TrainingSet(count, design.Count, space.Dimension);
        long done = 0;
        int step = Math.Max(1, count / 100);
        var options = new ParallelOptions { MaxDegreeOfParallelism = maxParallelism == 0 ? Environment.ProcessorCount : maxParallelism, CancellationToken = cancellationToken };
        Parallel.For(0, count, options, () => new Worker(space, design), (k, _, worker) =>
        {
            worker.Run(standardization, set, k, seed);
            long d = Interlocked.Increment(ref done);
            if (progress is not null && (d % step == 0 || d == count))
            {
                progress.Report(new EstimationProgress("simulate", d, count, "experiments", string.Empty));
            }

            return worker;
        }, _ => { });
        return set;
    }

    /// <summary>The seed of experiment k's stream: a SplitMix64 mix of (seed, k).</summary>
    internal static int StreamSeed(int seed, int k)
    {
        ulong x = ((ulong)(uint)seed << 32) ^ (uint)k;
        x += 0x9E3779B97F4A7C15UL;
        x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9UL;
        x = (x ^ (x >> 27)) * 0x94D049BB133111EBUL;
        x ^= x >> 31;
        return (int)(x & 0x7FFFFFFF);
    }

    /// <summary>One thread's simulator and buffers.</summary>
    private sealed class Worker(ParameterSpace space, ObservationDesign design)
    {
        private readonly MeanOdeSimulator _simulator = new(space.Model);
        private readonly double[] _theta = space.Model.NominalParameters();
        private readonly double[] _u = space.BaseUnconstrained();
        private readonly double[] _z0 = new double[space.Model.StateDimension];
        private readonly double[] _defaults = space.Model.DefaultInitialState();
        private readonly double[] _times = new double[design.Count];
        private readonly int[] _channels = new int[design.Count];
        private readonly double[] _output = new double[design.Count * space.Model.StateDimension];
        private readonly double[] _z = new double[space.Dimension];
        private readonly double[] _estimated = new double[space.Dimension];

        public void Run(PriorStandardization standardization, TrainingSet set, int k, int seed)
        {
            var random = new Random(StreamSeed(seed, k));
            var normal = new GaussianSource(random);
            var model = space.Model;
            int n = design.Count, states = model.StateDimension;
            for (int attempt = 0; ; attempt++)
            {
                for (int j = 0; j < _z.Length; j++)
                {
                    _z[j] = normal.Next();
                    _estimated[j] = standardization.FromStandard(j, _z[j]);
                    _u[j] = space.IsLogScale(j) ? Math.Log(_estimated[j]) : _estimated[j];
                }

                space.ToNatural(_u, _theta);
                InitialState(model, _defaults, _theta, _z0);
                for (int i = 0; i < n; i++)
                {
                    _times[i] = random.NextDouble() * design.HorizonHours;
                    _channels[i] = random.Next(design.ChannelCount);
                }

                Array.Sort(_times, _channels);
                try
                {
                    _simulator.Simulate(_z0, _theta, _times, _output);
                }
                catch (SimulationException) when (attempt < MaxRedraws)
                {
                    continue;
                }

                int o = k * n;
                for (int i = 0; i < n; i++)
                {
                    int c = _channels[i];
                    set.Times[o + i] = _times[i];
                    set.Channels[o + i] = c;
                    set.Values[o + i] = _output[(i * states) + design.Channels[c]] + (design.NoiseSd[c] * normal.Next());
                }

                for (int j = 0; j < _z.Length; j++)
                {
                    set.Theta[(k * _z.Length) + j] = _estimated[j];
                    set.Z[(k * _z.Length) + j] = _z[j];
                }

                return;
            }
        }
    }

    /// <summary>z(0): the model's initial values (<paramref name="defaults"/>, from
    /// <see cref="ReactionNetwork.DefaultInitialState"/>), those that are parameters taken from θ.</summary>
    internal static void InitialState(ReactionNetwork model, ReadOnlySpan<double> defaults, ReadOnlySpan<double> theta, Span<double> z0)
    {
        defaults.CopyTo(z0);
        var map = model.InitialStateParameters;
        for (int i = 0; i < map.Count; i++)
        {
            if (map[i] >= 0)
            {
                z0[i] = theta[map[i]];
            }
        }
    }
}
