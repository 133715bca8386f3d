using ReactorTwin.Core.Estimation;
using ReactorTwin.Core.Inference;
using ReactorTwin.Core.Lna;
using ReactorTwin.Core.Models;
using ReactorTwin.Core.Numerics;
using ReactorTwin.Core.Simulation;

namespace ReactorTwin.Benchmarks;

/// <summary>
/// The FitzHugh–Nagumo posterior of SciMLBenchmarks' "DiffEqBayes FitzHugh–Nagumo" (where Stan reaches about
/// 77 ESS/s): dv/dt = v − v³/3 − w + l, dw/dt = τinv (v + a − b w), (a, b, τinv, l) = (0.7, 0.8, 0.08, 0.5),
/// v(0) = w(0) = 1, both components observed at t = 1, …, 10 with N(0, 0.2²) noise, four parameters estimated.
/// Written as a reaction network with positive rates in the shifted states V = v + 3, W = w + 3 (expanding the
/// cubic: dV/dt = (3V² + 9 + l) − (V³/3 + 8V + W), dW/dt = τinv (V + a + 3b) − τinv (3 + bW)), with a large
/// system size (Ω = 10⁶) so that the Kalman–LNA likelihood is the ODE likelihood with measurement noise up to
/// O(1/Ω). Priors are the benchmark's truncated normals: a, b ~ N(1, 0.5²) on (0, 1.5], τinv ~ N(0, 0.5²) on
/// (0, 0.5], l ~ N(0.5, 0.5²) on (0, 1], sampled on the natural scale (as bounded parameters, not in log scale:
/// a and b are weakly identified and their log-scale posterior has a long tail toward 0). Differences to the Stan setup: σ = 0.2 is known (Stan also samples σ), the data are our own seeded draw.
/// </summary>
internal static class FitzHughNagumo
{
    public static readonly double[] Times = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10];

    public static ReactionNetwork Model() => ReactionNetwork.CreateBuilder("fitzhugh-nagumo").WithSystemSize(1e6)
        .AddSpecies("V", "1", 4, "v + 3")
        .AddSpecies("W", "1", 4, "w + 3")
        .AddParameter(new Parameter("a", 0.7, 0, 1.5, LogScale: false))
        .AddParameter(new Parameter("b", 0.8, 0, 1.5, LogScale: false))
        .AddParameter(new Parameter("tinv", 0.08, 0, 0.5, LogScale: false))
        .AddParameter(new Parameter("l", 0.5, 0, 1, LogScale: false))
        .AddReaction("v_up", new() { ["V"] = 1 }, "3*V*V + 9 + l")
        .AddReaction("v_down", new() { ["V"] = -1 }, "V*V*V/3 + 8*V + W")
        .AddReaction("w_up", new() { ["W"] = 1 }, "tinv*(V + a + 3*b)")
        .AddReaction("w_down", new() { ["W"] = -1 }, "tinv*(3 + b*W)")
        .Build();

    /// <summary>
    /// LNA options: Ψ is O(1/Ω) = O(1e−6), so its absolute tolerance is scaled down with it (1e−11); rtol 1e−5 with
    /// the sensitivities outside the error control was the fastest setting that kept the MAP to 7 digits.
    /// </summary>
    public static LnaOptions Lna { get; set; } = new() { SensitivityErrorControl = false, Tolerances = new() { RelativeTolerance = 1e-5, AbsoluteTolerance = 1e-11 } };

    public static MeasurementNoise Noise() => new MeasurementNoise(2).SetAbsolute(0, 0.2).SetAbsolute(1, 0.2);

    /// <summary>The ODE solution at <see cref="Times"/> plus N(0, 0.2²) noise (seeded).</summary>
    public static ObservationSet Data(ReactionNetwork model, int seed)
    {
        double[] grid = [0, .. Times];
        var path = new double[grid.Length * 2];
        new MeanOdeSimulator(model).Simulate(model.DefaultInitialState(), model.NominalParameters(), grid, path);
        var normal = new GaussianSource(new Random(seed));
        var rows = new List<DataRow>();
        for (int j = 0; j < grid.Length; j++)
        {
            for (int i = 0; i < 2; i++)
            {
                rows.Add(new DataRow("fhn", grid[j], model.StateNames[i], path[(j * 2) + i] + (j > 0 ? 0.2 * normal.Next() : 0.0)));
            }
        }

        return ObservationSet.FromRows(model, rows, "fhn");
    }

    public static PosteriorDensity Posterior(ReactionNetwork model, ParameterSpace space, ObservationSet data) =>
        new(space, new KalmanLnaDataLikelihood(new KalmanLnaLikelihood(model, space.Indices, Lna), data, Noise()), Priors());

    /// <summary>
    /// The same posterior with the ODE-plus-noise likelihood (<see cref="OdeLikelihood"/>, the Ω → ∞ limit of the
    /// Kalman–LNA one, which is what Stan's model is): 10 ODEs with sensitivities instead of 30. Tolerances as for the
    /// LNA variant would be too loose: at rtol 1e−5–1e−7 the density is rough enough to slow MALA down, so rtol 1e−8
    /// with the sensitivities under error control.
    /// </summary>
    public static PosteriorDensity OdePosterior(ReactionNetwork model, ParameterSpace space, ObservationSet data) =>
        new(space, new OdeDataLikelihood(new OdeLikelihood(model, space.Indices, new DormandPrinceOptions { RelativeTolerance = 1e-8, AbsoluteTolerance = 1e-10 }, sensitivityErrorControl: true), data, Noise()), Priors());

    private static ParameterPrior[] Priors() => [new NormalPrior(1, 0.5), new NormalPrior(1, 0.5), new NormalPrior(0, 0.5), new NormalPrior(0.5, 0.5)];
}
