using BenchmarkDotNet.Attributes;
using ReactorTwin.Core.Models;
using ReactorTwin.Core.Numerics;
using ReactorTwin.Core.Simulation;

namespace ReactorTwin.Benchmarks;

/// <summary>
/// The stiff path: the Millard E. coli model's mean ODE over the 1 mM batch (0 → 4.25 h, 12 outputs) with the default
/// automatic switching (rtol 1e−6, atol 1e−9) and with the implicit method forced; the CHO mean ODE with the default
/// options for comparison (it stays explicit).
/// </summary>
[MemoryDiagnoser]
[MedianColumn]
public class StiffBenchmarks
{
    private static readonly double[] ChoTimes = [0, 12, 24, 36, 48, 60, 72];
    private ReactionNetwork _millard = null!, _cho = null!;
    private MeanOdeSimulator _auto = null!, _implicit = null!, _choSim = null!;
    private double[] _theta = null!, _choTheta = null!, _choZ0 = null!, _out = null!, _choOut = null!;

    [GlobalSetup]
    public void Setup()
    {
        _millard = MillardData.Load();
        _theta = _millard.NominalParameters();
        _auto = new MeanOdeSimulator(_millard);
        _implicit = new MeanOdeSimulator(_millard, new OdeOptions { Method = OdeMethod.Implicit });
        _out = new double[MillardData.Times.Length * _millard.StateDimension];
        _cho = BuiltInModels.Load("cho");
        _choSim = new MeanOdeSimulator(_cho);
        _choTheta = _cho.NominalParameters();
        _choZ0 = _cho.DefaultInitialState();
        _choOut = new double[ChoTimes.Length * _cho.StateDimension];
    }

    [Benchmark(Description = "Millard mean ODE 0-4.25 h, automatic switching")]
    public double MillardAuto()
    {
        _auto.Simulate(MillardData.Initial, _theta, MillardData.Times, _out);
        return _out[^1];
    }

    [Benchmark(Description = "Millard mean ODE 0-4.25 h, implicit only")]
    public double MillardImplicit()
    {
        _implicit.Simulate(MillardData.Initial, _theta, MillardData.Times, _out);
        return _out[^1];
    }

    [Benchmark(Description = "CHO mean ODE 0-72 h, automatic switching (stays explicit)")]
    public double ChoAuto()
    {
        _choSim.Simulate(_choZ0, _choTheta, ChoTimes, _choOut);
        return _choOut[^1];
    }
}
