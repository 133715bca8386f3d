using System.Diagnostics;
using System.Globalization;
using ReactorTwin.Core.Estimation;
using ReactorTwin.Core.Inference;
using ReactorTwin.Core.Lna;
using ReactorTwin.Core.Models;
using ReactorTwin.Core.Numerics;

namespace ReactorTwin.Benchmarks;

/// <summary>
/// Issue 4 study: MLE recovery of CHO's seven α with the Kalman–LNA likelihood on 20 simulated batches, two designs
/// (early sampling 1, 2, 4, 6, 9, 12, 24, …, 72 h, and the seed's 12 h grid), multi-start against single start, and
/// the parametric bootstrap spread that sets the recovery tolerance of
/// <c>MleRecoveryTests.MultiStartMle_ChoEarlySampling_RecoversEveryAlphaWithinBootstrapSpread</c> (same data, same
/// seeds). Run: <c>dotnet run -c Release --project benchmarks/ReactorTwin.Benchmarks -- study cho-mle [replicates] [starts] [early|seed-12h] [offset factor]</c>.
/// </summary>
internal static class ChoStudy
{
    public static readonly double[] EarlyTimes = [1, 2, 4, 6, 9, 12, 24, 36, 48, 60, 72];
    public static readonly double[] SeedTimes = [12, 24, 36, 48, 60, 72];

    /// <summary>Loose LNA tolerances: the optimum moves by less than 1e−3 standard errors against rtol 1e−6 and it is 4–5× faster.</summary>
    public static readonly LnaOptions Lna = new() { Tolerances = new() { RelativeTolerance = 1e-4, AbsoluteTolerance = 1e-7 }, SensitivityErrorControl = false };

    public static MeasurementNoise Noise(ReactionNetwork cho)
    {
        var noise = new MeasurementNoise(cho.StateDimension);
        for (int i = 0; i < cho.StateDimension; i++)
        {
            noise.SetRelative(i, 0.02).SetAbsolute(i, 1e-3);
        }

        return noise;
    }

    public static ObservationSet Data(ReactionNetwork cho, double[] times, int batches, int seed)
    {
        var design = new Random(seed + 1);
        var starts = new List<double[]>();
        for (int b = 0; b < batches; b++)
        {
            var z0 = cho.DefaultInitialState();
            z0[0] = 18 + (20 * design.NextDouble());
            starts.Add(z0);
        }

        return SyntheticData.ChemicalLangevin(cho, cho.NominalParameters(), starts, times, Noise(cho), 0.01, new GaussianSource(new Random(seed)), "cho study");
    }

    /// <summary>θ* with the α moved away from the truth by factors f and 1/f alternately (the fit's first start).</summary>
    public static double[] OffsetStart(ReactionNetwork cho, ParameterSpace space, double factor)
    {
        var theta = cho.NominalParameters();
        for (int j = 0; j < space.Dimension; j++)
        {
            theta[space.Indices[j]] *= j % 2 == 0 ? factor : 1 / factor;
        }

        return theta;
    }

    public static void Run(string[] args)
    {
        int replicates = args.Length > 2 ? int.Parse(args[2], CultureInfo.InvariantCulture) : 60;
        int starts = args.Length > 3 ? int.Parse(args[3], CultureInfo.InvariantCulture) : 1;
        string only = args.Length > 4 ? args[4] : "";
        double factor = args.Length > 5 ? double.Parse(args[5], CultureInfo.InvariantCulture) : 1.2;
        var cho = BuiltInModels.Load("cho");
        var noise = Noise(cho);
        foreach (var (name, times) in new[] { ("early", EarlyTimes), ("seed-12h", SeedTimes) })
        {
            if (only.Length > 0 && only != name)
            {
                continue;
            }

            var data = Data(cho, times, 20, 41);
            var truthSpace = new ParameterSpace(cho);
            var space = new ParameterSpace(cho, OffsetStart(cho, truthSpace, factor));
            ILogDensity Density(ObservationSet d) => new PosteriorDensity(space, new KalmanLnaDataLikelihood(new KalmanLnaLikelihood(cho, space.Indices, Lna), d, noise));
            var density = Density(data);
            var sw = Stopwatch.StartNew();
            var fit = MultiStartMle.Fit(density, space, new MultiStartMleOptions { Starts = 1 });
            Console.WriteLine($"== design {name}: 20 batches, times {string.Join(",", times)}; single start (offset x/÷ {factor}) in {sw.Elapsed.TotalSeconds:F1} s: ll {fit.LogLikelihood:F3}, {fit.Iterations} iterations, {fit.Exit}");
            if (starts > 1)
            {
                sw.Restart();
                var multi = MultiStartMle.Fit(density, space, new MultiStartMleOptions { Starts = starts, Seed = 3 });
                Console.WriteLine($"  {starts} starts in {sw.Elapsed.TotalSeconds:F1} s; best start {multi.BestStart}, ll {multi.LogLikelihood:F3} (single {fit.LogLikelihood:F3})");
                for (int s = 0; s < multi.Starts.Count; s++)
                {
                    Console.WriteLine($"    start {s}: ll {multi.Starts[s].LogLikelihood:F3} iters {multi.Starts[s].Iterations} {multi.Starts[s].Exit}");
                }

                fit = multi;
            }

            var truth = truthSpace.BaseUnconstrained();
            var g = new double[space.Dimension];
            double lr = 2 * (fit.LogLikelihood - density.Evaluate(truth, g));
            Console.WriteLine($"  2(l(mle) - l(truth)) = {lr:F2} (chi2_7: 95% 14.07, 99% 18.48)");
            var cov = ObservedInformation.Covariance(density, fit.Optimum);
            sw.Restart();
            var boot = ParametricBootstrap.Run(space, fit.Optimum, data, Density, noise, new BootstrapOptions { Replicates = replicates, Seed = 7 });
            Console.WriteLine($"  bootstrap: {boot.Estimates.Count} replicates ({boot.Failed} failed) in {sw.Elapsed.TotalSeconds:F0} s");
            var names = space.Names.ToArray();
            for (int j = 0; j < space.Dimension; j++)
            {
                var v = boot.Estimates.Select(e => e[j]).ToArray();
                double mean = v.Average();
                double sd = Math.Sqrt(v.Sum(x => (x - mean) * (x - mean)) / (v.Length - 1));
                double se = cov is null ? double.NaN : Math.Sqrt(cov[j, j]);
                double lo = boot.Quantile(j, 0.025), hi = boot.Quantile(j, 0.975);
                Console.WriteLine($"  {names[j],-9} truth {truth[j],9:F4} mle {fit.Optimum[j],9:F4} wald-se {se,8:F4} boot-sd {sd,8:F4} |err|/boot-sd {Math.Abs(fit.Optimum[j] - truth[j]) / sd,5:F2} boot 95% [{lo:F4}, {hi:F4}] basic-interval covers {2 * fit.Optimum[j] - hi <= truth[j] && truth[j] <= 2 * fit.Optimum[j] - lo}");
            }
        }
    }
}
