using BenchmarkDotNet.Attributes;
using ReactorTwin.Core.Estimation;
using ReactorTwin.Core.Inference;

namespace ReactorTwin.Benchmarks;

/// <summary>
/// The Monod fit of the three real E. coli batches (<see cref="MonodLeastSquaresStudy"/>): one evaluation of the 105
/// weighted residuals with their 105 × 4 Jacobian, one of ℓ with its gradient (the BFGS-B objective, the same
/// integration), and the whole 8-start fit on one thread by Levenberg–Marquardt and by BFGS-B.
/// </summary>
[MemoryDiagnoser]
public class LeastSquaresBenchmarks
{
    private OdeResiduals _residuals = null!;
    private PosteriorDensity _density = null!;
    private Func<IResidualFunction> _residualFactory = null!;
    private Func<ILogDensity> _densityFactory = null!;
    private ParameterSpace _space = null!;
    private double[] _u = null!, _r = null!, _j = null!, _g = null!;
    private readonly MultiStartMleOptions _options = new() { Starts = 8, Seed = 1, MaxParallelism = 1 };

    [GlobalSetup]
    public void Setup()
    {
        var (model, data, noise, space, _) = MonodLeastSquaresStudy.Problem();
        _space = space;
        _residualFactory = () => new OdeResiduals(space, new OdeLikelihood(model, space.Indices), data, noise);
        _densityFactory = () => new PosteriorDensity(space, new OdeDataLikelihood(new OdeLikelihood(model, space.Indices), data, noise));
        _residuals = (OdeResiduals)_residualFactory();
        _density = (PosteriorDensity)_densityFactory();
        _u = space.BaseUnconstrained();
        _r = new double[_residuals.ResidualCount];
        _j = new double[_r.Length * space.Dimension];
        _g = new double[space.Dimension];
    }

    [Benchmark]
    public bool ResidualsAndJacobian() => _residuals.Evaluate(_u, _r, _j, out _);

    [Benchmark]
    public double LogLikelihoodAndGradient() => _density.Evaluate(_u, _g);

    [Benchmark]
    public double FitLevenbergMarquardt() => MultiStartMle.Fit(_residualFactory, _space, _options).LogLikelihood;

    [Benchmark]
    public double FitBfgsB() => MultiStartMle.Fit(_densityFactory, _space, _options).LogLikelihood;
}
