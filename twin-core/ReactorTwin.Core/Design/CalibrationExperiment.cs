using ReactorTwin.Core.Estimation;
using ReactorTwin.Core.Inference;
using ReactorTwin.Core.Lna;
using ReactorTwin.Core.Models;
using ReactorTwin.Core.Numerics;
using ReactorTwin.Core.Simulation;

namespace ReactorTwin.Core.Design;

/// <summary>How the twin updates its estimate after each new batch.</summary>
public enum TwinEstimator
{
    /// <summary>One Adam ascent step on the new batch's Euler–Maruyama score (seed 001 eq. 7, 11).</summary>
    Adam,

    /// <summary>Bounded BFGS maximum likelihood on all batches so far, warm-started at the previous estimate.</summary>
    FullBatchMle,
}

/// <summary>Settings of a sequential calibration experiment (seed 001 section 6.2).</summary>
public sealed record CalibrationSettings
{
    /// <summary>The model shared by the physical system and the twin.</summary>
    public required ReactionNetwork Model { get; init; }

    /// <summary>θᶜ, the physical system's true parameters (full vector, natural scale).</summary>
    public required double[] TrueParameters { get; init; }

    /// <summary>The design space.</summary>
    public required DesignSpace Space { get; init; }

    /// <summary>Sampling times of every batch (h, increasing, &gt; 0); the seed uses 12, 24, …, 72.</summary>
    public required double[] SamplingTimes { get; init; }

    /// <summary>λ of the twin's Adam optimiser, one per calibrated parameter (natural scale).</summary>
    public required double[] LearningRates { get; init; }

    /// <summary>The test initial states D_test (full states).</summary>
    public required IReadOnlyList<double[]> TestInitialStates { get; init; }

    /// <summary>Name of the predicted output (the seed uses mAb at the end of the batch).</summary>
    public string Output { get; init; } = "mAb";

    /// <summary>K, the number of designed experiments after the first batch.</summary>
    public int Iterations { get; init; } = 200;

    /// <summary>l, the number of parametric-bootstrap replicates that represent θᶜ for the policies that need draws.</summary>
    public int BootstrapReplicates { get; init; } = 10;

    /// <summary>Multi-start count of the first batch's MLE.</summary>
    public int InitialFitStarts { get; init; } = 4;

    /// <summary>Euler–Maruyama step of the physical system's chemical Langevin simulation (h).</summary>
    public double SimulationStepHours { get; init; } = 0.1;

    /// <summary>LNA options of the surrogate J and its gradient. Default: the LNA's default tolerances with step
    /// control on η and Ψ only (the sensitivities follow) and a budget of 3000 steps per solve: an estimate that makes
    /// the culture so stiff that the explicit solver needs more (CHO needs 50–150 near θᶜ) gives no gradient that
    /// iteration instead of stalling the run.</summary>
    public LnaOptions SurrogateOptions { get; init; } = new()
    {
        SensitivityErrorControl = false,
        Tolerances = new DormandPrinceOptions { MaxSteps = 3000 },
    };

    /// <summary>LNA options of the bootstrap reference (η̄, Ψ̄): default tolerances, 3000 steps per solve; draws that
    /// exceed it are left out of the average.</summary>
    public LnaOptions ReferenceOptions { get; init; } = new() { Tolerances = new DormandPrinceOptions { MaxSteps = 3000 } };

    /// <summary>How the twin absorbs each batch.</summary>
    public TwinEstimator Estimator { get; init; } = TwinEstimator.Adam;
}

/// <summary>The trace of one replication of one policy.</summary>
/// <param name="Policy">Policy name.</param>
/// <param name="ParameterMre">MRE of θ̂_k against θᶜ for k = 0..K (k = 0 is the first-batch MLE).</param>
/// <param name="PredictionMre">MRE of the output prediction η_m(T; θ̂_k) against η_m(T; θᶜ), averaged over the test
/// states, for k = 0..K; NaN where the mean ODE failed at θ̂_k.</param>
/// <param name="Designs">ω_k for k = 0..K (ω₀ random).</param>
/// <param name="Estimates">θ̂_k (calibrated parameters only) for k = 0..K.</param>
/// <param name="SkippedUpdates">Batches whose score could not be evaluated (singular transition covariance), left out.</param>
public sealed record CalibrationTrace(string Policy, double[] ParameterMre, double[] PredictionMre, double[][] Designs, double[][] Estimates, int SkippedUpdates);

