using System.Diagnostics;
using System.Globalization;
using MathNet.Numerics.LinearAlgebra;
using ReactorTwin.Core.Estimation;
using ReactorTwin.Core.Estimation.Sampling;
using ReactorTwin.Core.Inference;
using ReactorTwin.Core.Models;
using ReactorTwin.Core.Numerics;

namespace ReactorTwin.Benchmarks;

/// <summary>
/// Issue 4 calibration study: over many simulated data sets (exact Gillespie paths plus measurement noise, Kalman–LNA
/// likelihood), how often the MALA 95 % credible interval, the parametric-bootstrap 95 % percentile interval and the
/// Wald interval contain the true value. Problems: <c>id</c>, the immigration–death process of
/// <c>CalibrationTests</c> (same seeds, more data sets, draws and replicates), and <c>mm</c>, the Michaelis–Menten
/// network with k1 and k2 estimated (km1 fixed).
/// Run: <c>dotnet run -c Release --project benchmarks/ReactorTwin.Benchmarks -- study calibration id|mm [sets] [replicates] [draws]</c>.
/// </summary>
internal static class CalibrationStudy
{
    public static void Run(string[] args)
    {
        string which = args.Length > 2 ? args[2] : "id";
        int sets = args.Length > 3 ? int.Parse(args[3], CultureInfo.InvariantCulture) : 200;
        int replicates = args.Length > 4 ? int.Parse(args[4], CultureInfo.InvariantCulture) : 200;
        int draws = args.Length > 5 ? int.Parse(args[5], CultureInfo.InvariantCulture) : 2000;
        var problem = new CalibrationProblem(which);
        var mala = new int[2];
        var boot = new int[2];
        var wald = new int[2];
        var sw = Stopwatch.StartNew();
        for (int s = 0; s < sets; s++)
        {
            var r = problem.Analyse(s, replicates, draws);
            for (int j = 0; j < 2; j++)
            {
                mala[j] += r.MalaCovers[j] ? 1 : 0;
                boot[j] += r.BootstrapCovers[j] ? 1 : 0;
                wald[j] += r.WaldCovers[j] ? 1 : 0;
            }

            if ((s + 1) % 10 == 0)
            {
                Console.WriteLine($"{s + 1} sets, {sw.Elapsed.TotalSeconds:F0} s: MALA {mala[0]}/{mala[1]}, bootstrap {boot[0]}/{boot[1]}, Wald {wald[0]}/{wald[1]} (first/second parameter); last min-ESS {r.MinEss:F0}, max R-hat {r.MaxRHat:F3}");
            }
        }

        Console.WriteLine($"== {which}: {sets} data sets, {replicates} bootstrap replicates, 4 x {draws} MALA draws");
        Console.WriteLine($"MALA 95% credible interval covers {problem.Names[0]} in {mala[0]}/{sets}, {problem.Names[1]} in {mala[1]}/{sets}");
        Console.WriteLine($"bootstrap 95% percentile interval covers {problem.Names[0]} in {boot[0]}/{sets}, {problem.Names[1]} in {boot[1]}/{sets}");
        Console.WriteLine($"Wald 95% interval covers {problem.Names[0]} in {wald[0]}/{sets}, {problem.Names[1]} in {wald[1]}/{sets}");
    }
}

/// <summary>The calibration problems (the <c>id</c> one is the CI test's, same seeds).</summary>
internal sealed class CalibrationProblem
{
    private readonly ReactionNetwork _model;
    private readonly MeasurementNoise _noise;
    private readonly int[] _estimated;
    private readonly double[] _times, _start;
    private readonly bool _mm;
    private readonly int _seedBase;

