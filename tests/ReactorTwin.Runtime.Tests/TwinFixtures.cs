using ReactorTwin.Core.Design;
using ReactorTwin.Core.Models;
using ReactorTwin.Runtime.Contracts;
using ReactorTwin.Runtime.Ingest;
using ReactorTwin.Runtime.Journal;
using ReactorTwin.Runtime.Pipeline;
using ReactorTwin.Runtime.Twin;
using ReactorTwin.Simulator.Plant;

namespace ReactorTwin.Runtime.Tests;

/// <summary>The plant and twin set-ups the engine tests share.</summary>
internal static class TwinFixtures
{
    /// <summary>The plant most engine tests run: reactor r1, GLC and LAC measured every 6 h with SD 0.2.</summary>
    public static ReactorOptions GlcLacPlant(ReactionNetwork model, int seed, int batches)
    {
        static SensorChannelOptions Ch(string c) => new() { Component = c, IntervalHours = 6, NoiseSd = 0.2 };
        return new ReactorOptions { ReactorId = "r1", Model = model, Channels = [Ch("GLC"), Ch("LAC")], Seed = seed, Batches = batches, StepHours = 0.02 };
    }

    /// <summary>The matching twin: GLC and LAC channels, and (optionally) initial glucose designed in [18, 38] mM.</summary>
    public static TwinOptions GlcLacTwin(ReactionNetwork model, bool design = false, bool autoApply = true) => new()
    {
        ReactorId = "r1",
        Model = model,
        Channels = [new TwinChannel("GLC", 0.2, 0, -2, 100), new TwinChannel("LAC", 0.2, 0, -2, 100)],
        Design = design ? new DesignSpace(model, [("GLC", 18, 38)]) : null,
        AutoApply = autoApply,
    };
}
