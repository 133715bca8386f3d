using ReactorTwin.Core.Inference;
using ReactorTwin.Core.Lna;
using ReactorTwin.Core.Models;
using ReactorTwin.Core.Numerics;

namespace ReactorTwin.Core.Tests.Lna;

public sealed class LnaOptionsTests
{
    private static (ObservationSet Data, MeasurementNoise Noise, double[] Theta, ReactionNetwork Cho) ChoData()
    {
        var cho = BuiltInModels.Load("cho");
        var theta = cho.NominalParameters();
        double[] times = [0, 12, 24, 36, 48, 60, 72];
        var paths = LnaTestSupport.SimulateCle(cho, theta, cho.DefaultInitialState(), times, 2, 0.01, new Random(21));
        var rows = new List<DataRow>();
        for (int b = 0; b < paths.Length; b++)
        {
            for (int j = 0; j < times.Length; j++)
            {
                for (int i = 0; i < cho.SpeciesCount; i++)
                {
                    rows.Add(new DataRow($"b{b}", times[j], cho.StateNames[i], paths[b][(j * cho.StateDimension) + i]));
                }
            }
        }

        var noise = new MeasurementNoise(cho.StateDimension);
        for (int i = 0; i < cho.SpeciesCount; i++)
        {
            noise.SetRelative(i, 0.02).SetAbsolute(i, 1e-3);
        }

        return (ObservationSet.FromRows(cho, rows, "test"), noise, theta, cho);
    }

    [Fact]
    public void KalmanGradient_WithoutSensitivityErrorControl_StaysWithin1e4OfTightReference()
    {
        var (data, noise, theta, cho) = ChoData();
        int[] alpha = [0, 1, 2, 3, 4, 5, 6];
        var reference = new LikelihoodResult(7);
        new KalmanLnaLikelihood(cho, alpha, LnaTestSupport.Tight).Evaluate(data, theta, noise, reference);
        var loose = new LikelihoodResult(7);
        new KalmanLnaLikelihood(cho, alpha, new LnaOptions { SensitivityErrorControl = false }).Evaluate(data, theta, noise, loose);

        // Default tolerances (rtol 1e-6) with the sensitivities outside the error norm: a lead probe measured a
        // worst relative gradient error of 2e-6 on this problem; 1e-4 leaves a wide margin yet catches a wrong
        // sensitivity equation (which shows up at O(1)).
        Assert.Equal(reference.LogLikelihood, loose.LogLikelihood, 1e-5);
        for (int k = 0; k < 7; k++)
        {
            Assert.True(Math.Abs(loose.Gradient[k] - reference.Gradient[k]) <= 1e-4 * Math.Abs(reference.Gradient[k]), $"{cho.Parameters[k].Name}: {loose.Gradient[k]} vs {reference.Gradient[k]}");
        }
    }

    [Fact]
    public void DormandPrince_ErrorControlOnFirstComponentOnly_TakesFewerStepsAndKeepsItAccurate()
    {
        // y0' = -y0 (controlled), y1' = 50 cos(50 t) (fast, uncontrolled): the uncontrolled component must not
        // drive the step size, while y0 keeps its tolerance.
        var full = new DormandPrince45(2, new DormandPrinceOptions { RelativeTolerance = 1e-8, AbsoluteTolerance = 1e-12 });
        var partial = new DormandPrince45(2, new DormandPrinceOptions { RelativeTolerance = 1e-8, AbsoluteTolerance = 1e-12, ErrorControlComponents = 1 });
        var system = new TwoRates();
        var a = new double[2];
        var b = new double[2];
        var ra = full.Solve(system, 0, [1.0, 0.0], [2.0], a);
        var rb = partial.Solve(system, 0, [1.0, 0.0], [2.0], b);
        Assert.True(rb.AcceptedSteps < ra.AcceptedSteps / 2, $"{rb.AcceptedSteps} vs {ra.AcceptedSteps}");
        Assert.Equal(Math.Exp(-2.0), b[0], 1e-7); // 1e-8 relative tolerance, global error a few times that
    }

    private sealed class TwoRates : IOdeSystem
    {
        public int Dimension => 2;

        public void Evaluate(double t, double[] y, double[] dydt)
        {
            dydt[0] = -y[0];
            dydt[1] = 50 * Math.Cos(50 * t);
        }
    }
}