    public CalibrationProblem(string which)
    {
        _mm = which == "mm";
        if (_mm)
        {
            _model = BuiltInModels.Load("michaelis-menten");
            _noise = new MeasurementNoise(_model.StateDimension);
            for (int i = 0; i < _model.StateDimension; i++)
            {
                _noise.SetAbsolute(i, 0.01);
            }

            _estimated = [0, 2]; // k1, k2; km1 fixed (about 0.4 unbinding events per batch: not identifiable)
            _times = [0.002, 0.004, 0.006, 0.008, 0.010, 0.012, 0.014, 0.016];
            _start = _model.NominalParameters();
            _start[0] *= 2;
            _start[2] /= 2;
            _seedBase = 1000;
        }
        else
        {
            _model = ReactionNetwork.CreateBuilder("immigration-death").WithSystemSize(50)
                .AddSpecies("A", "mM", 2)
                .AddParameter("k", 10, 0.1, 1000)
                .AddParameter("g", 1, 0.01, 100)
                .AddReaction("birth", new() { ["A"] = 1 }, "k")
                .AddReaction("death", new() { ["A"] = -1 }, "g*A")
                .Build();
            _noise = new MeasurementNoise(1).SetAbsolute(0, 0.2);
            _estimated = [0, 1];
            _times = [0.25, 0.5, 0.75, 1.0, 1.5, 2.0, 3.0, 4.0];
            _start = [20.0, 0.5];
            _seedBase = 500;
        }
    }

    public string[] Names => [.. _estimated.Select(k => _model.Parameters[k].Name)];

    public sealed record Outcome(bool[] MalaCovers, bool[] BootstrapCovers, bool[] WaldCovers, double MinEss, double MaxRHat);

    public Outcome Analyse(int set, int replicates, int draws)
    {
        var truthTheta = _model.NominalParameters();
        var initial = Enumerable.Range(0, _mm ? 3 : 2).Select(_ => _model.DefaultInitialState()).ToArray();
        var data = SyntheticData.Gillespie(_model, truthTheta, initial, _times, _noise, new GaussianSource(new Random(_seedBase + set)), "calibration");
        var space = new ParameterSpace(_model, _start, _estimated);
        var truth = new double[2];
        space.ToUnconstrained(truthTheta, truth);
        IDataLikelihood Lik(ObservationSet d) => new KalmanLnaDataLikelihood(new KalmanLnaLikelihood(_model, _estimated), d, _noise);
        ParameterPrior[] priors = [new BoundedUniformPrior(), new BoundedUniformPrior()];
        var fit = MultiStartMle.Fit(new PosteriorDensity(space, Lik(data)), space, new MultiStartMleOptions { Starts = 1 });
        ILogDensity Posterior() => new PosteriorDensity(space, Lik(data), priors);
        var cov = ObservedInformation.RegularizedCovariance(Posterior(), fit.Optimum) ?? throw new InvalidOperationException("no information");
        var mcmc = AffineDensity.Sample(Posterior, fit.Optimum, cov, new LangevinOptions { Chains = 4, WarmupIterations = Math.Max(200, draws / 2), Samples = draws, Seed = set + 1, InitialStepSize = 1.0, InitialJitter = 0.5 });
        var bootstrap = ParametricBootstrap.Run(space, fit.Optimum, data, d => new PosteriorDensity(space, Lik(d)), _noise, new BootstrapOptions { Replicates = replicates, Seed = set + 1, StepHours = _mm ? 2e-5 : 0.002 });
        var waldCov = ObservedInformation.Covariance(new PosteriorDensity(space, Lik(data)), fit.Optimum) ?? Matrix<double>.Build.Dense(2, 2, double.NaN);
        var m = new bool[2];
        var b = new bool[2];
        var w = new bool[2];
        for (int j = 0; j < 2; j++)
        {
            var sj = mcmc.Summary[j];
            m[j] = sj.Quantile025 <= truth[j] && truth[j] <= sj.Quantile975;
            b[j] = bootstrap.Quantile(j, 0.025) <= truth[j] && truth[j] <= bootstrap.Quantile(j, 0.975);
            double se = Math.Sqrt(waldCov[j, j]);
            w[j] = Math.Abs(fit.Optimum[j] - truth[j]) <= 1.959964 * se;
        }

        return new Outcome(m, b, w, mcmc.Summary.Min(x => x.EffectiveSampleSize), mcmc.Summary.Max(x => x.RankNormalizedSplitRHat));
    }
}
