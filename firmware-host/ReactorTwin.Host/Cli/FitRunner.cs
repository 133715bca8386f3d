using System.Globalization;
using System.Text.Json;
using ReactorTwin.Core.Estimation;
using ReactorTwin.Core.Estimation.Sampling;
using ReactorTwin.Core.Inference;
using ReactorTwin.Core.Models;

namespace ReactorTwin.Host.Cli;

/// <summary>Estimation method of <c>reactortwin fit</c>.</summary>
public enum FitMethod
{
    /// <summary>Multi-start L-BFGS maximum likelihood with Wald intervals from the observed information.</summary>
    Mle,

    /// <summary>MLE plus a parametric bootstrap (percentile intervals).</summary>
    Bootstrap,

    /// <summary>Metropolis-adjusted Langevin posterior sampling (uniform priors on the bounds), started at the MLE.</summary>
    Mala,

    /// <summary>Unadjusted Langevin posterior sampling (biased by O(h); for comparison with MALA).</summary>
    Ula,

    /// <summary>No-U-Turn Hamiltonian Monte Carlo (uniform priors on the bounds), started at the MLE.</summary>
    Nuts,
}

/// <summary>Optimiser of the maximum-likelihood step of <c>reactortwin fit</c> (also the start of the samplers).</summary>
public enum FitOptimizer
{
    /// <summary>Box-constrained quasi-Newton BFGS-B on ℓ and its gradient (any likelihood).</summary>
    Bfgs,

    /// <summary>Box-constrained Levenberg–Marquardt on the weighted residuals and their Jacobian (ODE likelihood with
    /// fixed measurement SDs only).</summary>
    Lm,
}

/// <summary>Settings of one <c>fit</c> run.</summary>
/// <param name="Model">Built-in name or JSON path.</param>
/// <param name="DataPath">Measurement table, long or wide (see <see cref="DataCsv"/>).</param>
/// <param name="Method">Estimation method.</param>
/// <param name="Likelihood">Likelihood.</param>
/// <param name="Parameters">NAME=VALUE base values (start point and fixed parameters).</param>
/// <param name="Noise">Measurement noise items (as for loglik).</param>
/// <param name="Starts">L-BFGS starts.</param>
/// <param name="Samples">Bootstrap replicates.</param>
/// <param name="Seed">Seed.</param>
/// <param name="OutPath">Result JSON path.</param>
public sealed record FitSettings(string Model, string DataPath, FitMethod Method, LikelihoodKind Likelihood, IReadOnlyList<string> Parameters, IReadOnlyList<string> Noise, int Starts, int Samples, int Seed, string OutPath)
{
    /// <summary><c>--omega</c>: the system size Ω (finite, &gt; 0) replacing the model's, or null for the model's.</summary>
    public double? SystemSize { get; init; }

    /// <summary><c>--per-batch</c>: parameters that take their own value in each batch, besides those the model marks.</summary>
    public IReadOnlyList<string> PerBatch { get; init; } = [];

    /// <summary><c>--optimizer</c>: the maximum-likelihood optimiser. Default BFGS-B.</summary>
    public FitOptimizer Optimizer { get; init; } = FitOptimizer.Bfgs;

    /// <summary><c>--init amortized:NET</c>: start from a trained network's estimate (<see cref="AmortizedStart"/>);
    /// null to start at the model's values and <c>--params</c>.</summary>
    public string? Init { get; init; }

    /// <summary><c>--rtol</c>: the integrator's relative tolerance (<see cref="ToleranceOption"/>), or null for 1e−6.</summary>
    public double? RelativeTolerance { get; init; }
}