/// <summary>
/// The calibration experiment of seed 001 section 6.2 and Algorithm 1 for one policy and one macro-replication: a first
/// batch at a random design fitted by MLE, then K iterations of (1) the policy proposes ω_k, (2) the physical system
/// (chemical Langevin at θᶜ) runs a batch at π(ω_k), (3) the twin updates θ̂ (Adam step, eq. 11, or full-batch MLE).
/// Policies that need draws get a parametric-bootstrap ensemble of the twin's own estimator (seed section 5): l shadow
/// twins, each started from a refit of a re-simulated first batch, and at every iteration fed a batch re-simulated
/// from θ̂_{k−1} at the same design and updated by the same rule — the bootstrap of the online estimator, maintained
/// incrementally instead of refitting from scratch.
/// Random numbers come from streams derived from the replication seed, so every policy sees the same first design and
/// the same physical noise at iteration k (common random numbers across policies, as in the seed). Pure computation:
/// no I/O, no clock, no threads; one instance per thread.
/// </summary>
public sealed class CalibrationExperiment
{
    private readonly CalibrationSettings _s;
    private readonly int[] _est;
    private readonly ChemicalLangevinSimulator _physical;
    private readonly EulerMaruyamaLikelihood _em;
    private readonly MeanOdeSimulator _ode;
    private readonly PredictionMseSurrogate _surrogate;
    private readonly double[] _lower, _upper, _truthOutput;
    private readonly LikelihoodResult _result;

    /// <summary>Creates the experiment.</summary>
    public CalibrationExperiment(CalibrationSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        _s = settings;
        var model = settings.Model;
        _est = [.. Enumerable.Range(0, model.Parameters.Count).Where(k => model.Parameters[k].Estimate)];
        if (settings.LearningRates.Length != _est.Length)
        {
            throw new ArgumentException($"{settings.LearningRates.Length} learning rates given; model '{model.Name}' calibrates {_est.Length} parameters", nameof(settings));
        }

        if (settings.Iterations < 1 || settings.BootstrapReplicates < 1 || settings.InitialFitStarts < 1)
        {
            throw new ArgumentException("iterations, bootstrap replicates and fit starts must be ≥ 1", nameof(settings));
        }

        _physical = new ChemicalLangevinSimulator(model, settings.SimulationStepHours);
        _em = new EulerMaruyamaLikelihood(model, _est) { SkipSingularTransitions = true };
        _ode = new MeanOdeSimulator(model);
        _surrogate = CreateSurrogate();
        _lower = _est.Select(k => model.Parameters[k].Lower).ToArray();
        _upper = _est.Select(k => model.Parameters[k].Upper).ToArray();
        _result = new LikelihoodResult(_est.Length);
        _truthOutput = [.. settings.TestInitialStates.Select(z0 => OutputAt(z0, settings.TrueParameters))];
    }

    /// <summary>Indices into θ of the calibrated parameters.</summary>
    public IReadOnlyList<int> Estimated => _est;

    /// <summary>The prediction-MSE surrogate configured from the settings (a new instance per call).</summary>
    public PredictionMseSurrogate CreateSurrogate() =>
        new(_s.Model, _est, _s.TestInitialStates, _s.Output, _s.SamplingTimes[^1], _s.SurrogateOptions, _s.ReferenceOptions);

