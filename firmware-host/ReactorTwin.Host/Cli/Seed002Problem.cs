using ReactorTwin.Core.Amortized;
using ReactorTwin.Core.Models;

namespace ReactorTwin.Host.Cli;

/// <summary>One column of seed 002's Table 1: the model, its observation design, the network's width and the seed's
/// own figures to print beside ours (docs/reproduction-seed002.md).</summary>
/// <param name="Name">The <c>--problem</c> value (mmk or ecoli).</param>
/// <param name="Title">The column's name in the seed (MMK, E. coli).</param>
/// <param name="ModelName">The built-in model.</param>
/// <param name="Design">Readings, channels and noise for the model.</param>
/// <param name="Hidden">Width H of the network's hidden layers.</param>
/// <param name="SeedRows">The seed's R² and time per row, in the order BFGS 1/2/4/8 starts, Deep Inference,
/// Deep Inference + BFGS.</param>
internal sealed record Seed002Problem(string Name, string Title, string ModelName, Func<ReactionNetwork, ObservationDesign> Design, int Hidden, (string R2, string Time)[] SeedRows)
{
    /// <summary>Seed 002's MMK column: the built-in <c>mmk</c> model, 14 readings over 2 h.</summary>
    public static Seed002Problem Mmk { get; } = new(
        "mmk",
        "MMK",
        "mmk",
        ObservationDesign.Seed002Mmk,
        32,
        [("0.928 ± 0.010", "50 ms"), ("0.957 ± 0.001", "93 ms"), ("0.958 ± 0.001", "180 ms"), ("0.958 ± 0.001", "344 ms"), ("0.949 ± 0.001", "10 µs (GPU) / 37 µs (CPU)"), ("0.958 ± 0.001", "41 µs")]);

    /// <summary>Seed 002's E. coli column: the built-in <c>ecoli-batch</c> model (Anane et al. 2017 as a batch,
    /// X0, S0 and A0 unknown), X, S, A and DOTm, 30 readings over 6 h.</summary>
    public static Seed002Problem Ecoli { get; } = new(
        "ecoli",
        "E. coli",
        "ecoli-batch",
        ObservationDesign.Seed002Ecoli,
        64,
        [("0.442 ± 0.108", "2.04 s"), ("0.930 ± 0.016", "3.59 s"), ("0.984 ± 0.002", "8.15 s"), ("0.989 ± 0.001", "16.5 s"), ("0.945 ± 0.007", "18 µs (GPU) / 260 µs (CPU)"), ("0.990 ± 0.001", "1.3 s")]);

    /// <summary>The problem a <c>--problem</c> value names.</summary>
    /// <exception cref="CliException">Unknown name.</exception>
    public static Seed002Problem Parse(string name) =>
        Array.Find([Mmk, Ecoli], p => p.Name == name) ?? throw new CliException($"--problem: '{name}' is not a seed 002 problem (known: {Mmk.Name}, {Ecoli.Name})");
}
