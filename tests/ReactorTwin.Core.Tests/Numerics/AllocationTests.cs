using ReactorTwin.Core.Inference;
using ReactorTwin.Core.Lna;
using ReactorTwin.Core.Models;
using ReactorTwin.Core.Simulation;
using ReactorTwin.Core.Tests.Lna;

namespace ReactorTwin.Core.Tests.Numerics;

/// <summary>
/// Zero allocation per evaluation, measured with <see cref="GC.GetAllocatedBytesForCurrentThread"/> around a third
/// call (the first grows buffers to the data's size once; the second is left to one-time runtime work such as the
/// JIT's on-stack replacement of a hot loop, seen once in a busy test run): the mean ODE (explicit CHO, stiff
/// Millard), the Kalman–LNA log-likelihood and its adjoint and forward gradients, and the ODE likelihood with its
/// gradient.
/// </summary>
public class AllocationTests
{
    internal static long AllocatedInSteadyState(Action call)
    {
        call();
        call();
        long before = GC.GetAllocatedBytesForCurrentThread();
        call();
        return GC.GetAllocatedBytesForCurrentThread() - before;
    }

    [Fact]
    public void MeanOde_ChoAndMillard_AllocateNothing()
    {
        var cho = BuiltInModels.Load("cho");
        var choSim = new MeanOdeSimulator(cho);
        double[] times = [0, 12, 24, 36, 48, 60, 72];
        var output = new double[times.Length * cho.StateDimension];
        var z0 = cho.DefaultInitialState();
        var theta = cho.NominalParameters();
        Assert.Equal(0, AllocatedInSteadyState(() => choSim.Simulate(z0, theta, times, output)));

        var millard = MillardModel.Load();
        var millardSim = new MeanOdeSimulator(millard);
        var millardOutput = new double[MillardModel.Times.Length * millard.StateDimension];
        var millardTheta = millard.NominalParameters();
        Assert.Equal(0, AllocatedInSteadyState(() => millardSim.Simulate(MillardModel.Initial, millardTheta, MillardModel.Times, millardOutput)));
    }

    [Theory]
    [InlineData(LnaGradientMethod.Adjoint)]
    [InlineData(LnaGradientMethod.Forward)]
    public void KalmanLna_ValueAndGradient_AllocateNothing(LnaGradientMethod method)
    {
        var (data, gp) = LnaGradientTests.Setup("cho");
        var options = new LnaOptions { Gradient = method };
        var value = new KalmanLnaLikelihood(data.Model, [], options);
        var gradient = new KalmanLnaLikelihood(data.Model, gp, options);
        var r0 = new LikelihoodResult(0);
        var r = new LikelihoodResult(gp.Length);
        Assert.Equal(0, AllocatedInSteadyState(() => value.Evaluate(data.Partial, data.Nominal, data.Noise, r0)));
        Assert.Equal(0, AllocatedInSteadyState(() => gradient.Evaluate(data.Partial, data.Nominal, data.Noise, r)));
    }

    [Fact]
    public void KalmanLna_StiffMillardGradient_AllocatesNothing()
    {
        var model = MillardModel.Load();
        var (data, noise) = StiffSensitivityTests.MillardBatch(model);
        var gradient = new KalmanLnaLikelihood(model, [0, 2, 21], new LnaOptions { SystemSize = 1e4 });
        var r = new LikelihoodResult(3);
        var theta = model.NominalParameters();
        Assert.Equal(0, AllocatedInSteadyState(() => gradient.Evaluate(data, theta, noise, r)));
        Assert.True(gradient.Propagator.ImplicitSteps > 0);
    }

    [Fact]
    public void OdeLikelihood_StiffMillardGradient_AllocatesNothing()
    {
        var model = MillardModel.Load();
        var (data, noise) = StiffSensitivityTests.MillardBatch(model);
        var likelihood = new OdeLikelihood(model, [0, 2, 21]);
        var r = new LikelihoodResult(3);
        var theta = model.NominalParameters();
        Assert.Equal(0, AllocatedInSteadyState(() => likelihood.Evaluate(data, theta, noise, r)));
    }
}