    /// <summary>Runs one replication of <paramref name="policy"/> with replication seed <paramref name="seed"/>.</summary>
    /// <param name="policy">A fresh policy instance (policies keep state).</param>
    /// <param name="seed">Replication seed; the same seed gives the same first design and physical noise for every policy.</param>
    /// <param name="progress">Receives the iteration count as it advances; may be null.</param>
    public CalibrationTrace Run(IDesignPolicy policy, int seed, IProgress<int>? progress = null)
    {
        ArgumentNullException.ThrowIfNull(policy);
        int q = _est.Length, iterations = _s.Iterations;
        var space = _s.Space;
        var pMre = new double[iterations + 1];
        var yMre = new double[iterations + 1];
        var designs = new double[iterations + 1][];
        var estimates = new double[iterations + 1][];
        int skipped = 0;

        // First batch at a random design, fitted by multi-start MLE from random starts.
        var setup = new Random(StreamSeed(seed, 0, 0));
        var w0 = space.Sample(setup);
        var batches = new List<(string, double[], double[], double[])> { PhysicalBatch(w0, _s.TrueParameters, StreamSeed(seed, 1, 0), "b0") };
        var theta = (double[])_s.TrueParameters.Clone();
        var start = RandomStart(setup);
        for (int j = 0; j < q; j++)
        {
            theta[_est[j]] = start[j];
        }

        theta = Fit(theta, batches, _s.InitialFitStarts, StreamSeed(seed, 2, 0));
        var adam = new AdamOptimizer(_s.LearningRates);

        // The bootstrap ensemble of the estimator (only for policies that use draws).
        var shadows = new List<(double[] Theta, AdamOptimizer Adam, List<(string, double[], double[], double[])> Data)>();
        if (policy.NeedsDraws)
        {
            for (int n = 0; n < _s.BootstrapReplicates; n++)
            {
                var data = new List<(string, double[], double[], double[])> { PhysicalBatch(w0, theta, StreamSeed(seed, 3, n), "b0") };
                shadows.Add((Fit(theta, data, 1, StreamSeed(seed, 4, n)), new AdamOptimizer(_s.LearningRates), data));
            }
        }

        designs[0] = w0;
        Record(0, theta);
        var policyRandom = new Random(StreamSeed(seed, 5, 0));
        var draws = new List<double[]>();
        for (int k = 1; k <= iterations; k++)
        {
            draws.Clear();
            draws.AddRange(shadows.Select(s => s.Theta));
            var context = new DesignContext(space, _est, theta, adam, draws, k, policyRandom, designs[k - 1]);
            var proposal = policy.Propose(context);
            var w = (double[])proposal.Design.Clone();
            space.Clamp(w);
            designs[k] = w;

            var batch = PhysicalBatch(w, _s.TrueParameters, StreamSeed(seed, 1, k), $"b{k}");
            var previous = (double[])theta.Clone();
            if (!Update(theta, adam, batches, batch, StreamSeed(seed, 6, k)))
            {
                skipped++;
            }

            for (int n = 0; n < shadows.Count; n++)
            {
                var shadowBatch = PhysicalBatch(w, previous, StreamSeed(seed, 7, (k * 1000) + n), $"b{k}");
                Update(shadows[n].Theta, shadows[n].Adam, shadows[n].Data, shadowBatch, StreamSeed(seed, 8, (k * 1000) + n));
            }

            if (policy.LearnsFromOutcomes)
            {
                double outcome;
                try
                {
                    _surrogate.SetReference([.. shadows.Select(s => s.Theta)]);
                    outcome = _surrogate.Evaluate(theta, []);
                }
                catch (LnaException)
                {
                    outcome = double.PositiveInfinity;
                }

                policy.Observe(w, outcome);
            }

            Record(k, theta);
            progress?.Report(k);
        }

        return new CalibrationTrace(policy.Name, pMre, yMre, designs, estimates, skipped);

        void Record(int k, double[] th)
        {
            estimates[k] = [.. _est.Select(j => th[j])];
            double sum = 0;
            for (int j = 0; j < q; j++)
            {
                double truth = _s.TrueParameters[_est[j]];
                sum += Math.Abs(th[_est[j]] - truth) / Math.Abs(truth);
            }

            pMre[k] = sum / q;
            double ySum = 0;
            for (int h = 0; h < _truthOutput.Length; h++)
            {
                ySum += Math.Abs(OutputAt(_s.TestInitialStates[h], th) - _truthOutput[h]) / Math.Abs(_truthOutput[h]);
            }

            yMre[k] = ySum / _truthOutput.Length;
        }
    }

