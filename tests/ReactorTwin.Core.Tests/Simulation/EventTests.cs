using ReactorTwin.Core.Models;
using ReactorTwin.Core.Simulation;
using static ReactorTwin.Core.Tests.Simulation.EventModels;

namespace ReactorTwin.Core.Tests.Simulation;

/// <summary>
/// Model events end to end through every method, against the closed forms of <see cref="EventModels"/>: a bolus at a
/// fixed time (additive, and diluting with a volume state) and a condition trigger that refeeds repeatedly.
/// <para>Tolerances: mean ODE and LNA 1e−7 relative (integrator at rtol 1e−10, atol 1e−13); ensembles 4 standard errors
/// (<see cref="EventModels.AssertMoments"/>). The CLE at Δt = 1e−3 h has an Euler–Maruyama bias O(kΔt) = 2e−4 relative
/// (well under 0.1 SE); its cell densities follow the explicit Euler drift step, O(μ²Δt·t/2) ≈ 5e−5 relative; the SSA's
/// midpoint step of the cell densities is exact to 1e−8.</para>
/// </summary>
public class EventTests
{
    private static readonly double[] BolusTimes = [2, 5, 5.5, 8, 10];

    [Fact]
    public void MeanOdeAndLna_Bolus_MatchClosedForm()
    {
        var model = Bolus();
        var theta = model.NominalParameters();
        var ode = new double[BolusTimes.Length];
        new MeanOdeSimulator(model, Tight).Simulate(model.DefaultInitialState(), theta, BolusTimes, ode);
        var lna = LnaPath(model, theta, BolusTimes);
        for (int j = 0; j < BolusTimes.Length; j++)
        {
            var (m, v) = BolusMoments(BolusTimes[j]);
            Relative(m, ode[j], 1e-7, $"ODE S at {BolusTimes[j]} h");
            Relative(m, lna[j].Mean[0], 1e-7, $"LNA mean at {BolusTimes[j]} h");
            Relative(v, lna[j].Covariance[0], 1e-7, $"LNA variance at {BolusTimes[j]} h");
        }

        // The output at the bolus time shows the state before it; just after, the dose is there.
        Assert.True(ode[1] < S0 * Math.Exp(-K * BolusTime) * (1 + 1e-9));
        Assert.True(ode[2] > ode[1] + (0.8 * Dose));
    }

    [Fact]
    public void MeanOdeAndLna_DilutingBolus_MatchClosedFormAndJumpCovarianceIsJPsiJt()
    {
        var model = DilutingBolus();
        var theta = model.NominalParameters();
        var ode = new double[BolusTimes.Length * 3];
        new MeanOdeSimulator(model, Tight).Simulate(model.DefaultInitialState(), theta, BolusTimes, ode);
        var lna = LnaPath(model, theta, BolusTimes);
        for (int j = 0; j < BolusTimes.Length; j++)
        {
            double t = BolusTimes[j];
            var (m, v, x, vol) = DilutingMoments(t);
            Relative(m, ode[3 * j], 1e-7, $"ODE S at {t} h");
            Relative(x, ode[(3 * j) + 1], 1e-7, $"ODE X at {t} h");
            Relative(vol, ode[(3 * j) + 2], 1e-12, $"ODE V at {t} h");
            Relative(m, lna[j].Mean[0], 1e-7, $"LNA mean S at {t} h");
            Relative(x, lna[j].Mean[1], 1e-7, $"LNA mean X at {t} h");
            Relative(v, lna[j].Covariance[0], 1e-7, $"LNA variance S at {t} h");
            for (int e = 1; e < 9; e++)
            {
                Assert.Equal(0.0, lna[j].Covariance[e], 12); // the cell phases and the volume carry no noise
            }
        }

        // Across the jump itself: Ψ⁺ = J Ψ Jᵀ with J_SS = ∂S⁺/∂S = V/(V + dV); J_SV ≠ 0 but Ψ_VV = 0.
        double[] around = [BolusTime, BolusTime + 1e-9];
        var jump = LnaPath(model, theta, around);
        double a = V0 / (V0 + FeedVolume);
        Relative(a * a * jump[0].Covariance[0], jump[1].Covariance[0], 1e-6, "Ψ⁺ = J Ψ Jᵀ");
    }