/// <summary>Runs <c>reactortwin fit</c>: estimate, 2.5/50/97.5 % intervals, diagnostics and timings as JSON.</summary>
internal static class FitRunner
{
    public static int Run(FitSettings s, TextWriter stdout, TextWriter stderr, TimeProvider time)
    {
        if (s.Starts < 1 || s.Samples < 2)
        {
            throw new CliException($"--starts must be ≥ 1 (is {s.Starts}) and --samples ≥ 2 (is {s.Samples})");
        }

        ToleranceOption.Check(s.RelativeTolerance, s.Likelihood);
        var model = ModelResolver.Resolve(s.Model, s.SystemSize);
        var shared = PerBatchParameters.Shared(model, s.Parameters, "--params");
        var noise = NoiseOption.Parse(model, s.Noise);
        var data = MeasurementData.Load(model, s.DataPath, stderr);
        MeasurementData.CheckFor(s.Likelihood, data, noise, s.DataPath, s.Noise.Count > 0, stderr);
        if (s.Init is { } init)
        {
            AmortizedStart.Apply(init, model, data, s.DataPath, shared, stderr);
        }

        var layout = PerBatchParameters.Layout(model, data, s.PerBatch);
        var theta0 = PerBatchParameters.Values(layout, shared, s.Parameters, "--params");
        if (s.Method == FitMethod.Bootstrap && data.MeasuredChannels.FirstOrDefault(m => m.Channel >= model.StateDimension) is { } observable)
        {
            throw new CliException($"{s.DataPath}: the parametric bootstrap re-simulates the states only, and the data measure the observable {model.ChannelNames[observable.Channel]}; use --method mle, mala or nuts");
        }

        if (s.Optimizer == FitOptimizer.Lm && s.Likelihood != LikelihoodKind.Ode)
        {
            throw new CliException($"--optimizer lm needs --likelihood ode: the {LoglikRunner.Name(s.Likelihood)} likelihood is not a sum of squared residuals with fixed weights (use --optimizer bfgs)");
        }

        if (s.Optimizer == FitOptimizer.Lm && s.Method == FitMethod.Bootstrap)
        {
            throw new CliException("--optimizer lm applies to --method mle, mala, ula and nuts; the bootstrap's re-fits use BFGS-B (drop --optimizer or use --method mle)");
        }

        if (s.Optimizer == FitOptimizer.Lm && !layout.IsEmpty)
        {
            throw new CliException($"--optimizer lm does not take per-batch parameters ({string.Join(", ", layout.PerBatch.Select(k => model.Parameters[k].Name))}); use --optimizer bfgs");
        }

        if (s.Method == FitMethod.Bootstrap && !layout.IsEmpty)
        {
            throw new CliException($"the parametric bootstrap re-simulates the model with one parameter vector, and {string.Join(", ", layout.PerBatch.Select(k => model.Parameters[k].Name))} take a value per batch; use --method mle, mala or nuts");
        }

        var space = new ParameterSpace(model, layout.Parameters, theta0);
        var likelihoodFor = PerBatchParameters.Bind(layout, space.Indices, PerBatchParameters.Likelihood(s.Likelihood, model, noise, ToleranceOption.Lna(s.RelativeTolerance), ToleranceOption.Ode(s.RelativeTolerance)));
        long started = time.GetTimestamp();
        var density = new PosteriorDensity(space, likelihoodFor(data));
        Func<IResidualFunction>? residuals = null;
        if (s.Optimizer == FitOptimizer.Lm)
        {
            try
            {
                _ = new OdeResiduals(space, new OdeLikelihood(model, space.Indices, ToleranceOption.Ode(s.RelativeTolerance)), data, noise);
            }
            catch (ArgumentException ex)
            {
                throw new CliException($"--optimizer lm: {ex.Message}");
            }

            residuals = () => new OdeResiduals(space, new OdeLikelihood(model, space.Indices, ToleranceOption.Ode(s.RelativeTolerance)), data, noise);
        }

        string optimizer = OptimizerName(s.Optimizer);
        stderr.WriteLine($"fitting {space.Dimension} parameters of '{model.Name}' to {data.Batches.Count} batch(es) by {optimizer} with {s.Starts} start(s) on {Math.Min(s.Starts, Environment.ProcessorCount)} thread(s)…");
        MleResult mle;
        using (var progress = new ProgressLine(stderr, time))
        {
            var mleOptions = new MultiStartMleOptions { Starts = s.Starts, Seed = s.Seed, MaxParallelism = 0, Progress = progress };
            mle = residuals is null
                ? MultiStartMle.Fit(() => new PosteriorDensity(space, likelihoodFor(data)), space, mleOptions, time)
                : MultiStartMle.Fit(residuals, space, mleOptions, time);
        }

        stderr.WriteLine($"{optimizer}: {mle.Summary}; {mle.Evaluations} evaluations");
        foreach (var (o, i) in mle.Starts.Select((o, i) => (o, i)).Where(x => !x.o.Converged))
        {
            stderr.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  start {i + 1}: {o.Exit} after {o.Iterations} iterations, {o.Evaluations} evaluations, {o.Elapsed.TotalSeconds:F1} s"));
        }
        var estimate = new double[space.Parameters.Count];
        space.ToNatural(mle.Optimum, estimate);
        int d = space.Dimension;
        var lo = new double[d];
        var mid = new double[d];
        var hi = new double[d];
        string intervalKind;
        BootstrapResult? boot = null;
        LangevinResult? samplerSummary = null;
        if (s.Method == FitMethod.Bootstrap)
        {
            intervalKind = "parametric bootstrap percentiles";
            using (var progress = new ProgressLine(stderr, time))
            {
                boot = ParametricBootstrap.Run(space, mle.Optimum, data, ds => new PosteriorDensity(space, likelihoodFor(ds)), s.Likelihood != LikelihoodKind.Em ? noise : null, new BootstrapOptions { Replicates = s.Samples, Seed = s.Seed, Progress = progress, MaxParallelism = 0 });
            }

            if (boot.Estimates.Count < 2)
            {
                throw new CliException($"the bootstrap failed: {boot.Failed} of {s.Samples} re-fits failed");
            }

            for (int j = 0; j < d; j++)
            {
                (lo[j], mid[j], hi[j]) = (boot.Quantile(j, 0.025), boot.Quantile(j, 0.5), boot.Quantile(j, 0.975));
            }
        }
        else if (s.Method is FitMethod.Mala or FitMethod.Ula or FitMethod.Nuts)
        {
            intervalKind = "posterior quantiles (uniform priors on the bounds)";
            var priors = Enumerable.Range(0, d).Select(_ => (ParameterPrior)new BoundedUniformPrior()).ToArray();
            ILogDensity Posterior() => new PosteriorDensity(space, likelihoodFor(data), priors);

            // NUTS samples w with u = L + (U − L) σ(w) (Stan's transform of the bounds: no walls to end its
            // trajectories); the Langevin samplers work in u, where the bounds reject proposals.
            LogitTransformedDensity? box = s.Method == FitMethod.Nuts ? new LogitTransformedDensity(Posterior(), space.Lower, space.Upper) : null;
            Func<ILogDensity> target = box is null ? Posterior : () => new LogitTransformedDensity(Posterior(), space.Lower, space.Upper);
            var start = space.Clamp(mle.Optimum, box is null ? 1e-9 : 1e-6);
            box?.ToUnbounded(start, start);

            // Dense preconditioning: sample v with x = x̂ + L v, L L' the (regularised) inverse information at the MLE.
            var cov = ObservedInformation.RegularizedCovariance(box is null ? density : target(), start);
            var options = new LangevinOptions
            {
                Mode = s.Method switch
                {
                    FitMethod.Mala => LangevinMode.MetropolisAdjusted,
                    FitMethod.Nuts => LangevinMode.NoUTurn,
                    _ => LangevinMode.Unadjusted,
                },
                Samples = s.Samples,
                WarmupIterations = Math.Max(200, s.Samples),
                Chains = 4,
                Seed = s.Seed,
                AdaptPreconditioner = cov is null && s.Method != FitMethod.Nuts,
                InitialStepSize = 0.5,
                InitialJitter = 0.1,
            };
            stderr.WriteLine($"sampling {options.Chains} chains × ({options.WarmupIterations} warm-up + {options.Samples}) draws…");
            LangevinResult mcmc;
            using (var progress = new ProgressLine(stderr, time))
            {
                options = options with { Progress = progress, RunChainsInParallel = true };
                mcmc = cov is null ? new LangevinSampler(options).Run(target, start) : AffineDensity.Sample(target, start, cov, options);
            }

            if (box is not null)
            {
                mcmc = mcmc.MapDraws((w, u) => box.ToBounded(w, u));
            }

            samplerSummary = mcmc;
            var poor = mcmc.Summary.Where(x => !(x.RankNormalizedSplitRHat <= 1.05) || !(x.EffectiveSampleSize >= 100)).Select(x => space.Names.ElementAt(x.Index)).ToArray();
            if (poor.Length > 0)
            {
                stderr.WriteLine($"warning: chains have not mixed for {string.Join(", ", poor)} (R-hat > 1.05 or ESS < 100); increase --samples or fix weakly identified parameters with --params before trusting the intervals");
            }
            for (int j = 0; j < d; j++)
            {
                var sj = mcmc.Summary[j];
                (lo[j], mid[j], hi[j]) = (sj.Quantile025, sj.Median, sj.Quantile975);
            }
        }
        else
        {
            intervalKind = "Wald (inverse observed information)";
            var cov = ObservedInformation.Covariance(density, mle.Optimum);
            for (int j = 0; j < d; j++)
            {
                double sd = cov is null ? double.NaN : Math.Sqrt(cov[j, j]);
                (lo[j], mid[j], hi[j]) = (mle.Optimum[j] - (1.959963984540054 * sd), mle.Optimum[j], mle.Optimum[j] + (1.959963984540054 * sd));
            }

            if (cov is null)
            {
                stderr.WriteLine("warning: the observed information is not positive definite at the optimum; intervals are omitted (null)");
            }
        }

        var elapsed = time.GetElapsedTime(started);
        WriteResult(s, model, space, estimate, mle, lo, mid, hi, intervalKind, boot, samplerSummary, elapsed);
        stdout.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{mle.Summary}; {elapsed.TotalSeconds:F2} s; wrote {s.OutPath}"));
        foreach (var (name, j) in space.Names.Select((n, j) => (n, j)))
        {
            stdout.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  {name,-10} {estimate[space.Indices[j]],12:G5}  [{Natural(space, j, lo[j]),12:G5}, {Natural(space, j, hi[j]),12:G5}]"));
        }

        return 0;
    }

