using System.Diagnostics;
using ReactorTwin.Core.Estimation;
using ReactorTwin.Core.Estimation.Sampling;
using ReactorTwin.Core.Inference;
using ReactorTwin.Core.Models;

namespace ReactorTwin.Benchmarks;

/// <summary>
/// Issue 4 sampler efficiency: min-ESS per second of MALA (4 chains × (1000 warm-up + 2000 draws), time of the whole
/// run including warm-up, after the MLE/MAP) on CHO with 12 complete batches (Euler–Maruyama likelihood) under
/// several priors and preconditioners, and on the FitzHugh–Nagumo problem of SciMLBenchmarks.
/// Run: <c>dotnet run -c Release --project benchmarks/ReactorTwin.Benchmarks -- study ess</c>.
/// </summary>
internal static class SamplingStudy
{
    private static readonly LangevinOptions Options = new() { Chains = 4, WarmupIterations = 1000, Samples = 2000, Seed = 5, InitialStepSize = 1.0, InitialJitter = 0.1 };

    public static void Run(string[] args)
    {
        string only = args.Length > 2 ? args[2] : "";
        if (only is "" or "fhn")
        {
            if (args.Length > 3)
            {
                FitzHughNagumo.Lna = new ReactorTwin.Core.Lna.LnaOptions { SensitivityErrorControl = args[3] == "sens", Tolerances = new() { RelativeTolerance = double.Parse(args[4], System.Globalization.CultureInfo.InvariantCulture), AbsoluteTolerance = double.Parse(args[5], System.Globalization.CultureInfo.InvariantCulture) } };
            }

            var fhn = FitzHughNagumo.Model();
            var data = FitzHughNagumo.Data(fhn, 3);
            var space = new ParameterSpace(fhn, [0.9, 0.6, 0.1, 0.4]);
            var mle = MultiStartMle.Fit(FitzHughNagumo.Posterior(fhn, space, data), space, new MultiStartMleOptions { Starts = 1 });
            Console.WriteLine($"FHN MAP (a, b, tinv, l) = {string.Join(", ", mle.Optimum.Select(x => x.ToString("F4", System.Globalization.CultureInfo.InvariantCulture)))} log π {mle.LogLikelihood} ({mle.Exit}, {mle.Iterations} iterations)");
            Report("FitzHugh–Nagumo (SciML problem), truncated-normal priors, dense preconditioner at the MAP", space, mle.Optimum, () => FitzHughNagumo.Posterior(fhn, space, data), true);
            var odeMap = MultiStartMle.Fit(FitzHughNagumo.OdePosterior(fhn, space, data), space, new MultiStartMleOptions { Starts = 1 });
            Console.WriteLine($"FHN MAP with the ODE likelihood = {string.Join(", ", odeMap.Optimum.Select(x => x.ToString("F4", System.Globalization.CultureInfo.InvariantCulture)))} log π {odeMap.LogLikelihood}");
            Report("FitzHugh–Nagumo, ODE-plus-noise likelihood (Stan's model), dense preconditioner at the MAP", space, odeMap.Optimum, () => FitzHughNagumo.OdePosterior(fhn, space, data), true);
        }

        if (only == "fhn-seeds")
        {
            // min-ESS of one 4 × 2000 run on this posterior varies several-fold with the seed: compare the two
            // likelihoods over seeds 1..8 (same data, same MAP start and preconditioner per likelihood).
            var fhn = FitzHughNagumo.Model();
            var data = FitzHughNagumo.Data(fhn, 3);
            var space = new ParameterSpace(fhn, [0.9, 0.6, 0.1, 0.4]);
            SeedSweep("FHN Kalman-LNA", space, () => FitzHughNagumo.Posterior(fhn, space, data));
            SeedSweep("FHN ODE", space, () => FitzHughNagumo.OdePosterior(fhn, space, data));
            SeedSweep("FHN ODE, pilot-adapted dense metric", space, () => FitzHughNagumo.OdePosterior(fhn, space, data), pilot: true);
            SeedSweep("FHN ODE, NUTS", space, () => FitzHughNagumo.OdePosterior(fhn, space, data), nuts: true);
            SeedSweep("FHN ODE, logit-transformed bounds, MALA", space, () => FitzHughNagumo.OdePosterior(fhn, space, data), logit: true);
            SeedSweep("FHN ODE, logit-transformed bounds, NUTS", space, () => FitzHughNagumo.OdePosterior(fhn, space, data), nuts: true, logit: true);
            return;
        }

        if (only == "fhn-nuts")
        {
            var fhn = FitzHughNagumo.Model();
            var data = FitzHughNagumo.Data(fhn, 3);
            var space = new ParameterSpace(fhn, [0.9, 0.6, 0.1, 0.4]);
            SeedSweep("FHN ODE, logit-transformed bounds, NUTS, MALA-pilot dense metric", space, () => FitzHughNagumo.OdePosterior(fhn, space, data), pilot: true, nuts: true, logit: true);
            return;
        }

        if (only == "cho-uniform-nuts")
        {
            // CHO under uniform priors on the two-decade bounds (the ridge MALA cannot cross): NUTS in logit coordinates.
            var cho = BuiltInModels.Load("cho");
            var data = ObservationSet.FromRows(cho, ChoData.Rows(cho, batches: 12, pathSeed: 21, designSeed: 22, step: 0.01), "bench");
            var space = new ParameterSpace(cho);
            var uniform = Enumerable.Range(0, space.Dimension).Select(_ => (ParameterPrior)new BoundedUniformPrior()).ToArray();
            SeedSweep("CHO uniform priors, logit, NUTS, MALA-pilot metric", space, () => new PosteriorDensity(space, new EulerMaruyamaDataLikelihood(new EulerMaruyamaLikelihood(cho, space.Indices), data), uniform), pilot: true, nuts: true, logit: true, seeds: 2);
            return;
        }

        if (only == "cho-seeds")
        {
            var cho = BuiltInModels.Load("cho");
            var data = ObservationSet.FromRows(cho, ChoData.Rows(cho, batches: 12, pathSeed: 21, designSeed: 22, step: 0.01), "bench");
            var space = new ParameterSpace(cho);
            var priors = LogNormal(space, cho.NominalParameters(), 0.5);
            SeedSweep("CHO log-normal sdLog 0.5", space, () => new PosteriorDensity(space, new EulerMaruyamaDataLikelihood(new EulerMaruyamaLikelihood(cho, space.Indices), data), priors));
            return;
        }

        if (only is "" or "cho")
        {
            var cho = BuiltInModels.Load("cho");
            var data = ObservationSet.FromRows(cho, ChoData.Rows(cho, batches: 12, pathSeed: 21, designSeed: 22, step: 0.01), "bench");
            var space = new ParameterSpace(cho);
            var uniform = Enumerable.Range(0, space.Dimension).Select(_ => (ParameterPrior)new BoundedUniformPrior()).ToArray();
            var nominal = cho.NominalParameters();
            foreach (var (label, priors) in new[]
            {
                ("uniform priors", uniform),
                ("log-normal priors, median = seed 001 value, sdLog = 1 (factor 2.7)", LogNormal(space, nominal, 1.0)),
                ("log-normal priors, median = seed 001 value, sdLog = 0.5 (factor 1.65)", LogNormal(space, nominal, 0.5)),
            })
            {
                PosteriorDensity Density() => new(space, new EulerMaruyamaDataLikelihood(new EulerMaruyamaLikelihood(cho, space.Indices), data), priors);
                var map = MultiStartMle.Fit(Density(), space, new MultiStartMleOptions { Starts = 2 });
                var start = space.Clamp(map.Optimum, 1e-9);

                // The uniform-prior MAP sits on a bound: take the curvature of the likelihood alone (no bounds) there.
                var curvature = label == "uniform priors" ? new PosteriorDensity(space, new EulerMaruyamaDataLikelihood(new EulerMaruyamaLikelihood(cho, space.Indices), data)) : null;
                if (label == "uniform priors")
                {
                    Report($"CHO 12 batches, {label}, diagonal preconditioner (previous benchmark)", space, start, Density, false, curvature);
                }

                Report($"CHO 12 batches, {label}, dense preconditioner at the MAP", space, start, Density, true, curvature);
            }
        }
    }

