using ReactorTwin.Core.Inference;
using ReactorTwin.Core.Lna;
using ReactorTwin.Core.Models;
using ReactorTwin.Core.Numerics;

namespace ReactorTwin.Core.Tests.Lna;

/// <summary>
/// The Kalman–LNA filter with a species that is never measured after t = 0: CHO at Ω = 1 (the seed's scale,
/// where LAC's intrinsic SD reaches ~1.5 mM by 48 h), LAC hidden, GLC, mAb, X0 and X1 measured every 4 h with
/// Gaussian noise. The hidden LAC of each simulated (CLE) batch must fall inside the filtered mean ± 1.96 SD
/// in at least 90 % of the (batch, time) cases; the nominal rate is 95 %, and with 120 batches × 12 times
/// (strongly correlated within a batch, so effectively a few hundred independent cases) the sampling SD of
/// the rate is ≈ 1–2 %, so 90 % leaves a margin of a few SD while still catching a filter whose variance is
/// too small by a third or more (the interval is then ≤ ±1.64 true SD, 90 % coverage) or whose mean is off by
/// ≳ 0.65 SD. The observed rate is reported in the message.
/// </summary>
public class PartialObservationTests
{
    private const int Batches = 120;
    private static readonly double[] Times = [4, 8, 12, 16, 20, 24, 28, 32, 36, 40, 44, 48];
    private static readonly double[] MeasurementSd = [0.05, 0, 0.002, 3, 3]; // GLC, (LAC hidden), mAb, X0, X1

    [Fact]
    public void Evaluate_HiddenLactate_FilteredIntervalsCoverTrueValue()
    {
        var model = BuiltInModels.Load("cho");
        var theta = model.NominalParameters();
        var z0 = model.DefaultInitialState();
        int n = model.StateDimension;
        const int lac = 1;
        var rng = new Random(51);
        var gauss = new GaussianSource(new Random(52));
        var paths = LnaTestSupport.SimulateCle(model, theta, z0, Times, Batches, 0.01, rng);
        var rows = new List<DataRow>();
        for (int b = 0; b < Batches; b++)
        {
            var path = paths[b];
            rows.AddRange(LnaTestSupport.BatchRows(model, $"b{b}", z0, Times, path, (_, i) => i != lac, (_, i) => MeasurementSd[i] * gauss.Next()));
        }

        var data = ObservationSet.FromRows(model, rows, "hidden-lac");
        var noise = new MeasurementNoise(n);
        for (int i = 0; i < n; i++)
        {
            noise.SetAbsolute(i, MeasurementSd[i]);
        }

        var kalman = new KalmanLnaLikelihood(model, []);
        var filtered = new List<FilteredState>();
        kalman.Evaluate(data, theta, noise, new LikelihoodResult(0), filtered);
        Assert.Equal(Batches * Times.Length, filtered.Count);

        // Unconditioned LNA variance of LAC at each time, to show that the filter actually learns from GLC/X.
        var solver = new LnaSolver(model, []);
        var prior = solver.CreateState();
        prior.Reset(z0);
        var priorVar = new double[Times.Length];
        double t = 0;
        for (int j = 0; j < Times.Length; j++)
        {
            solver.Propagate(prior, theta, t, Times[j]);
            t = Times[j];
            priorVar[j] = prior.Covariance[(lac * n) + lac];
        }

        int covered = 0;
        double varianceRatio = 0;
        for (int b = 0; b < Batches; b++)
        {
            for (int j = 0; j < Times.Length; j++)
            {
                var f = filtered[(b * Times.Length) + j];
                Assert.Equal($"b{b}", f.Batch);
                Assert.Equal(Times[j], f.TimeHours);
                double sd = Math.Sqrt(f.Covariance[(lac * n) + lac]);
                double truth = paths[b][(j * n) + lac];
                if (Math.Abs(truth - f.Mean[lac]) <= 1.96 * sd)
                {
                    covered++;
                }

                varianceRatio += f.Covariance[(lac * n) + lac] / priorVar[j];
            }
        }

        int cases = Batches * Times.Length;
        double rate = (double)covered / cases;
        varianceRatio /= cases;
        Assert.True(rate >= 0.90, $"hidden LAC inside filtered mean ± 1.96 SD in {covered}/{cases} = {rate:P1} of cases (nominal 95 %)");

        // A filter that ignored the observations would keep the prior variance (ratio 1), and the coverage check
        // alone would pass with any inflated covariance; the glycolysis flux is constrained by the GLC and cell
        // measurements, so the filtered variance must be clearly below the prior one on average.
        Assert.True(varianceRatio < 0.8, $"mean filtered/prior LAC variance ratio {varianceRatio:F3}");
    }
}
