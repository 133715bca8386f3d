using ReactorTwin.Core.Models;
using ReactorTwin.Core.Simulation;
using static ReactorTwin.Core.Tests.Simulation.EventModels;

namespace ReactorTwin.Core.Tests.Simulation;

/// <summary>
/// Fed-batch dilution with the volume V as a state: feed F(t) (L/h) at substrate concentration Sf, dilution rate D = F/V,
/// <code>
/// V' = F,   X' = μX − D X,   S' = D (Sf − S) − qs X
/// </code>
/// For any feed profile V = V₀ + ∫F, (XV)' = μ XV and (SV)' = Sf F − qs XV, so
/// X = X₀V₀e^{μt}/V and S = (S₀V₀ + Sf(V − V₀) − qs X₀V₀(e^{μt} − 1)/μ)/V: the closed form the mean ODE and the LNA
/// mean are checked against, with F = F₀e^{rt} written with the time t (V = V₀ + F₀(e^{rt} − 1)/r) and with F a
/// piecewise-constant input. Tolerance 1e−7 relative (integrator rtol 1e−10).
/// </summary>
public class FedBatchTests
{
    private const double F0 = 0.01, R = 0.2, Sf = 100, MuX = 0.1, Qs = 0.5, X0f = 0.5, S0f = 5, V0f = 1;
    private static readonly double[] Times = [0.5, 2, 4, 6.5, 10];

    /// <summary>The fed-batch model with the feed rate given by <paramref name="feed"/> (a formula of t or an input).</summary>
    private static ReactionNetwork FedBatch(string feed, bool input) =>
        (input ? ReactionNetwork.CreateBuilder("fed-batch-input").AddInput("F", "L/h", 0) : ReactionNetwork.CreateBuilder("fed-batch"))
            .WithSystemSize(1000)
            .AddSpecies("S", "g/L", S0f)
            .AddCellPhase("X", "g/L", X0f)
            .AddCellPhase("V", "L", V0f)
            .AddParameter("F0", F0, 0.001, 1)
            .AddParameter("r", R, 0.01, 1)
            .AddParameter("Sf", Sf, 1, 1000)
            .AddParameter("mu", MuX, 0.01, 1)
            .AddParameter("qs", Qs, 0.01, 10)
            .AddReaction("volume", new() { ["V"] = 1 }, feed)
            .AddReaction("feed", new() { ["S"] = 1 }, $"{feed}/V*(Sf - S)")
            .AddReaction("dilution", new() { ["X"] = -1 }, $"{feed}/V*X")
            .AddReaction("growth", new() { ["X"] = 1 }, "mu*X")
            .AddReaction("uptake", new() { ["S"] = -1 }, "qs*X")
            .Build();

    private static (double S, double X) ClosedForm(double t, double v)
    {
        double growth = Math.Exp(MuX * t);
        return (((S0f * V0f) + (Sf * (v - V0f)) - (Qs * X0f * V0f * (growth - 1) / MuX)) / v, X0f * V0f * growth / v);
    }

    private static void Check(ReactionNetwork model, InputSchedule? inputs, Func<double, double> volume)
    {
        var theta = model.NominalParameters();
        var ode = new double[Times.Length * 3];
        new MeanOdeSimulator(model, Tight).Simulate(model.DefaultInitialState(), theta, Times, ode, inputs);
        var lna = LnaPath(model, theta, Times, inputs);
        for (int j = 0; j < Times.Length; j++)
        {
            double t = Times[j], v = volume(t);
            var (s, x) = ClosedForm(t, v);
            Relative(v, ode[(3 * j) + 2], 1e-7, $"V at {t} h");
            Relative(x, ode[(3 * j) + 1], 1e-7, $"X at {t} h");
            Relative(s, ode[3 * j], 1e-7, $"S at {t} h");
            Relative(s, lna[j].Mean[0], 1e-7, $"LNA mean S at {t} h");
            Relative(x, lna[j].Mean[1], 1e-7, $"LNA mean X at {t} h");
            Relative(v, lna[j].Mean[2], 1e-7, $"LNA mean V at {t} h");
        }
    }

    [Fact]
    public void MeanOdeAndLna_ExponentialFeedInTime_MatchClosedForm() =>
        Check(FedBatch("F0*exp(r*t)", input: false), null, t => V0f + (F0 * (Math.Exp(R * t) - 1) / R));

    [Fact]
    public void MeanOdeAndLna_FeedFromAnInputSeries_MatchClosedForm()
    {
        // F = 0.01 L/h on [0, 2), 0.05 on [2, 6), 0.02 from 6 h: V is piecewise linear.
        var model = FedBatch("F", input: true);
        var inputs = InputSchedule.Constant(model).With("F", [0.0, 2.0, 6.0], [0.01, 0.05, 0.02]);
        Check(model, inputs, t => V0f + (0.01 * Math.Min(t, 2)) + (0.05 * Math.Clamp(t - 2, 0, 4)) + (0.02 * Math.Max(t - 6, 0)));
    }
}
