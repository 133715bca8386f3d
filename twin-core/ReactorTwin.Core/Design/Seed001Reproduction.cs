using ReactorTwin.Core.Models;

namespace ReactorTwin.Core.Design;

/// <summary>
/// The calibration study of seed 001 section 6.2 on the CHO model: design GLC(0) ∈ [18, 38] mM with LAC(0) = 0.8 mM,
/// mAb(0) = 0, X0(0) = 180 and X1(0) = 10 (10⁶ cells/L); 7-point batches every 12 h to 72 h; test initial states
/// [28, 0.8, 0] and [38, 0.8, 0]; Adam learning rates λ = [3e−5, 3e−7, 3, 0.3, 3e−5, 3e−7, 0.3] for
/// (vmaxHK0, vmaxmAb0, KmGLC0, vmaxg0, vmaxHK1, vmaxmAb1, KmGLC1); γ = 5; the physical system at the true parameters
/// (the model's nominal values). Policy names: gradient, random, gp-ei, d-optimal.
/// </summary>
public static class Seed001Reproduction
{
    /// <summary>The seed's learning rates λ in the CHO model's parameter order.</summary>
    public static IReadOnlyList<double> LearningRates { get; } = [3e-5, 3e-7, 3, 0.3, 3e-5, 3e-7, 0.3];

    /// <summary>The policies the harness knows.</summary>
    public static IReadOnlyList<string> PolicyNames { get; } = ["gradient", "random", "gp-ei", "d-optimal"];

    /// <summary>The study's settings for K iterations.</summary>
    public static CalibrationSettings Settings(int iterations, TwinEstimator estimator = TwinEstimator.Adam)
    {
        var model = BuiltInModels.Load("cho");
        double[] baseState = [28, 0.8, 0, 180, 10];
        return new CalibrationSettings
        {
            Model = model,
            TrueParameters = model.NominalParameters(),
            Space = new DesignSpace(model, [("GLC", 18, 38)], baseState),
            SamplingTimes = [12, 24, 36, 48, 60, 72],
            LearningRates = [.. LearningRates],
            TestInitialStates = [[28, 0.8, 0, 180, 10], [38, 0.8, 0, 180, 10]],
            Output = "mAb",
            Iterations = iterations,
            Estimator = estimator,
        };
    }

    /// <summary>A fresh policy by name for <paramref name="experiment"/>.</summary>
    /// <exception cref="ArgumentException">Unknown name.</exception>
    public static IDesignPolicy CreatePolicy(string name, CalibrationExperiment experiment, CalibrationSettings settings)
    {
        ArgumentNullException.ThrowIfNull(experiment);
        ArgumentNullException.ThrowIfNull(settings);
        return name switch
        {
            "gradient" => new GradientDesignPolicy(settings.Space, experiment.CreateSurrogate(), settings.SamplingTimes, new GradientDesignOptions { StepSize = 5.0 }),
            "random" => new RandomDesignPolicy(),
            "gp-ei" => new GaussianProcessDesignPolicy(),
            "d-optimal" => new FisherInformationDesignPolicy(settings.Space, experiment.Estimated, settings.SamplingTimes),
            _ => throw new ArgumentException($"unknown policy '{name}'; known: {string.Join(", ", PolicyNames)}", nameof(name)),
        };
    }
}

/// <summary>Mean and 95 % confidence interval across replications at one iteration (seed 001 section 6.2:
/// x̄ ± 1.96 s/√n).</summary>
/// <param name="Mean">x̄ over the finite values.</param>
/// <param name="Lower">x̄ − 1.96 s/√n.</param>
/// <param name="Upper">x̄ + 1.96 s/√n.</param>
/// <param name="Count">n, the number of finite values.</param>
public readonly record struct MeanInterval(double Mean, double Lower, double Upper, int Count)
{
    /// <summary>Summarises the finite values of <paramref name="values"/>; Count = 0 and NaN fields when there are none.</summary>
    public static MeanInterval Of(IEnumerable<double> values)
    {
        ArgumentNullException.ThrowIfNull(values);
        var v = values.Where(double.IsFinite).ToArray();
        if (v.Length == 0)
        {
            return new MeanInterval(double.NaN, double.NaN, double.NaN, 0);
        }

        double mean = v.Average();
        double sd = v.Length > 1 ? Math.Sqrt(v.Sum(x => (x - mean) * (x - mean)) / (v.Length - 1)) : 0.0;
        double half = 1.96 * sd / Math.Sqrt(v.Length);
        return new MeanInterval(mean, mean - half, mean + half, v.Length);
    }
}
