using BenchmarkDotNet.Attributes;
using ReactorTwin.Core.Inference;
using ReactorTwin.Core.Lna;
using ReactorTwin.Core.Models;
using ReactorTwin.Core.Numerics;
using ReactorTwin.Core.Simulation;

namespace ReactorTwin.Benchmarks;

/// <summary>
/// Benchmarks on the CHO model: one batch 0 → 72 h observed every 12 h (GLC, LAC, mAb measured, 2 %
/// noise): Kalman–LNA log-likelihood without and with the exact gradient for the 7 α (by the adjoint, the default,
/// and by forward sensitivities); and the Euler–Maruyama
/// likelihood + gradient over 200 complete batches.
/// </summary>
[MemoryDiagnoser]
[MedianColumn]
public class LikelihoodBenchmarks
{
    private ReactionNetwork _cho = null!;
    private double[] _theta = null!;
    private ObservationSet _one = null!, _many = null!;
    private KalmanLnaLikelihood _kalmanValue = null!, _kalmanGradient = null!, _kalmanForward = null!, _looseValue = null!, _looseGradient = null!;
    private EulerMaruyamaLikelihood _em = null!;
    private MeasurementNoise _noise = null!;
    private LikelihoodResult _r0 = null!, _r7 = null!;

    [GlobalSetup]
    public void Setup()
    {
        _cho = BuiltInModels.Load("cho");
        _theta = _cho.NominalParameters();
        var many = ChoData.Rows(_cho, batches: 200, pathSeed: 11, designSeed: 12);
        var one = many.Where(r => r.Batch == "0" && (r.TimeHours == 0 || _cho.IndexOfState(r.Name) < _cho.SpeciesCount)).ToList();
        _one = ObservationSet.FromRows(_cho, one, "bench");
        _many = ObservationSet.FromRows(_cho, many, "bench");
        int[] alpha = [0, 1, 2, 3, 4, 5, 6];
        _kalmanValue = new KalmanLnaLikelihood(_cho, []);
        _kalmanGradient = new KalmanLnaLikelihood(_cho, alpha);
        _kalmanForward = new KalmanLnaLikelihood(_cho, alpha, new LnaOptions { Gradient = LnaGradientMethod.Forward });
        var loose = new LnaOptions { Tolerances = new OdeOptions { RelativeTolerance = 1e-4, AbsoluteTolerance = 1e-7 } };
        _looseValue = new KalmanLnaLikelihood(_cho, [], loose);
        _looseGradient = new KalmanLnaLikelihood(_cho, alpha, loose);
        _em = new EulerMaruyamaLikelihood(_cho, alpha);
        _noise = ChoData.Noise(_cho);

        _r0 = new LikelihoodResult(0);
        _r7 = new LikelihoodResult(7);
    }

    [Benchmark(Description = "Kalman-LNA loglik, 1 batch x 6 obs (no gradient)")]
    public double KalmanValue()
    {
        _kalmanValue.Evaluate(_one, _theta, _noise, _r0);
        return _r0.LogLikelihood;
    }

    [Benchmark(Description = "Kalman-LNA loglik + exact gradient (7 alpha, adjoint), 1 batch")]
    public double KalmanGradient()
    {
        _kalmanGradient.Evaluate(_one, _theta, _noise, _r7);
        return _r7.Gradient[0];
    }

    [Benchmark(Description = "Kalman-LNA loglik, 1 batch, rtol 1e-4 (--rtol 1e-4)")]
    public double KalmanValueLoose()
    {
        _looseValue.Evaluate(_one, _theta, _noise, _r0);
        return _r0.LogLikelihood;
    }

    [Benchmark(Description = "Kalman-LNA loglik + exact gradient (7 alpha, adjoint), 1 batch, rtol 1e-4")]
    public double KalmanGradientLoose()
    {
        _looseGradient.Evaluate(_one, _theta, _noise, _r7);
        return _r7.Gradient[0];
    }

    [Benchmark(Description = "Kalman-LNA loglik + exact gradient (7 alpha, forward sensitivities), 1 batch")]
    public double KalmanGradientForward()
    {
        _kalmanForward.Evaluate(_one, _theta, _noise, _r7);
        return _r7.Gradient[0];
    }

    [Benchmark(Description = "EM loglik + gradient (7 alpha), 200 batches x 6 transitions")]
    public double EulerMaruyama200()
    {
        _em.Evaluate(_many, _theta, _r7);
        return _r7.Gradient[0];
    }
}
