using ReactorTwin.Core.Amortized;
using ReactorTwin.Core.Estimation;
using ReactorTwin.Core.Models;
using ReactorTwin.Core.Simulation;

namespace ReactorTwin.Core.Tests.Models;

/// <summary>
/// The built-in <c>ecoli-batch</c> model (seed 002's E. coli problem): the kinetics of <c>ecoli-fedbatch</c> without
/// the feed, with the initial biomass, glucose and acetate as parameters. Its drift must equal the fed-batch model's
/// at F = 0 state by state, its batch must follow the fed-batch model's batch phase, and seed 002's design on it must
/// simulate.
/// </summary>
public class EcoliBatchModelTests
{
    private static readonly string[] Shared = ["S", "A", "DOT", "DOTm", "X"];

    [Fact]
    public void Load_BuiltIn_EstimatesTheKineticsAndThreeInitialValuesWithPriors()
    {
        var m = BuiltInModels.Load("ecoli-batch");
        Assert.Equal(Shared, m.StateNames);
        Assert.Equal(18, m.Parameters.Count(p => p.Estimate));
        Assert.All(m.Parameters.Where(p => p.Estimate), p => Assert.NotNull(p.Prior));
        Assert.Equal([m.IndexOfParameter("S0"), m.IndexOfParameter("A0"), -1, -1, m.IndexOfParameter("X0")], m.InitialStateParameters);
        Assert.Equal([4.94, 0.0129, 98.0, 98.0, 0.17], m.DefaultInitialState());
    }

    [Fact]
    public void Drift_AtRandomStates_EqualsTheFedBatchModelWithoutFeed()
    {
        var batch = BuiltInModels.Load("ecoli-batch");
        var fed = BuiltInModels.Load("ecoli-fedbatch");
        var batchArgs = new ModelArguments(batch);
        batchArgs.SetParameters(batch.NominalParameters());
        var fedArgs = new ModelArguments(fed);
        fedArgs.SetParameters(fed.NominalParameters());
        var rng = new Random(19);
        var zb = new double[5];
        var zf = new double[6];
        var db = new double[5];
        var df = new double[6];
        for (int k = 0; k < 50; k++)
        {
            zf[0] = 1 + rng.NextDouble();
            zf[1] = 5 * rng.NextDouble();
            zf[2] = rng.NextDouble();
            zf[3] = 100 * rng.NextDouble();
            zf[4] = 100 * rng.NextDouble();
            zf[5] = 20 * rng.NextDouble();
            Array.Copy(zf, 1, zb, 0, 5);
            batch.Compiled.Drift(zb, batchArgs.Values, db);
            fed.Compiled.Drift(zf, fedArgs.Values, df);
            for (int i = 0; i < 5; i++)
            {
                Assert.True(Math.Abs(db[i] - df[i + 1]) <= 1e-12 * (1 + Math.Abs(df[i + 1])), $"{Shared[i]} at draw {k}: {db[i]} vs {df[i + 1]}");
            }
        }
    }

    [Fact]
    public void MeanOde_SixHourBatch_EqualsTheFedBatchModelsBatchPhase()
    {
        var batch = BuiltInModels.Load("ecoli-batch");
        var fed = BuiltInModels.Load("ecoli-fedbatch");
        double[] times = [0.5, 2, 4, 6];
        var ob = new double[times.Length * 5];
        var of = new double[times.Length * 6];
        new MeanOdeSimulator(batch).Simulate(batch.DefaultInitialState(), batch.NominalParameters(), times, ob);
        new MeanOdeSimulator(fed).Simulate(fed.DefaultInitialState(), fed.NominalParameters(), times, of);
        for (int j = 0; j < times.Length; j++)
        {
            for (int i = 0; i < 5; i++)
            {
                double expected = of[(j * 6) + i + 1];
                Assert.True(Math.Abs(ob[(j * 5) + i] - expected) <= 1e-5 * (1e-3 + Math.Abs(expected)), $"{Shared[i]} at {times[j]} h: {ob[(j * 5) + i]} vs {expected}");
            }
        }

        Assert.InRange(ob[(3 * 5) + 4], 1.0, 1.3); // X at 6 h: the culture grows about 6.6-fold from 0.17 g/L
    }

    [Fact]
    public void Seed002Design_SimulatesThirtyReadingsOverSixHoursOfFourChannels()
    {
        var m = BuiltInModels.Load("ecoli-batch");
        var space = new ParameterSpace(m);
        var design = ObservationDesign.Seed002Ecoli(m);
        design.Validate(m);
        Assert.Equal(["X", "S", "A", "DOTm"], design.Channels.Select(c => m.StateNames[c]));
        var set = TrainingSetSimulator.Simulate(space, PriorStandardization.For(space), design, 40, seed: 3, maxParallelism: 2);
        Assert.Equal(40 * 30, set.Values.Length);
        Assert.All(set.Values, v => Assert.True(double.IsFinite(v)));
        Assert.All(set.Times, t => Assert.InRange(t, 0.0, 6.0));
        Assert.Equal(4, set.Channels.Distinct().Count());
    }
}