    /// <summary>The optimiser's name in the JSON result and on stderr.</summary>
    public static string OptimizerName(FitOptimizer optimizer) => optimizer == FitOptimizer.Lm ? "levenberg-marquardt" : "bfgs-b";

    private static double Natural(ParameterSpace space, int j, double u) => space.IsLogScale(j) ? Math.Exp(u) : u;

    private static void WriteResult(FitSettings s, ReactionNetwork model, ParameterSpace space, double[] estimate, MleResult mle, double[] lo, double[] mid, double[] hi, string intervalKind, BootstrapResult? boot, LangevinResult? mcmc, TimeSpan elapsed)
    {
        using var stream = File.Create(s.OutPath);
        using var w = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true });
        void Num(string name, double v)
        {
            if (double.IsFinite(v))
            {
                w.WriteNumber(name, v);
            }
            else
            {
                w.WriteNull(name);
            }
        }

        w.WriteStartObject();
        w.WriteString("model", model.Name);
        w.WriteString("method", s.Method.ToString().ToLowerInvariant());
        w.WriteString("likelihood", LoglikRunner.Name(s.Likelihood));
        if (s.Likelihood != LikelihoodKind.Em)
        {
            w.WriteNumber("relativeTolerance", s.RelativeTolerance ?? ToleranceOption.DefaultRelative);
        }

        w.WriteString("optimizer", OptimizerName(s.Optimizer));
        w.WriteString("intervals", intervalKind);
        w.WriteStartArray("parameters");
        for (int j = 0; j < space.Dimension; j++)
        {
            var p = space.Parameters[space.Indices[j]];
            w.WriteStartObject();
            w.WriteString("name", p.Name);
            w.WriteString("unit", p.Unit);
            Num("estimate", estimate[space.Indices[j]]);
            Num("q2_5", Natural(space, j, lo[j]));
            Num("q50", Natural(space, j, mid[j]));
            Num("q97_5", Natural(space, j, hi[j]));
            w.WriteBoolean("atBound", mle.Optimum[j] <= space.Lower[j] || mle.Optimum[j] >= space.Upper[j]);
            if (mcmc is not null)
            {
                var sj = mcmc.Summary[j];
                Num("posteriorMean", Natural(space, j, sj.Mean));
                Num("ess", sj.EffectiveSampleSize);
                Num("splitRHat", sj.SplitRHat);
                Num("rankNormalizedSplitRHat", sj.RankNormalizedSplitRHat);
            }

            w.WriteEndObject();
        }

        w.WriteEndArray();
        w.WriteStartObject("diagnostics");
        Num("loglik", mle.LogLikelihood);
        w.WriteNumber("bestStart", mle.BestStart);
        w.WriteNumber("iterations", mle.Iterations);
        w.WriteString("exit", mle.Exit);
        w.WriteBoolean("converged", !mle.Partial);
        w.WriteNumber("startsConverged", mle.Starts.Count(x => x.Converged));
        w.WriteNumber("startsStoppedBeforeConverging", mle.UnconvergedStarts.Count());
        w.WriteNumber("startsAbandoned", mle.AbandonedStarts.Count());
        w.WriteNumber("startsFailed", mle.FailedStarts.Count());
        w.WriteNumber("evaluations", mle.Evaluations);
        w.WriteStartArray("starts");
        foreach (var st in mle.Starts)
        {
            w.WriteStartObject();
            Num("loglik", st.LogLikelihood);
            w.WriteNumber("iterations", st.Iterations);
            w.WriteString("exit", st.Exit);
            w.WriteBoolean("converged", st.Converged);
            w.WriteBoolean("abandoned", st.Abandoned);
            w.WriteNumber("evaluations", st.Evaluations);
            w.WriteNumber("elapsedSeconds", st.Elapsed.TotalSeconds);
            w.WriteEndObject();
        }

        w.WriteEndArray();
        if (mcmc is not null)
        {
            w.WriteStartArray("acceptance");
            foreach (double a in mcmc.AcceptanceRates)
            {
                w.WriteNumberValue(a);
            }

            w.WriteEndArray();
            w.WriteStartArray("stepSizes");
            foreach (double h in mcmc.StepSizes)
            {
                w.WriteNumberValue(h);
            }

            w.WriteEndArray();
            w.WriteNumber("chains", mcmc.Chains);
            w.WriteNumber("drawsPerChain", mcmc.Draws);
        }

        if (boot is not null)
        {
            w.WriteNumber("bootstrapReplicates", boot.Estimates.Count);
            w.WriteNumber("bootstrapFailed", boot.Failed);
        }

        w.WriteEndObject();
        w.WriteStartObject("timings");
        w.WriteNumber("totalSeconds", elapsed.TotalSeconds);
        w.WriteNumber("mleSeconds", mle.Elapsed.TotalSeconds);
        w.WriteEndObject();
        w.WriteNumber("seed", s.Seed);
        w.WriteEndObject();
    }
}
