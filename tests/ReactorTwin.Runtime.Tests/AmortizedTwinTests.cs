using ReactorTwin.Core.Amortized;
using ReactorTwin.Core.Estimation;
using ReactorTwin.Core.Models;
using ReactorTwin.Runtime.Contracts;
using ReactorTwin.Runtime.Ingest;
using ReactorTwin.Runtime.Twin;

namespace ReactorTwin.Runtime.Tests;

/// <summary>
/// The twin with an amortized network (seed 002) of the <c>mmk</c> model, trained in the test at a small size: after
/// every reading it outputs the network's posterior of the running batch (finite, ordered intervals, the readings
/// counted), and the batch-end refit starts from the network's estimate when that has the higher log posterior on the
/// refit's data — here it has, the twin's own estimate being the prior's centre — and from the twin's estimate without
/// a network.
/// </summary>
public sealed class AmortizedTwinTests
{
    private static readonly DateTimeOffset Start = new(2026, 6, 1, 8, 0, 0, TimeSpan.Zero);

    private static readonly Lazy<(ReactionNetwork Model, AmortizedNetwork Network, TrainingSet Experiment, ObservationDesign Design)> Trained = new(() =>
    {
        var model = BuiltInModels.Load("mmk");
        var space = new ParameterSpace(model);
        var design = ObservationDesign.Seed002Mmk(model);
        var prior = PriorStandardization.For(space);
        var train = TrainingSetSimulator.Simulate(space, prior, design, 1500, seed: 3, maxParallelism: 1);
        var network = DeepSetTrainer.Train(model, design, prior, train, new AmortizedTrainingOptions { Hidden = 16, Epochs = 15, BatchSize = 32, LearningRate = 3e-3, Seed = 1 }).Network;
        var experiment = TrainingSetSimulator.Simulate(space, prior, design, 1, seed: 77, maxParallelism: 1);
        return (model, network, experiment, design);
    });

    private static (List<TwinOutput> Outputs, RefitRequest Refit, double[] TwinEstimate) Run(bool withNetwork)
    {
        var (model, network, experiment, design) = Trained.Value;
        var twin = new DigitalTwin(new TwinOptions
        {
            ReactorId = "r1",
            Model = model,
            Channels = [.. design.Channels.Select((c, slot) => new TwinChannel(model.StateNames[c], design.NoiseSd[slot], 0, -5, 100))],
            OnlinePosterior = false,
            Amortized = withNetwork ? network.WithOwnBuffers() : null,
        });
        var outputs = new List<TwinOutput>();
        twin.BeginBatch(new BatchAnnouncement("b1", ContractCodec.FormatTime(Start), design.HorizonHours, [], []), Start, outputs);
        var readings = Enumerable.Range(0, experiment.Readings)
            .Select(i => (T: experiment.TimesOf(0)[i], Name: model.StateNames[design.Channels[experiment.ChannelsOf(0)[i]]], Value: experiment.ValuesOf(0)[i]))
            .OrderBy(r => r.T).ToList();
        foreach (var (t, name, value) in readings)
        {
            twin.Absorb(new Measurement("b1", name, Start.AddHours(t), t, value), predict: false, outputs);
        }

        var estimate = twin.Estimate;
        twin.CompleteRunningBatch(outputs);
        return (outputs, outputs.OfType<RefitRequest>().Single(), estimate);
    }

    [Fact]
    public void With_a_network_the_twin_publishes_its_posterior_and_starts_the_refit_from_the_better_estimate()
    {
        var (model, network, experiment, _) = Trained.Value;
        var (outputs, refit, twinEstimate) = Run(withNetwork: true);
        var estimates = outputs.OfType<AmortizedParametersOutput>().Select(o => o.Payload).ToList();
        Assert.Equal(experiment.Readings, estimates.Count); // one after every reading
        Assert.All(estimates, p =>
        {
            Assert.Equal("amortized", p.Refit);
            Assert.Equal(network.Standardization.Parameters.Select(x => x.Name), p.Parameters.Keys);
            Assert.All(p.Parameters.Values, e => Assert.True(e.Lo95 < e.Value && e.Value < e.Hi95 && double.IsFinite(e.Value)));
        });
        Assert.Contains($"{experiment.Readings} readings", estimates[^1].Parameters["Vmax"].Note, StringComparison.Ordinal);

        Assert.NotEqual(twinEstimate, refit.WarmStart); // the network's estimate was the better start
        Assert.Same(refit.WarmStart, refit.Refit.BetterStart(twinEstimate, refit.WarmStart));
        var final = estimates[^1].Parameters;
        foreach (var name in final.Keys)
        {
            Assert.Equal(final[name].Value, refit.WarmStart[model.IndexOfParameter(name)], 12);
        }
    }

    [Fact]
    public void Without_a_network_the_refit_starts_from_the_twins_estimate_and_nothing_amortized_is_published()
    {
        var (outputs, refit, twinEstimate) = Run(withNetwork: false);
        Assert.Empty(outputs.OfType<AmortizedParametersOutput>());
        Assert.Equal(twinEstimate, refit.WarmStart);
    }
}