    [Fact]
    public void CleAndSsa_DilutingBolus_EnsembleMomentsMatchClosedForm()
    {
        var model = DilutingBolus();
        double[] times = [5, 6, 9];
        const int paths = 2000;
        foreach (var (what, step, seed) in new[] { ("SSA", (double?)null, 11), ("CLE", 1e-3, 12) })
        {
            var samples = Ensemble(model, times, paths, seed, step);
            for (int j = 0; j < times.Length; j++)
            {
                var (m, v, x, vol) = DilutingMoments(times[j]);
                AssertMoments(samples, 3 * j, m, v, $"{what} S at {times[j]} h");
                Relative(x, samples[0, (3 * j) + 1], what == "SSA" ? 1e-6 : 1e-4, $"{what} X at {times[j]} h");
                Relative(vol, samples[paths - 1, (3 * j) + 2], 1e-12, $"{what} V at {times[j]} h");
            }
        }
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)] // the trigger is the second event but the first root function: the jump must be its own
    public void MeanOdeAndLna_ConditionTrigger_FiresOncePerCrossingAtTheClosedFormTimes(bool leadingTimeEvent)
    {
        var model = Refeeding(leadingTimeEvent);
        var theta = model.NominalParameters();

        // Just before and after each of the three firings, and between them; S = S₀ e^{−k(t − t_j)} after firing j.
        // A firing time off by δ moves S by k·δ relative: 1e−7 relative pins each time to 2e−7 h.
        var times = new List<double> { 1.0 };
        for (int j = 1; j <= 3; j++)
        {
            times.AddRange([FiringTime(j) - 1e-5, FiringTime(j) + 1e-5, FiringTime(j) + 1.0]);
        }

        double[] grid = [.. times];
        var ode = new double[grid.Length];
        new MeanOdeSimulator(model, Tight).Simulate(model.DefaultInitialState(), theta, grid, ode);
        var lna = LnaPath(model, theta, grid);
        var endOnly = new double[1];
        new MeanOdeSimulator(model, Tight).Simulate(model.DefaultInitialState(), theta, [grid[^1]], endOnly);
        for (int j = 0; j < grid.Length; j++)
        {
            var (m, v) = RefeedingLna(grid[j]);
            Relative(m, ode[j], 1e-7, $"ODE S at {grid[j]:F6} h");
            Relative(m, lna[j].Mean[0], 1e-7, $"LNA mean S at {grid[j]:F6} h");
            Relative(v, lna[j].Covariance[0], 1e-6, $"LNA variance S (saltation) at {grid[j]:F6} h");
        }

        // Once per crossing: just after a firing S is S₀ (a second firing would give S₀ + 5), just before it is 1.
        for (int j = 1; j <= 3; j++)
        {
            Assert.InRange(ode[(3 * j) - 2], Threshold, Threshold * 1.0001);
            Assert.InRange(ode[(3 * j) - 1], TriggerS0 * 0.9999, TriggerS0);
        }

        // The firings do not depend on where the outputs are.
        Relative(ode[^1], endOnly[0], 1e-8, "S at the end without intermediate outputs");
    }

    [Fact]
    public void CleAndSsa_ConditionTrigger_MomentsMatchTheLnaWithSaltationAndNoPathFiresTwice()
    {
        var model = Refeeding();
        double[] times = [3.0, 4.5, 9.0];

        // The LNA is exact before the first firing (t = 3 h); after it, it linearises the random firing time, with
        // relative errors O((kσ_τ)², 1/Ω) ≈ 2e−3 (σ_τ ≈ 0.08 h), far below 4 SE (≈ 10 % of the variance at N = 1500).
        // The CLE fires at the end of the step that crossed, up to Δt = 1e−3 h late: a mean bias ≤ S₀kΔt = 3e−3 per firing.
        foreach (var (what, step, seed, paths, bias) in new[] { ("SSA", (double?)null, 21, 1500, 0.0), ("CLE", 1e-3, 22, 1000, 6e-3) })
        {
            var samples = Ensemble(model, times, paths, seed, step);
            for (int j = 0; j < times.Length; j++)
            {
                var (m, v) = RefeedingLna(times[j]);
                AssertMoments(samples, j, m, v, $"{what} S at {times[j]} h", bias);
                for (int p = 0; p < paths; p++)
                {
                    Assert.InRange(samples[p, j], 0.5, TriggerS0 + 0.5); // a double firing would be ≥ S₀ + 4
                }
            }
        }
    }

    [Fact]
    public void MeanOde_TriggerTrueAtTheStart_FiresOnlyAfterItHasFailed()
    {
        // S₀ = 0.5 < low: the condition holds at t = 0 and does not fire until S has risen above low and fallen again.
        var model = Refeeding();
        var output = new double[2];
        new MeanOdeSimulator(model, Tight).Simulate([0.5], model.NominalParameters(), [1.0, 4.0], output);
        Relative(0.5 * Math.Exp(-TriggerK), output[0], 1e-7, "S at 1 h");
        Relative(0.5 * Math.Exp(-4 * TriggerK), output[1], 1e-7, "S at 4 h");
    }

    [Fact]
    public void Ssa_TriggerOnTime_FiresAtItsTimeBetweenReactions()
    {
        // No molecule until the trigger "t >= 2" feeds 5 mM: no reaction is pending, so only the trigger can start the
        // path. After it S decays from a known 500 molecules: binomial at 3 h (mean 5e^{−k}, 4 SE) and, just after 2 h,
        // at most a few molecules gone (an SSA that fired the trigger late would show S = 0 there).
        var model = ReactionNetwork.CreateBuilder("timed-feed")
            .WithSystemSize(Omega)
            .AddSpecies("S", "mM", 0)
            .AddParameter("k", TriggerK, 0.01, 10)
            .AddReaction("decay", new() { ["S"] = -1 }, "k*S")
            .AddEvent("feed", "t >= 2", ("S", "S + 5"))
            .Build();
        double[] times = [1.999, 2.001, 3.0];
        var samples = Ensemble(model, times, 1000, 41, null);
        var (m, v) = Decay(5, 0, TriggerK, Omega, 1.0);
        AssertMoments(samples, 2, m, v, "SSA S at 3 h");
        for (int p = 0; p < 1000; p++)
        {
            Assert.Equal(0.0, samples[p, 0]);
            Assert.InRange(samples[p, 1], 4.9, 5.0);
        }
    }

    [Fact]
    public void TwoEventsOnOneCondition_BothFireAtEachCrossing_AndTheLnaRefusesTheCoincidence()
    {
        // "refeed" and "count" share the trigger S < low: each crossing must apply both (the count N is a cell phase
        // without reactions). The refeed, declared first, resets S, so a driver that applied only the reported root
        // would never count. The ODE, CLE and SSA count 2 firings by 9 h (the mean's at 3.58 and 7.17 h); the LNA's
        // covariance jump at two coincident events is not the product of the single ones: refused by name.
        var model = ReactionNetwork.CreateBuilder("counted-refeeding")
            .WithSystemSize(TriggerOmega)
            .AddSpecies("S", "mM", TriggerS0)
            .AddCellPhase("N", "1", 0)
            .AddParameter("k", TriggerK, 0.01, 10)
            .AddParameter("feed", Refeed, 0.1, 100)
            .AddParameter("low", Threshold, 0.1, 5)
            .AddReaction("decay", new() { ["S"] = -1 }, "k*S")
            .AddEvent("refeed", "S < low", ("S", "S + feed"))
            .AddEvent("count", "S < low", ("N", "N + 1"))
            .Build();
        double[] times = [2.0, 5.0, 9.0];
        var ode = new double[times.Length * 2];
        new MeanOdeSimulator(model, Tight).Simulate(model.DefaultInitialState(), model.NominalParameters(), times, ode);
        Assert.Equal([0.0, 1.0, 2.0], [ode[1], ode[3], ode[5]]);
        Relative(RefeedingLna(9.0).Mean, ode[4], 1e-7, "ODE S at 9 h");
        foreach (double? step in new double?[] { null, 1e-3 })
        {
            var samples = Ensemble(model, times, 50, 51, step);
            for (int p = 0; p < 50; p++)
            {
                Assert.Equal([0.0, 1.0, 2.0], [samples[p, 1], samples[p, 3], samples[p, 5]]);
            }
        }

        var ex = Assert.Throws<ReactorTwin.Core.Lna.LnaException>(() => LnaPath(model, model.NominalParameters(), times));
        Assert.Contains("the events 'refeed' and 'count' of model 'counted-refeeding' are triggered at the same instant", ex.Message, StringComparison.Ordinal);
    }
}
