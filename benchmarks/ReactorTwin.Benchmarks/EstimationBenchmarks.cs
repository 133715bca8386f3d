using BenchmarkDotNet.Attributes;
using ReactorTwin.Core.Estimation;
using ReactorTwin.Core.Estimation.Sampling;
using ReactorTwin.Core.Inference;
using ReactorTwin.Core.Models;
using ReactorTwin.Core.Numerics;
using ReactorTwin.Core.Simulation;

namespace ReactorTwin.Benchmarks;

/// <summary>
/// Issue 4 benchmarks on CHO with 12 complete batches (Euler–Maruyama likelihood, uniform priors): one MALA step
/// (the posterior started at the MLE with the observed-information preconditioner), a full 4 × (1000 warm-up + 2000)
/// MALA run (min-ESS per second is computed from its result in docs/benchmarks.md), the same run with log-normal
/// priors (sdLog 0.5 at the seed 001 values) and the dense preconditioner at the MAP, a MALA run on the SciML
/// FitzHugh–Nagumo problem (<see cref="FitzHughNagumo"/>), and one streaming update per new measurement (Kalman–LNA
/// predict 12 h + condition on one species). min-ESS of the runs: <c>-- study ess</c> (same seeds).
/// </summary>
[MemoryDiagnoser]
public class EstimationBenchmarks
{
    private ReactionNetwork _cho = null!;
    private ParameterSpace _space = null!;
    private ObservationSet _data = null!;
    private ParameterPrior[] _priors = null!;
    private double[] _start = null!, _precond = null!;
    private LangevinChain _chain = null!;
    private double _h;
    private KalmanLnaLikelihood _filter = null!;
    private ObservationTime[] _glc = null!;
    private MeasurementNoise _noise = null!;
    private double[] _theta = null!;
    private List<DataRow> _rows = null!;
    private int _next;
    private double[] _mapInformative = null!;
    private MathNet.Numerics.LinearAlgebra.Matrix<double> _covInformative = null!, _fhnCov = null!;
    private ReactionNetwork _fhn = null!;
    private ObservationSet _fhnData = null!;
    private ParameterSpace _fhnSpace = null!;
    private double[] _fhnMap = null!;

    [GlobalSetup]
    public void Setup()
    {
        _cho = BuiltInModels.Load("cho");
        _rows = ChoData.Rows(_cho, batches: 12, pathSeed: 21, designSeed: 22, step: 0.01);
        _data = ObservationSet.FromRows(_cho, _rows, "bench");
        _space = new ParameterSpace(_cho);
        _priors = Enumerable.Range(0, _space.Dimension).Select(_ => (ParameterPrior)new BoundedUniformPrior()).ToArray();
        var mle = MultiStartMle.Fit(Density(), _space, new MultiStartMleOptions { Starts = 2 });
        _start = _space.Clamp(mle.Optimum, 1e-9);
        var likelihoodOnly = new PosteriorDensity(_space, new EulerMaruyamaDataLikelihood(new EulerMaruyamaLikelihood(_cho, _space.Indices), _data));
        var cov = ObservedInformation.Covariance(likelihoodOnly, mle.Optimum);
        _precond = Enumerable.Range(0, _space.Dimension).Select(j => cov is null ? 0.01 : Math.Abs(cov[j, j])).ToArray();
        _chain = new LangevinChain(Density(), _start, _precond, adjusted: true, new Random(3));
        _h = 0.5;
        var noise = ChoData.Noise(_cho);
        _noise = noise;
        _filter = new KalmanLnaLikelihood(_cho, []);
        _theta = _cho.NominalParameters();
        _mapInformative = _space.Clamp(MultiStartMle.Fit(InformativeDensity(), _space, new MultiStartMleOptions { Starts = 2 }).Optimum, 1e-9);
        _covInformative = ObservedInformation.RegularizedCovariance(InformativeDensity(), _mapInformative)!;
        _fhn = FitzHughNagumo.Model();
        _fhnData = FitzHughNagumo.Data(_fhn, 3);
        _fhnSpace = new ParameterSpace(_fhn, [0.9, 0.6, 0.1, 0.4]);
        _fhnMap = MultiStartMle.Fit(FitzHughNagumo.Posterior(_fhn, _fhnSpace, _fhnData), _fhnSpace, new MultiStartMleOptions { Starts = 1 }).Optimum;
        _fhnCov = ObservedInformation.RegularizedCovariance(FitzHughNagumo.Posterior(_fhn, _fhnSpace, _fhnData), _fhnMap)!;
        _glc = _data.Batches[0].Times.Select(t => new ObservationTime(t.TimeHours, [0], [t.Values[0]])).ToArray();
    }

