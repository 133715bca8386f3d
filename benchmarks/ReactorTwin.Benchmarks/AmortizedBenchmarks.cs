using BenchmarkDotNet.Attributes;
using ReactorTwin.Core.Amortized;
using ReactorTwin.Core.Estimation;
using ReactorTwin.Core.Models;

namespace ReactorTwin.Benchmarks;

/// <summary>
/// Seed 002's inference time per sample (Table 1: 37 µs for MMK, 260 µs for E. coli on a CPU): the Deep Set forward
/// pass on one experiment at the MMK size (C = 2 channels, H = 32, p = 4, 14 readings, the network that
/// <c>reactortwin amortize --model mmk</c> trains by default) and at an E. coli size (C = 4, H = 64, p = 20, 30 readings;
/// the time does not depend on the weights' values), and for scale the 1-start BFGS-B fit of one MMK experiment
/// (ODE likelihood, 1024-iteration limit) that the network replaces.
/// </summary>
[MemoryDiagnoser]
[MedianColumn]
public class AmortizedBenchmarks
{
    private DeepSetNetwork _mmk = null!, _ecoli = null!;
    private double[] _tMmk = null!, _yMmk = null!, _tEcoli = null!, _yEcoli = null!;
    private int[] _cMmk = null!, _cEcoli = null!;
    private double[] _mean = new double[20], _logSd = new double[20];
    private ParameterSpace _space = null!;
    private ObservationDesign _design = null!;
    private TrainingSet _one = null!;
    private double[] _start = null!;

    [GlobalSetup]
    public void Setup()
    {
        var model = BuiltInModels.Load("mmk");
        _space = new ParameterSpace(model);
        _design = ObservationDesign.Seed002Mmk(model);
        var prior = PriorStandardization.For(_space);
        _one = TrainingSetSimulator.Simulate(_space, prior, _design, 1, seed: 3);
        _start = AmortizedComparison.PriorDraws(prior, 1, seed: 4);
        _mmk = RandomNetwork(2, 32, 4, new Random(1));
        _ecoli = RandomNetwork(4, 64, 18, new Random(2)); // ecoli-batch: 15 kinetic constants, X0, S0, A0
        (_tMmk, _cMmk, _yMmk) = Readings(14, 2, new Random(5));
        (_tEcoli, _cEcoli, _yEcoli) = Readings(30, 4, new Random(6));
    }

    [Benchmark(Description = "network, MMK size (C 2, H 32, p 4, 14 readings)")]
    public double NetworkMmk()
    {
        _mmk.Forward(_tMmk, _cMmk, _yMmk, _mean, _logSd);
        return _mean[0];
    }

    [Benchmark(Description = "network, E. coli (ecoli-batch: C 4, H 64, p 18, 30 readings)")]
    public double NetworkEcoliSize()
    {
        _ecoli.Forward(_tEcoli, _cEcoli, _yEcoli, _mean, _logSd);
        return _mean[0];
    }

    [Benchmark(Description = "BFGS-B 1 start, one MMK experiment (ODE likelihood)")]
    public double BfgsOneStartMmk() => AmortizedComparison.FitBfgs(_space, _design, _one, _start).Theta[0];

    private static DeepSetNetwork RandomNetwork(int channels, int hidden, int outputs, Random random)
    {
        var w = new double[DeepSetNetwork.WeightCount(channels, hidden, outputs)];
        for (int i = 0; i < w.Length; i++)
        {
            w[i] = ((2 * random.NextDouble()) - 1) * 0.3;
        }

        return new DeepSetNetwork(channels, hidden, outputs, 2.0, new double[channels], Enumerable.Repeat(1.0, channels).ToArray(), w);
    }

    private static (double[] T, int[] C, double[] Y) Readings(int n, int channels, Random random)
    {
        var t = new double[n];
        var c = new int[n];
        var y = new double[n];
        for (int i = 0; i < n; i++)
        {
            t[i] = random.NextDouble() * 2;
            c[i] = random.Next(channels);
            y[i] = random.NextDouble();
        }

        return (t, c, y);
    }
}
