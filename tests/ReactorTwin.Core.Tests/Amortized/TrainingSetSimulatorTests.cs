using ReactorTwin.Core.Amortized;
using ReactorTwin.Core.Estimation;
using ReactorTwin.Core.Models;
using ReactorTwin.Core.Simulation;

namespace ReactorTwin.Core.Tests.Amortized;

/// <summary>The training-set simulator: independent of the thread count, draws from the prior, values are the mean ODE
/// plus noise of the design's sd.</summary>
public class TrainingSetSimulatorTests
{
    private static (ParameterSpace Space, PriorStandardization Prior, ObservationDesign Design) Mmk()
    {
        var model = BuiltInModels.Load("mmk");
        var space = new ParameterSpace(model);
        return (space, PriorStandardization.For(space), ObservationDesign.Seed002Mmk(model));
    }

    [Fact]
    public void Simulate_OneAndTwoThreads_IdenticalSets()
    {
        var (space, prior, design) = Mmk();
        var one = TrainingSetSimulator.Simulate(space, prior, design, 200, seed: 3, maxParallelism: 1);
        var two = TrainingSetSimulator.Simulate(space, prior, design, 200, seed: 3, maxParallelism: 2);
        Assert.Equal(one.Times, two.Times);
        Assert.Equal(one.Channels, two.Channels);
        Assert.Equal(one.Values, two.Values);
        Assert.Equal(one.Z, two.Z);
        var other = TrainingSetSimulator.Simulate(space, prior, design, 200, seed: 4, maxParallelism: 1);
        Assert.NotEqual(one.Values, other.Values);
    }

    [Fact]
    public void Simulate_Mmk_ZIsStandardNormalAndResidualsHaveTheNoiseSd()
    {
        var (space, prior, design) = Mmk();
        const int count = 2000;
        var set = TrainingSetSimulator.Simulate(space, prior, design, count, seed: 5, maxParallelism: 1);
        // z ~ N(0, 1): mean within 4 standard errors (4/√2000 = 0.09), variance within 0.1.
        for (int j = 0; j < set.ParameterCount; j++)
        {
            double mean = 0, sq = 0;
            for (int k = 0; k < count; k++)
            {
                mean += set.ZOf(k)[j];
                sq += set.ZOf(k)[j] * set.ZOf(k)[j];
            }

            mean /= count;
            Assert.InRange(mean, -0.09, 0.09);
            Assert.InRange((sq / count) - (mean * mean), 0.9, 1.1);
            for (int k = 0; k < count; k++)
            {
                Assert.Equal(set.ThetaOf(k)[j], prior.FromStandard(j, set.ZOf(k)[j]), 12);
            }
        }

        // Residuals against an independent solve of the mean ODE at the true θ: sd within 3 % of 0.1 mM (28000 readings).
        var model = space.Model;
        var simulator = new MeanOdeSimulator(model);
        var theta = new double[4];
        var output = new double[design.Count * 2];
        double sumSq = 0;
        int n = 0;
        int channel0 = 0;
        for (int k = 0; k < count; k++)
        {
            set.ThetaOf(k).CopyTo(theta);
            simulator.Simulate([theta[2], theta[3]], theta, set.TimesOf(k), output);
            for (int i = 0; i < design.Count; i++)
            {
                int c = set.ChannelsOf(k)[i];
                channel0 += c == 0 ? 1 : 0;
                double e = set.ValuesOf(k)[i] - output[(i * 2) + design.Channels[c]];
                sumSq += e * e;
                n++;
            }

            var times = set.TimesOf(k);
            for (int i = 1; i < times.Length; i++)
            {
                Assert.True(times[i] >= times[i - 1] && times[i] <= design.HorizonHours);
            }
        }

        Assert.InRange(Math.Sqrt(sumSq / n), 0.097, 0.103);
        Assert.InRange((double)channel0 / n, 0.48, 0.52);
    }

    [Fact]
    public void Validate_BadDesign_NamesProblem()
    {
        var (space, prior, _) = Mmk();
        var ex = Assert.Throws<ArgumentException>(() => TrainingSetSimulator.Simulate(space, prior, new ObservationDesign([0, 1], [0.1, 0], 14, 2), 10, 1));
        Assert.Contains("channel P: noise sd must be finite and > 0", ex.Message, StringComparison.Ordinal);
    }
}