    private PosteriorDensity Density() =>
        new(_space, new EulerMaruyamaDataLikelihood(new EulerMaruyamaLikelihood(_cho, _space.Indices), _data), _priors);

    [Benchmark(Description = "MALA step, CHO, 12 batches (EM likelihood + gradient)")]
    public double MalaStep() => _chain.Step(_h, out _);

    [Benchmark(Description = "MALA run 4 chains x (1000 warm-up + 2000), CHO 12 batches")]
    public double MalaRun()
    {
        var result = new LangevinSampler(new LangevinOptions { Chains = 4, WarmupIterations = 1000, Samples = 2000, Seed = 5, Preconditioner = _precond, InitialStepSize = 0.5 })
            .Run(Density, _start);
        return result.Summary.Min(s => s.EffectiveSampleSize);
    }

    [Benchmark(Description = "MALA run 4 chains x (1000 warm-up + 2000), CHO 12 batches, log-normal priors sdLog 0.5, dense preconditioner at the MAP")]
    public double MalaRunInformativeDense()
    {
        var result = AffineDensity.Sample(InformativeDensity, _mapInformative, _covInformative, new LangevinOptions { Chains = 4, WarmupIterations = 1000, Samples = 2000, Seed = 5, InitialStepSize = 1.0, InitialJitter = 0.1 });
        return result.Summary.Min(s => s.EffectiveSampleSize);
    }

    [Benchmark(Description = "MALA run 4 chains x (1000 warm-up + 2000), FitzHugh-Nagumo (SciML problem), dense preconditioner at the MAP")]
    public double MalaRunFitzHughNagumo()
    {
        var result = AffineDensity.Sample(() => FitzHughNagumo.Posterior(_fhn, _fhnSpace, _fhnData), _fhnMap, _fhnCov, new LangevinOptions { Chains = 4, WarmupIterations = 1000, Samples = 2000, Seed = 5, InitialStepSize = 1.0, InitialJitter = 0.1 });
        return result.Summary.Min(s => s.EffectiveSampleSize);
    }

    [Benchmark(Description = "MALA run 4 chains x (1000 warm-up + 2000), FitzHugh-Nagumo, ODE-plus-noise likelihood, dense preconditioner at the MAP")]
    public double MalaRunFitzHughNagumoOde()
    {
        var result = AffineDensity.Sample(() => FitzHughNagumo.OdePosterior(_fhn, _fhnSpace, _fhnData), _fhnMap, _fhnCov, new LangevinOptions { Chains = 4, WarmupIterations = 1000, Samples = 2000, Seed = 5, InitialStepSize = 1.0, InitialJitter = 0.1 });
        return result.Summary.Min(s => s.EffectiveSampleSize);
    }

    private PosteriorDensity InformativeDensity() =>
        new(_space, new EulerMaruyamaDataLikelihood(new EulerMaruyamaLikelihood(_cho, _space.Indices), _data), [.. _space.Indices.Select(k => (ParameterPrior)new LogNormalPrior(_theta[k], 0.5))]);

    [Benchmark(Description = "Streaming update: one measurement (LNA predict 12 h + Kalman update, GLC)")]
    public double StreamingUpdate()
    {
        // The live filter of StreamingPosterior.AddMeasurement: cycle through GLC at 12, 24, ... 72 h of batch 0.
        if (_next == 0 || _next > 6)
        {
            _filter.BeginBatch(_data.Batches[0].InitialState);
            _next = 1;
        }

        var obs = _glc[_next - 1];
        _next++;
        return _filter.Absorb(obs, _theta, _noise, []);
    }
}
