using BenchmarkDotNet.Attributes;
using ReactorTwin.Core.Models;
using ReactorTwin.Core.Numerics;
using ReactorTwin.Core.Simulation;

namespace ReactorTwin.Benchmarks;

/// <summary>
/// Issue 2 benchmarks on the CHO model (seed 001 section 6.1): the mean ODE 0 → 72 h with the seed's 7 output
/// times, one chemical Langevin path (Δt = 0.012 h, Ω = 1) and one SSA path at Ω = 1000.
/// </summary>
[MemoryDiagnoser]
[MedianColumn]
public class SimulationBenchmarks
{
    private static readonly double[] Times = [0, 12, 24, 36, 48, 60, 72];
    private ReactionNetwork _cho = null!;
    private MeanOdeSimulator _ode = null!;
    private ChemicalLangevinSimulator _cle = null!;
    private GillespieSimulator _ssa = null!;
    private double[] _z0 = null!, _theta = null!, _out = null!;
    private GaussianSource _normal = null!;
    private Random _uniform = null!;

    [GlobalSetup]
    public void Setup()
    {
        _cho = BuiltInModels.Load("cho");
        _z0 = _cho.DefaultInitialState();
        _theta = _cho.NominalParameters();
        _out = new double[Times.Length * _cho.StateDimension];
        _ode = new MeanOdeSimulator(_cho);
        _cle = new ChemicalLangevinSimulator(_cho, 0.012);
        _ssa = new GillespieSimulator(_cho.WithSystemSize(1000));
        _normal = new GaussianSource(new Random(1));
        _uniform = new Random(2);
    }

    [Benchmark(Description = "CHO mean ODE 0-72 h (automatic switching, stays on DP5(4); rtol 1e-6)")]
    public double ChoMeanOde()
    {
        _ode.Simulate(_z0, _theta, Times, _out);
        return _out[^1];
    }

    [Benchmark(Description = "CHO CLE path 0-72 h (dt 0.012 h, 6000 steps)")]
    public double ChoCle()
    {
        _cle.Simulate(_z0, _theta, Times, _out, _normal);
        return _out[^1];
    }

    [Benchmark(Description = "CHO SSA path 0-72 h (Omega 1000)")]
    public double ChoSsa()
    {
        _ssa.Simulate(_z0, _theta, Times, _out, _uniform);
        return _out[^1];
    }
}
