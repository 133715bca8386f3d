using ReactorTwin.Core.Models;
using ReactorTwin.Host.Runtime;
using ReactorTwin.Simulator.Plant;

namespace ReactorTwin.Host.Cli;

/// <summary>
/// The culture of <c>reactortwin demo</c> and <c>reactortwin study forecast</c>: a simulated CHO reactor at the model's
/// nominal parameters (the truth), glucose and lactate read every 4 h (SD 0.2 mM + 1 %), mAb every 12 h (SD 0.005 mM +
/// 2 %), first batch at 28 mM glucose; and a twin whose guess of the seven estimated parameters is off by factors 0.6–1.8,
/// with log-normal priors centred on that guess (sdLog 1.7, a factor 5.5 either way at one sd), proposing each next
/// batch's initial glucose in [18, 38] mM and applying it.
/// </summary>
internal static class DemoCulture
{
    /// <summary>The guess of the twin: the true estimated parameters times these factors.</summary>
    private static readonly double[] GuessFactors = [1.6, 0.6, 1.8, 0.8, 1.5, 1.5, 0.6];

    /// <summary>Start of the first batch.</summary>
    public static readonly DateTimeOffset Start = new(2026, 1, 5, 8, 0, 0, TimeSpan.Zero);

    /// <summary>Indices of the estimated parameters.</summary>
    public static int[] Estimated(ReactionNetwork model) => [.. Enumerable.Range(0, model.Parameters.Count).Where(k => model.Parameters[k].Estimate)];

    /// <summary>The twin's initial guess (full parameter vector).</summary>
    public static double[] Guess(ReactionNetwork model)
    {
        var guess = model.NominalParameters();
        var estimated = Estimated(model);
        for (int j = 0; j < estimated.Length; j++)
        {
            guess[estimated[j]] *= GuessFactors[j % GuessFactors.Length];
        }

        return guess;
    }

    /// <summary>The simulated plant (reactor r1).</summary>
    /// <param name="model">The CHO model.</param>
    /// <param name="seed">Seed of the culture's noise and the sensors.</param>
    /// <param name="batches">Batches of 72 h.</param>
    /// <param name="faults">Inject sensor faults (3 % each of dropouts, duplicates, out-of-order and garbage).</param>
    public static ReactorOptions Plant(ReactionNetwork model, int seed, int batches, bool faults)
    {
        double fault = faults ? 0.03 : 0.0;
        SensorChannelOptions Channel(string c, double interval, double sd, double rel) => new()
        {
            Component = c, IntervalHours = interval, NoiseSd = sd, NoiseRelative = rel,
            DropoutProbability = fault, DuplicateProbability = fault, OutOfOrderProbability = fault, GarbageProbability = fault,
        };

        return new ReactorOptions
        {
            ReactorId = "r1",
            Model = model,
            TrueParameters = model.NominalParameters(),
            Channels = [Channel("GLC", 4, 0.2, 0.01), Channel("LAC", 4, 0.2, 0.01), Channel("mAb", 12, 0.005, 0.02)],
            InitialSetpoints = new Dictionary<string, double> { ["GLC"] = 28 },
            Seed = seed,
            Batches = batches,
            StepHours = 0.02,
        };
    }

    /// <summary>The runtime's configuration: one reactor r1 running the twin, journal at <paramref name="journalPath"/>.</summary>
    /// <param name="model">The CHO model.</param>
    /// <param name="seed">Seed of the twin's policy.</param>
    /// <param name="journalPath">SQLite journal file.</param>
    /// <param name="autoApply">Apply each proposal at once; false leaves it for someone to accept on the dashboard.</param>
    public static RuntimeOptions Runtime(ReactionNetwork model, int seed, string journalPath, bool autoApply = true)
    {
        var guess = Guess(model);
        var estimated = Estimated(model);
        return new RuntimeOptions
        {
            JournalPath = journalPath,
            Reactors =
            [
                new ReactorConfig
                {
                    Id = "r1",
                    Model = "cho",
                    Channels =
                    [
                        new ChannelConfig { Component = "GLC", NoiseSd = 0.2, NoiseRelative = 0.01, Min = -2, Max = 100 },
                        new ChannelConfig { Component = "LAC", NoiseSd = 0.2, NoiseRelative = 0.01, Min = -2, Max = 100 },
                        new ChannelConfig { Component = "mAb", NoiseSd = 0.005, NoiseRelative = 0.02, Min = -1, Max = 10 },
                    ],
                    InitialParameters = estimated.ToDictionary(k => model.Parameters[k].Name, k => guess[k]),
                    // The twin's prior belief is its guess (not the model file's medians, which are the plant's truth here).
                    Priors = estimated.ToDictionary(k => model.Parameters[k].Name, k => new PriorConfig { Kind = "lognormal", Median = guess[k], SdLog = 1.7 }),
                    Design = new Dictionary<string, double[]> { ["GLC"] = [18, 38] },
                    SafetyBounds = new Dictionary<string, double[]> { ["GLC"] = [18, 38] },
                    AutoApply = autoApply,
                    Seed = seed,
                },
            ],
        };
    }
}
