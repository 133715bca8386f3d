using ReactorTwin.Core.Inference;
using ReactorTwin.Host.Cli;

namespace ReactorTwin.Host.Tests;

/// <summary>
/// The wide measurement table next to the long one: the real E. coli batches read either way give the same
/// observation set; bad headers and cells are reported as FILE:LINE:COLUMN.
/// </summary>
public sealed class WideDataCsvTests : CliHarness
{
    private static readonly Core.Models.ReactionNetwork Model = EcoliTestModel.Load();

    private static ObservationSet Load(string path) => MeasurementData.Load(Model, path, TextWriter.Null);

    private static void AssertSame(ObservationSet expected, ObservationSet actual, bool compareIds, double timeTolerance)
    {
        Assert.Equal(expected.Batches.Count, actual.Batches.Count);
        for (int b = 0; b < expected.Batches.Count; b++)
        {
            var (e, a) = (expected.Batches[b], actual.Batches[b]);
            if (compareIds)
            {
                Assert.Equal(e.Id, a.Id);
            }

            Assert.Equal(e.InitialState, a.InitialState);
            Assert.Equal(e.InitiallyMeasured, a.InitiallyMeasured);
            Assert.Equal(e.Times.Count, a.Times.Count);
            for (int t = 0; t < e.Times.Count; t++)
            {
                Assert.Equal(e.Times[t].TimeHours, a.Times[t].TimeHours, timeTolerance);
                Assert.Equal(e.Times[t].Components, a.Times[t].Components);
                Assert.Equal(e.Times[t].Values, a.Times[t].Values);
            }
        }
    }

    private List<DataError> Errors(string name, string text)
    {
        string path = Path.Combine(Dir, name);
        File.WriteAllText(path, text);
        var errors = new List<DataError>();
        try
        {
            DataCsv.Read(path, Model, errors);
        }
        catch (DataException ex)
        {
            errors.AddRange(ex.Errors);
        }

        return errors;
    }

    [Fact]
    public void Wide_RealEcoliBatchesWithBatchColumnAndUnits_GiveTheSameSetAsTheLongFile()
    {
        var longSet = Load(EcoliTestModel.DataFile("millard_all_shifted.csv"));
        var wideSet = Load(EcoliTestModel.DataFile("millard_all_shifted_wide.csv"));
        Assert.Equal(3, longSet.Batches.Count);
        Assert.Equal(114 - 9, longSet.Batches.Sum(b => b.Times.Sum(t => t.Values.Length))); // 114 rows, 3 × 3 at t = 0
        AssertSame(longSet, wideSet, compareIds: true, timeTolerance: 0);
        Assert.Equal(longSet.MeasuredChannels.Select(m => (m.Channel, m.Count)), wideSet.MeasuredChannels.Select(m => (m.Channel, m.Count)));
        Assert.Equal([3, 3, 3], wideSet.MeasuredChannels.Select(m => m.FirstLine)); // the first row after t = 0 holds GLC, ACE and X
        Assert.Equal([5, 6, 7], longSet.MeasuredChannels.Select(m => m.FirstLine)); // one line each in the long file
    }

    [Fact]
    public void Wide_TabSeparatedInMinutesWithoutBatchColumn_IsOneBatchNamedAfterTheFile()
    {
        var longSet = Load(EcoliTestModel.DataFile("millard_1mM.csv"));
        var wideSet = Load(EcoliTestModel.DataFile("millard_1mM_wide.tsv"));
        Assert.Equal("millard_1mM_wide", Assert.Single(wideSet.Batches).Id);
        AssertSame(longSet, wideSet, compareIds: false, timeTolerance: 1e-13); // minutes/60 may differ from hours in the last bit
        Assert.Equal(0.75, wideSet.Batches[0].Times[0].TimeHours); // 45 min
    }

    [Fact]
    public void Wide_EmptyAndNaCells_AreNotMeasured()
    {
        File.WriteAllText(Path.Combine(Dir, "gaps.csv"), "time_h,GLC,X,OD600\n0,12,0.05,\n1.5,NA,0.08,0.22\n3,10.5,,na\n");
        var set = Load(Path.Combine(Dir, "gaps.csv"));
        var b = Assert.Single(set.Batches);
        Assert.Equal([0, 2], b.InitiallyMeasured); // GLC and X; ACE from the model, with a warning
        Assert.Equal("batch gaps: no sample at t = 0 h of ACE: its initial value is the model's (ACE = 1 mM); measure it at t = 0 or set its initial value in the model file", Assert.Single(set.Warnings));
        Assert.Equal([1.5, 3.0], b.Times.Select(t => t.TimeHours));
        Assert.Equal([2, 3], b.Times[0].Components); // X, OD600 (channel n + 0 = 3)
        Assert.Equal([0.08, 0.22], b.Times[0].Values);
        Assert.Equal([0], b.Times[1].Components);
    }

