using ReactorTwin.Core.Estimation;
using ReactorTwin.Core.Inference;
using ReactorTwin.Core.Models;

namespace ReactorTwin.Core.Tests.Inference;

/// <summary>
/// <see cref="ObservationSet.FromRows"/> with observables, replicates and unsampled initial states: the channel
/// indices, what t = 0 means for states and for observables, the warnings and the measured-channel summary.
/// </summary>
public class ObservationSetChannelTests
{
    // Channels: X = 0, S = 1 (states), OD600 = 2 (observable); input F.
    private static readonly ReactionNetwork Model = ReactionNetwork.CreateBuilder("obs")
        .AddSpecies("X", "g/L", 0.5)
        .AddSpecies("S", "g/L", 10)
        .AddParameter("mu", 0.3, 0.01, 2)
        .AddParameter("K", 1.0, 0.01, 10)
        .AddInput("F", "L/h", 0.1)
        .AddReaction("growth", "mu*X*S/(K+S)", ("X", "1"), ("S", "-2"))
        .AddObservable("OD600", "2.6*X", new NoiseModel(Relative: 0.05), "AU")
        .Build();

    [Fact]
    public void FromRows_ObservableAtTimeZero_IsAnObservationFirstInTimes_StatesAtZeroAreInitialValues()
    {
        var set = ObservationSet.FromRows(
            Model,
            [
                new("A", 0, "OD600", 1.3, 2),
                new("A", 0, "X", 0.52, 3),
                new("A", 0, "S", 9.8, 4),
                new("A", 2, "OD600", 1.9, 5),
                new("A", 2, "S", 9.1, 6),
            ],
            "d.csv");
        var a = Assert.Single(set.Batches);
        Assert.Equal([0.52, 9.8], a.InitialState);
        Assert.Equal([0, 1], a.InitiallyMeasured);
        Assert.Equal([0.0, 2.0], a.Times.Select(t => t.TimeHours));
        Assert.Equal([2], a.Times[0].Components); // OD600 is channel n + 0 = 2
        Assert.Equal([1.3], a.Times[0].Values);
        Assert.Equal([1, 2], a.Times[1].Components); // S before OD600: channel order, not row order
        Assert.Equal([9.1, 1.9], a.Times[1].Values);
        Assert.Empty(set.Warnings);
    }

    [Fact]
    public void FromRows_ReplicatesOfAStateAtTimeZero_AverageIntoTheInitialValue()
    {
        var set = ObservationSet.FromRows(
            Model,
            [new("A", 0, "X", 0.4, 2), new("A", 0, "S", 10, 3), new("A", 0, "X", 0.7, 4), new("A", 0, "X", 0.55, 5), new("A", 1, "X", 0.9, 6)],
            "d.csv");
        var a = set.Batches[0];
        Assert.Equal((0.4 + 0.7 + 0.55) / 3, a.InitialState[0], 15);
        Assert.Equal([0, 1], a.InitiallyMeasured); // X once, however many replicates
        Assert.Equal(1.0, Assert.Single(a.Times).TimeHours);
    }

    [Fact]
    public void FromRows_ReplicatesAfterTimeZero_EachAreObservations_InFileOrderWithinAChannel()
    {
        var set = ObservationSet.FromRows(
            Model,
            [new("A", 0, "X", 0.5, 2), new("A", 0, "S", 10, 3), new("A", 3, "OD600", 2.1, 4), new("A", 3, "X", 0.8, 5), new("A", 3, "OD600", 2.0, 6), new("A", 3, "X", 0.81, 7), new("A", 3, "OD600", 2.2, 8)],
            "d.csv");
        var t = Assert.Single(set.Batches[0].Times);
        Assert.Equal([0, 0, 2, 2, 2], t.Components);
        Assert.Equal([0.8, 0.81, 2.1, 2.0, 2.2], t.Values);
        Assert.Equal([new MeasuredChannel(0, 2, 5, 7), new MeasuredChannel(2, 3, 4, 8)], set.MeasuredChannels);
    }

    [Fact]
    public void FromRows_NegativeMeanOfInitialReplicates_IsRejectedWithTheReplicateCount()
    {
        var ex = Assert.Throws<DataException>(() => ObservationSet.FromRows(Model, [new("A", 0, "X", 0.1, 2), new("A", 0, "X", -0.3, 3), new("A", 1, "X", 0.2, 4)], "d.csv"));
        var e = Assert.Single(ex.Errors);
        Assert.Equal("d.csv:2: value: batch A: the initial value of X (the mean of 2 replicates) must be ≥ 0, not -0.09999999999999999", e.ToString());
    }

