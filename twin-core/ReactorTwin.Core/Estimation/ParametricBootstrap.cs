using ReactorTwin.Core.Inference;
using ReactorTwin.Core.Numerics;
using ReactorTwin.Core.Simulation;

namespace ReactorTwin.Core.Estimation;

/// <summary>Options of <see cref="ParametricBootstrap"/>.</summary>
public sealed record BootstrapOptions
{
    /// <summary>Number of replicates l, ≥ 2. Default 100.</summary>
    public int Replicates { get; init; } = 100;

    /// <summary>Seed of the re-simulations.</summary>
    public int Seed { get; init; } = 1;

    /// <summary>Euler–Maruyama step of the chemical Langevin re-simulation (h). Default 0.01 h.</summary>
    public double StepHours { get; init; } = 0.01;

    /// <summary>Options of each re-fit (by default one start at θ̂, as the estimate is a good start).</summary>
    public MultiStartMleOptions Fit { get; init; } = new() { Starts = 1 };

    /// <summary>Receives progress (units: replicates re-fitted) from the worker threads, or null.</summary>
    public IProgress<EstimationProgress>? Progress { get; init; }

    /// <summary>Re-fits run at the same time, ≥ 0 (0: one per processor). Default 1. The replicates are simulated
    /// in order first, so the result does not depend on it.</summary>
    public int MaxParallelism { get; init; } = 1;
}

/// <summary>Result of a bootstrap: the re-fitted estimates and percentile intervals in u and θ.</summary>
/// <param name="Estimates">Re-fitted u per successful replicate.</param>
/// <param name="Failed">Replicates whose re-fit failed (every start failed).</param>
public sealed record BootstrapResult(IReadOnlyList<double[]> Estimates, int Failed)
{
    /// <summary>Percentile q ∈ [0, 1] of coordinate j of u (type-7 interpolation).</summary>
    public double Quantile(int j, double q)
    {
        var v = Estimates.Select(e => e[j]).Order().ToArray();
        double h = (v.Length - 1) * q;
        int lo = (int)Math.Floor(h);
        int hi = Math.Min(lo + 1, v.Length - 1);
        return v[lo] + ((h - lo) * (v[hi] - v[lo]));
    }
}

/// <summary>
/// Parametric bootstrap of the MLE (seed 001 section 5: quantify the estimation error by re-simulating from θ̂
/// and re-fitting): each replicate re-simulates every batch of the data set with the chemical Langevin equation
/// at θ̂, from the batch's initial state, keeping the same observation times and measured components, adds
/// measurement noise drawn from the noise model when one is given, and re-fits by <see cref="MultiStartMle"/>.
/// Seeded and repeatable; the re-fits may run in parallel with the same result.
/// </summary>
public static class ParametricBootstrap
{
    /// <summary>Runs the bootstrap.</summary>
    /// <param name="space">Parameter space of the fit.</param>
    /// <param name="estimate">θ̂ as u.</param>
    /// <param name="data">The original data (its design is reused; states only, no observables; replicates are each
    /// re-drawn with their own measurement noise).</param>
    /// <param name="densityFor">Builds the objective for a re-simulated data set (called on the worker threads: it must
    /// build a new, independent instance each time).</param>
    /// <param name="noise">Measurement noise to add to re-simulated values, or null for none.</param>
    /// <param name="options">Options; null for defaults.</param>
    public static BootstrapResult Run(ParameterSpace space, double[] estimate, ObservationSet data, Func<ObservationSet, ILogDensity> densityFor, MeasurementNoise? noise = null, BootstrapOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(space);
        ArgumentNullException.ThrowIfNull(estimate);
        ArgumentNullException.ThrowIfNull(data);
        ArgumentNullException.ThrowIfNull(densityFor);
        options ??= new BootstrapOptions();
        ArgumentOutOfRangeException.ThrowIfLessThan(options.Replicates, 2);
        ArgumentOutOfRangeException.ThrowIfNegative(options.MaxParallelism);
        if (space.ExtendsModel)
        {
            throw new ArgumentException("the parametric bootstrap re-simulates the model with one parameter vector, and this space has per-batch parameters", nameof(space));
        }

        var model = space.Model;
        int n = model.StateDimension;
        if (data.MeasuredChannels.FirstOrDefault(m => m.Channel >= n) is { } observable)
        {
            throw new ArgumentException($"the parametric bootstrap re-simulates the states only, and the data measure the observable {model.ChannelNames[observable.Channel]}", nameof(data));
        }

        var theta = new double[model.Parameters.Count];
        space.ToNatural(estimate, theta);
        var cle = new ChemicalLangevinSimulator(model, options.StepHours);
        var rng = new Random(options.Seed);
        var normal = new GaussianSource(rng);
        var refitSpace = new ParameterSpace(model, theta, space.Indices);
        var replicates = new ObservationSet[options.Replicates];
        for (int rep = 0; rep < options.Replicates; rep++)
        {
            var rows = new List<DataRow>();
            foreach (var batch in data.Batches)
            {
                var times = new double[batch.Times.Count + 1];
                for (int j = 0; j < batch.Times.Count; j++)
                {
                    times[j + 1] = batch.Times[j].TimeHours;
                }

                var path = new double[times.Length * n];
                cle.Simulate(batch.InitialState, theta, times, path, normal);
                foreach (int c in batch.InitiallyMeasured)
                {
                    rows.Add(new DataRow(batch.Id, 0, model.StateNames[c], batch.InitialState[c]));
                }

                for (int j = 0; j < batch.Times.Count; j++)
                {
                    foreach (int c in batch.Times[j].Components)
                    {
                        double v = path[((j + 1) * n) + c];
                        if (noise is not null)
                        {
                            v += Math.Sqrt(noise.Variance(c, v)) * normal.Next();
                        }

                        rows.Add(new DataRow(batch.Id, times[j + 1], model.StateNames[c], v));
                    }
                }
            }

            replicates[rep] = ObservationSet.FromRows(model, rows, $"bootstrap replicate {rep + 1}");
        }

        var fits = new double[]?[options.Replicates];
        long done = 0;
        void Refit(int rep)
        {
            try
            {
                fits[rep] = MultiStartMle.Fit(densityFor(replicates[rep]), refitSpace, options.Fit).Optimum;
            }
            catch (InvalidOperationException)
            {
                fits[rep] = null;
            }

            long k = Interlocked.Increment(ref done);
            options.Progress?.Report(new EstimationProgress("bootstrap", k, options.Replicates, "replicates", ""));
        }

        int workers = options.MaxParallelism == 0 ? Environment.ProcessorCount : options.MaxParallelism;
        if (workers <= 1)
        {
            for (int rep = 0; rep < options.Replicates; rep++)
            {
                Refit(rep);
            }
        }
        else
        {
            Parallel.For(0, options.Replicates, new ParallelOptions { MaxDegreeOfParallelism = workers }, Refit);
        }

        var estimates = fits.Where(f => f is not null).Select(f => f!).ToList();
        int failed = options.Replicates - estimates.Count;
        return new BootstrapResult(estimates, failed);
    }
}