    [Fact]
    public void Wide_UnknownColumn_IsReportedAtLineOneWithItsColumn()
    {
        var e = Assert.Single(Errors("w.csv", "time_h,GLC,Glucose\n0,1,2\n"));
        Assert.Equal($"{Path.Combine(Dir, "w.csv")}:1:3: Glucose: 'Glucose' is not a channel (species, cell phase or observable) or input of model 'ecoli-glc-ace' (channels: GLC, ACE, X, OD600; inputs: none)", e.ToString());
    }

    [Fact]
    public void Wide_BadNumber_IsReportedWithLineColumnAndChannel_OtherCellsStillRead()
    {
        var errors = Errors("w.csv", "time_h,GLC,ACE\n0,12,1\n1,abc,1.2\n2,11,inf\n");
        Assert.Equal(2, errors.Count);
        Assert.Equal("w.csv:3:2: GLC: 'abc' is not a finite number (leave the cell empty or write NA when GLC was not measured)", errors[0].ToString().Replace(Dir + Path.DirectorySeparatorChar, string.Empty, StringComparison.Ordinal));
        Assert.Equal((4, 3, "ACE"), (errors[1].Line, errors[1].Column, errors[1].Field));
    }

    [Fact]
    public void Wide_UnitDifferentFromTheModels_IsAnErrorNamingTheColumn()
    {
        var e = Assert.Single(Errors("w.csv", "time [h],GLC [g/L],X [gDW/L],OD600 [AU]\n0,2,0.05,0.1\n"));
        Assert.Equal((1, 2, "GLC [g/L]"), (e.Line, e.Column, e.Field));
        Assert.Equal("the unit [g/L] is not the model's unit of GLC, [mM]; units are compared as written, not converted: convert the values to mM", e.Message);
    }

    [Fact]
    public void Wide_DuplicateColumn_IsAnError()
    {
        var e = Assert.Single(Errors("w.csv", "time_h,GLC,X,GLC [mM]\n0,1,2,3\n"));
        Assert.Equal((1, 4, "column 'GLC' is already column 2"), (e.Line, e.Column, e.Message));
    }

    [Theory]
    [InlineData("time,GLC\n0,1\n", "the time column needs its unit: time_h, time [h], time [min], time [s] or time [d]")]
    [InlineData("time [weeks],GLC\n0,1\n", "unknown time unit 'weeks'; use h, min, s or d")]
    [InlineData("time_h [min],GLC\n0,1\n", "unknown time unit 'min' for time_h (hours); use h, min, s or d")]
    [InlineData("time_h,GLC [mM,X\n0,1,2\n", "a unit is written NAME [UNIT], with the brackets at the end")]
    [InlineData("time_h,time [min],GLC\n0,0,1\n", "a second time column (column 1 is one)")]
    public void Wide_BadTimeOrUnitHeader_IsExplained(string text, string message)
    {
        var e = Assert.Single(Errors("w.csv", text));
        Assert.Equal(1, e.Line);
        Assert.Equal(message, e.Message);
    }

    [Fact]
    public void Wide_TimeInMinutesAndBatchColumn_ConvertsAndGroups()
    {
        File.WriteAllText(Path.Combine(Dir, "m.csv"), "Batch,Time [min],GLC,ACE,X\nA,0,12,1,0.05\nB,0,13,1,0.06\nA,90,11,1.1,0.07\nB,30,12.5,1.05,0.065\n");
        var set = Load(Path.Combine(Dir, "m.csv"));
        Assert.Equal(["A", "B"], set.Batches.Select(b => b.Id));
        Assert.Equal(1.5, set.Batches[0].Times[0].TimeHours);
        Assert.Equal(0.5, set.Batches[1].Times[0].TimeHours);
        Assert.Empty(set.Warnings);
    }

    [Fact]
    public void Neither_LongNorWideHeader_SaysWhatIsExpected()
    {
        var e = Assert.Single(Errors("w.csv", "t,GLC\n0,1\n"));
        Assert.StartsWith("neither a long table (batch,time_h,species,value) nor a wide one", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Long_StillReadAsBefore_IncludingObservablesByName()
    {
        File.WriteAllText(Path.Combine(Dir, "l.csv"), "replicate,time_h,species,value\n1,0,GLC,12\n1,0,OD600,0.15\n1,2,OD600,0.3\n1,2,GLC,10\n");
        var set = Load(Path.Combine(Dir, "l.csv"));
        var b = Assert.Single(set.Batches);
        Assert.Equal([0.0, 2.0], b.Times.Select(t => t.TimeHours));
        Assert.Equal([3], b.Times[0].Components);
        Assert.Equal([0, 3], b.Times[1].Components);
        Assert.Equal([10, 0.3], b.Times[1].Values);
    }
}