    [Fact]
    public void FromRows_StatesNotSampledAtTimeZero_KeepTheModelsValues_AndSaySo()
    {
        var set = ObservationSet.FromRows(
            Model,
            [
                new("B1", 0, "X", 0.6, 2), new("B1", 1, "S", 9, 3),   // S not at t = 0
                new("B2", 1, "X", 0.7, 4),                              // X and S not at t = 0
                new("B3", 0, "X", 0.6, 5), new("B3", 2, "X", 0.9, 6),  // S not at t = 0, like B1
                new("B4", 0, "X", 0.5, 7), new("B4", 0, "S", 8, 8), new("B4", 1, "X", 0.6, 9),
            ],
            "d.csv");
        Assert.Equal(10, set.Batches[0].InitialState[1]); // the model's S₀
        Assert.Equal([0.5, 10], set.Batches[1].InitialState);
        Assert.Equal(
            [
                "batches B1, B3: no sample at t = 0 h of S: its initial value is the model's (S = 10 g/L); measure it at t = 0 or set its initial value in the model file",
                "batch B2: no sample at t = 0 h of X, S: their initial values are the model's (X = 0.5 g/L, S = 10 g/L); measure them at t = 0 or set their initial values in the model file",
            ],
            set.Warnings);
    }

    [Fact]
    public void FromRows_GivenDefaults_WarningNamesThemAsGiven()
    {
        var set = ObservationSet.FromRows(Model, [new("A", 1, "X", 0.7, 2)], "d.csv", [0.25, 12]);
        Assert.Equal([0.25, 12], set.Batches[0].InitialState);
        Assert.Equal("batch A: no sample at t = 0 h of X, S: their initial values are the defaults given (X = 0.25 g/L, S = 12 g/L); measure them at t = 0", Assert.Single(set.Warnings));
    }

    [Fact]
    public void FromRows_UnknownName_ListsChannelsAndInputs()
    {
        var ex = Assert.Throws<DataException>(() => ObservationSet.FromRows(Model, [new("A", 0, "X", 0.5, 2), new("A", 1, "OD", 1, 3)], "d.csv"));
        Assert.Equal("d.csv:3: species: 'OD' is not a channel (species, cell phase or observable) or input of model 'obs' (channels: X, S, OD600; inputs: F)", Assert.Single(ex.Errors).ToString());
    }

    [Fact]
    public void FromRows_StateOnlyAtTimeZero_IsNotAMeasuredChannel()
    {
        var set = ObservationSet.FromRows(Model, [new("A", 0, "X", 0.5, 2), new("A", 0, "S", 10, 3), new("A", 0, "OD600", 1.2, 4), new("A", 4, "S", 7, 5)], "d.csv");
        Assert.Equal([new MeasuredChannel(1, 1, 5, 5), new MeasuredChannel(2, 1, 4, 4)], set.MeasuredChannels);
    }

    [Fact]
    public void DataError_WithColumn_PrintsFileLineColumn()
    {
        Assert.Equal("w.csv:7:3: GLC: bad", new DataError("w.csv", 7, "GLC", "bad", 3).ToString());
        Assert.Equal("w.csv:7: GLC: bad", new DataError("w.csv", 7, "GLC", "bad").ToString());
        Assert.Equal("w.csv: GLC: bad", new DataError("w.csv", 0, "GLC", "bad", 3).ToString());
    }

    [Fact]
    public void ParametricBootstrap_DataWithObservables_IsRefusedByName()
    {
        var set = ObservationSet.FromRows(Model, [new("A", 0, "X", 0.5, 2), new("A", 0, "S", 10, 3), new("A", 1, "OD600", 1.5, 4)], "d.csv");
        var space = new ParameterSpace(Model);
        var ex = Assert.Throws<ArgumentException>(() => ParametricBootstrap.Run(space, space.BaseUnconstrained(), set, _ => throw new InvalidOperationException("not reached")));
        Assert.StartsWith("the parametric bootstrap re-simulates the states only, and the data measure the observable OD600", ex.Message, StringComparison.Ordinal);
    }
}