    /// <summary>Mean-ODE prediction η_m(T; θ) from z₀; NaN when the integration fails.</summary>
    private double OutputAt(double[] z0, double[] theta)
    {
        int n = _s.Model.StateDimension, m = _s.Model.IndexOfState(_s.Output);
        var output = new double[n];
        try
        {
            _ode.Simulate(z0, theta, [_s.SamplingTimes[^1]], output);
        }
        catch (SimulationException)
        {
            return double.NaN;
        }

        return double.IsFinite(output[m]) ? output[m] : double.NaN;
    }

    private (string, double[], double[], double[]) PhysicalBatch(double[] design, double[] theta, int noiseSeed, string id)
    {
        int n = _s.Model.StateDimension;
        var z0 = _s.Space.InitialState(design);
        var values = new double[_s.SamplingTimes.Length * n];
        _physical.Simulate(z0, theta, _s.SamplingTimes, values, new GaussianSource(new Random(noiseSeed)));
        return (id, z0, _s.SamplingTimes, values);
    }

    /// <summary>Absorbs <paramref name="batch"/> into θ (in place). False when the batch's score was undefined.</summary>
    private bool Update(double[] theta, AdamOptimizer adam, List<(string, double[], double[], double[])> data, (string, double[], double[], double[]) batch, int seed)
    {
        data.Add(batch);
        if (_s.Estimator == TwinEstimator.FullBatchMle)
        {
            var fitted = Fit(theta, data, 1, seed);
            fitted.CopyTo(theta, 0);
            return true;
        }

        try
        {
            _em.Evaluate(ObservationSet.FromCompletePaths(_s.Model, [batch]), theta, _result);
        }
        catch (DataException)
        {
            return false;
        }

        var x = _est.Select(j => theta[j]).ToArray();
        adam.Step(x, _result.Gradient);
        for (int j = 0; j < x.Length; j++)
        {
            theta[_est[j]] = Math.Clamp(x[j], _lower[j], _upper[j]);
        }

        return true;
    }

    private double[] Fit(double[] theta, List<(string, double[], double[], double[])> data, int starts, int seed)
    {
        var space = new ParameterSpace(_s.Model, theta, _est);
        var density = new PosteriorDensity(space, new EulerMaruyamaDataLikelihood(_em, ObservationSet.FromCompletePaths(_s.Model, data)));
        try
        {
            var fit = MultiStartMle.Fit(density, space, new MultiStartMleOptions { Starts = starts, Seed = seed, MaxIterations = 500, GradientTolerance = 1e-6 });
            var result = new double[theta.Length];
            space.ToNatural(fit.Optimum, result);
            return result;
        }
        catch (InvalidOperationException)
        {
            return (double[])theta.Clone();
        }
    }

    private double[] RandomStart(Random random)
    {
        var x = new double[_est.Length];
        for (int j = 0; j < x.Length; j++)
        {
            double lo = Math.Log(_lower[j]), hi = Math.Log(_upper[j]);
            x[j] = Math.Exp(lo + ((hi - lo) * random.NextDouble()));
        }

        return x;
    }

    /// <summary>A reproducible 31-bit seed for stream (a, b) of replication <paramref name="seed"/> (SplitMix64 mixing).</summary>
    internal static int StreamSeed(int seed, int a, int b)
    {
        ulong z = ((ulong)(uint)seed * 0x9E3779B97F4A7C15UL) ^ ((ulong)(uint)a << 32) ^ (uint)b;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        z ^= z >> 31;
        return (int)(z & 0x7FFFFFFF);
    }
}
