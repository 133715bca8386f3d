using ReactorTwin.Core.Inference;
using ReactorTwin.Core.Models;

namespace ReactorTwin.Core.Tests.Lna;

/// <summary>
/// <see cref="ObservationSet.FromRows"/>: grouping into batches, the t = 0 semantics, and every validation error
/// reported with its line and field, all problems at once.
/// </summary>
public class DataValidationTests
{
    private static readonly ReactionNetwork Cho = BuiltInModels.Load("cho");

    private static DataException Reject(params DataRow[] rows) =>
        Assert.Throws<DataException>(() => ObservationSet.FromRows(Cho, rows, "data.csv"));

    [Fact]
    public void FromRows_ValidRows_GroupsBatchesAndUsesTimeZeroAsInitialState()
    {
        var set = ObservationSet.FromRows(
            Cho,
            [
                new("B", 0, "GLC", 30, 2),
                new("A", 0, "X0", 150, 3),
                new("A", 0, "GLC", 25, 4),
                new("A", 12, "LAC", 1.5, 5),
                new("A", 12, "GLC", 23, 6),
                new("B", 6, "mAb", 0.01, 7),
                new("A", 24, "X1", 40, 8),
            ],
            "data.csv");

        Assert.Equal(["B", "A"], set.Batches.Select(b => b.Id));
        var a = set.Batches[1];

        // Measured at t = 0: GLC and X0 (known initial values); the rest from the model's defaults.
        Assert.Equal([25, 0.8, 0, 150, 10], a.InitialState);
        Assert.Equal([0, 3], a.InitiallyMeasured);
        Assert.Equal([12.0, 24.0], a.Times.Select(t => t.TimeHours));
        Assert.Equal([0, 1], a.Times[0].Components); // sorted by state index, whatever the row order
        Assert.Equal([23, 1.5], a.Times[0].Values);
        Assert.Equal([4], a.Times[1].Components);
        var b = set.Batches[0];
        Assert.Equal(30, b.InitialState[0]);
        Assert.Single(b.Times);
        Assert.Same(Cho, set.Model);
    }

    [Fact]
    public void FromRows_UnknownName_ReportsLineAndSpeciesField()
    {
        var ex = Reject(new("A", 0, "GLC", 25, 2), new("A", 1, "Glucose", 24, 3));
        var e = Assert.Single(ex.Errors);
        Assert.Equal(3, e.Line);
        Assert.Equal("species", e.Field);
        Assert.Equal("data.csv", e.Source);
        Assert.Contains("'Glucose'", e.Message, StringComparison.Ordinal);
        Assert.Contains("data.csv:3: species:", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void FromRows_NaNValue_ReportsLineAndValueField()
    {
        var e = Assert.Single(Reject(new("A", 0, "GLC", 25, 2), new("A", 1, "LAC", double.NaN, 3)).Errors);
        Assert.Equal(3, e.Line);
        Assert.Equal("value", e.Field);
        Assert.Contains("LAC", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void FromRows_DecreasingTimeWithinBatch_ReportsLineAndTimeField()
    {
        // Another batch's later rows do not count: only the time order within batch A is broken, on line 5.
        var e = Assert.Single(Reject(
            new("A", 0, "GLC", 25, 2),
            new("A", 12, "GLC", 24, 3),
            new("B", 1, "GLC", 20, 4),
            new("A", 6, "GLC", 24.5, 5)).Errors);
        Assert.Equal(5, e.Line);
        Assert.Equal("time_h", e.Field);
        Assert.Contains("line 3", e.Message, StringComparison.Ordinal); // names the row it comes after
    }

    [Fact]
    public void FromRows_SameComponentTwiceAtOneTime_IsAReplicateNotAnError()
    {
        var set = ObservationSet.FromRows(Cho, [new("A", 0, "GLC", 25, 2), new("A", 6, "GLC", 24, 3), new("A", 6, "LAC", 1, 4), new("A", 6, "GLC", 24.1, 5)], "data.csv");
        var t = Assert.Single(set.Batches[0].Times);
        Assert.Equal([0, 0, 1], t.Components); // ascending by channel, replicates in file order
        Assert.Equal([24, 24.1, 1], t.Values);
    }

    [Fact]
    public void FromRows_NegativeTime_ReportsLineAndTimeField()
    {
        var e = Assert.Single(Reject(new DataRow("A", -1, "GLC", 25, 2)).Errors);
        Assert.Equal(2, e.Line);
        Assert.Equal("time_h", e.Field);
    }

    [Fact]
    public void FromRows_NegativeInitialValue_ReportsValueField()
    {
        var e = Assert.Single(Reject(new("A", 0, "GLC", -0.5, 2), new("A", 1, "GLC", 25, 3)).Errors);
        Assert.Equal(2, e.Line);
        Assert.Equal("value", e.Field);
    }

    [Fact]
    public void FromRows_SeveralProblems_AllReportedTogether()
    {
        var ex = Reject(
            new("A", 0, "GLC", 25, 2),
            new("A", 1, "Glucose", 24, 3),              // unknown name
            new("A", 1, "LAC", double.NaN, 4),          // NaN value
            new("A", 1.5, "GLC", 24, 5),                // fine
            new("A", 1.5, "GLC", 24.2, 6),              // a replicate of line 5: fine
            new("B", -3, "GLC", 20, 7),                 // negative time
            new("B", double.PositiveInfinity, "mAb", double.NaN, 8), // non-finite time and value: two problems on one line
            new("C", 4, "LAC", 1, 9),
            new("C", 2, "LAC", 1, 10));                 // decreasing time in batch C
        var got = ex.Errors.Select(e => (e.Line, e.Field)).ToList();
        (int, string)[] expected = [(3, "species"), (4, "value"), (7, "time_h"), (8, "time_h"), (8, "value"), (10, "time_h")];
        Assert.Equal(expected.Length, got.Count);
        Assert.All(expected, e => Assert.Contains(e, got));
        Assert.All(ex.Errors, e => Assert.Equal("data.csv", e.Source));
        Assert.Contains($"({expected.Length} problems)", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void FromRows_TimeGoingBackAfterARejectedRow_IsStillReported()
    {
        var ex = Reject(
            new("A", 0, "GLC", 28, 2),
            new("A", 24, "GLX", 3, 3),   // unknown name, but its time still counts for the order check
            new("A", 12, "GLC", 20, 4)); // earlier than line 3
        Assert.Contains(ex.Errors, e => e.Line == 3 && e.Field == "species");
        Assert.Contains(ex.Errors, e => e.Line == 4 && e.Field == "time_h");
    }
}