    /// <summary>Samples one posterior with seeds 1..8 from its MAP with the dense preconditioner there and prints the
    /// min-ESS/s of each run and their median (the figure to quote: one run's min-ESS is a noisy estimate).</summary>
    private static void SeedSweep(string name, ParameterSpace space, Func<PosteriorDensity> make, bool pilot = false, bool nuts = false, bool logit = false, int seeds = 8)
    {
        var map = space.Clamp(MultiStartMle.Fit(make(), space, new MultiStartMleOptions { Starts = 1 }).Optimum, 1e-9);
        Func<ILogDensity> target = make;
        LogitTransformedDensity? view = null;
        if (logit)
        {
            // Sample w with u = L + (U − L) σ(w) (Stan's transform of bounded parameters); report ESS of u.
            view = new LogitTransformedDensity(make(), space.Lower, space.Upper);
            var w = new double[map.Length];
            view.ToUnbounded(space.Clamp(map, 1e-6), w);
            map = w;
            target = () => new LogitTransformedDensity(make(), space.Lower, space.Upper);
        }

        var cov = ObservedInformation.RegularizedCovariance(target(), map)!;
        var rates = new List<double>();
        for (int seed = 1; seed <= seeds; seed++)
        {
            var sw = Stopwatch.StartNew();
            var centre = map;
            var metric = cov;
            if (pilot)
            {
                // Stage 1: 4 × (500 + 1000) from the MAP with its curvature; stage 2 uses the pilot draws' mean and
                // covariance (timed together).
                var p = AffineDensity.Sample(target, map, cov, Options with { Seed = 1000 + seed, WarmupIterations = 500, Samples = 1000 });
                centre = p.PooledMean();
                metric = MathNet.Numerics.LinearAlgebra.Matrix<double>.Build.DenseOfRowArrays(p.PooledCovariance());
            }

            var result = AffineDensity.Sample(target, centre, metric, Options with { Seed = seed, Mode = nuts ? LangevinMode.NoUTurn : LangevinMode.MetropolisAdjusted });
            if (view is not null)
            {
                result = result.MapDraws((w, u) => view.ToBounded(w, u));
            }

            double secs = sw.Elapsed.TotalSeconds, minEss = result.Summary.Min(x => x.EffectiveSampleSize);
            rates.Add(minEss / secs);
            Console.WriteLine($"{name} seed {seed}: {secs:F2} s, min-ESS {minEss:F0}, min-ESS/s {minEss / secs:F0}, max rank R-hat {result.Summary.Max(x => x.RankNormalizedSplitRHat):F3}, step {result.StepSizes.Average():G3}, divergences {result.NonFiniteProposals.Sum()}");
        }

        rates.Sort();
        double median = rates.Count % 2 == 1 ? rates[rates.Count / 2] : (rates[(rates.Count / 2) - 1] + rates[rates.Count / 2]) / 2;
        Console.WriteLine($"{name}: median min-ESS/s {median:F0} (range {rates[0]:F0}–{rates[^1]:F0}) over {rates.Count} seeds");
    }

    private static ParameterPrior[] LogNormal(ParameterSpace space, double[] nominal, double sdLog) =>
        [.. space.Indices.Select(k => (ParameterPrior)new LogNormalPrior(nominal[k], sdLog))];

    private static void Report(string label, ParameterSpace space, double[] start, Func<ILogDensity> density, bool dense, ILogDensity? curvature = null)
    {
        var sw = Stopwatch.StartNew();
        LangevinResult result;
        if (dense)
        {
            var cov = ObservedInformation.RegularizedCovariance(curvature ?? density(), start)!;
            result = AffineDensity.Sample(density, start, cov, Options);
        }
        else
        {
            var cov = ObservedInformation.RegularizedCovariance(curvature ?? density(), start)!;
            result = new LangevinSampler(Options with { InitialStepSize = 0.5, Preconditioner = [.. Enumerable.Range(0, space.Dimension).Select(j => cov[j, j])] }).Run(density, start);
        }

        double seconds = sw.Elapsed.TotalSeconds;
        double minEss = result.Summary.Min(s => s.EffectiveSampleSize);
        double maxRHat = result.Summary.Max(s => s.RankNormalizedSplitRHat);
        Console.WriteLine($"{label}: {seconds:F2} s, min-ESS {minEss:F0} of {result.Chains * result.Draws}, min-ESS/s {minEss / seconds:F0}, max rank R-hat {maxRHat:F3}, acceptance {result.AcceptanceRates.Average():F2}");
        var names = space.Names.ToArray();
        foreach (var s in result.Summary)
        {
            Console.WriteLine($"    {names[s.Index],-9} mean {s.Mean,9:F4} sd {s.StandardDeviation:F4} 95% [{s.Quantile025:F4}, {s.Quantile975:F4}] ESS {s.EffectiveSampleSize:F0} R-hat {s.RankNormalizedSplitRHat:F3}");
        }
    }
}
