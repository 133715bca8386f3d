using System.Globalization;
using System.Text.Json;
using ReactorTwin.Core.Amortized;
using ReactorTwin.Core.Estimation;
using ReactorTwin.Core.Models;

namespace ReactorTwin.Host.Tests;

/// <summary><c>fit --init amortized:NET</c>: a network trained by <c>amortize</c> gives the start of a 1-start ODE fit
/// of one simulated mmk experiment, which must reach the optimum an 8-start fit finds; bad values are named.</summary>
public sealed class AmortizedInitFitCommandTests : CliHarness
{
    [Fact]
    public void Fit_InitAmortized_OneStartReachesTheEightStartOptimum()
    {
        string net = Path.Combine(Dir, "mmk.rtnet");
        var trained = Run("amortize", "--model", "mmk", "--observations", "S=0.1,P=0.1", "--samples", "3000", "--epochs", "10", "--hidden", "16", "--threads", "1", "--out", net);
        Assert.True(trained.Code == 0, trained.Err);
        var model = BuiltInModels.Load("mmk");
        var space = new ParameterSpace(model);
        var design = ObservationDesign.Seed002Mmk(model);
        var experiment = TrainingSetSimulator.Simulate(space, PriorStandardization.For(space), design, 1, seed: 2024);
        string data = Path.Combine(Dir, "mmk.csv");
        var lines = new List<string> { "batch,time_h,species,value" };
        for (int i = 0; i < experiment.Readings; i++)
        {
            lines.Add(string.Create(CultureInfo.InvariantCulture, $"B1,{experiment.Times[i]:R},{(experiment.Channels[i] == 0 ? "S" : "P")},{experiment.Values[i]:R}"));
        }

        File.WriteAllLines(data, lines);
        string amortized = Path.Combine(Dir, "amortized.json"), multi = Path.Combine(Dir, "multi.json");
        var a = Run("fit", "--model", "mmk", "--data", data, "--likelihood", "ode", "--noise", "S=0.1,P=0.1", "--starts", "1", "--init", "amortized:" + net, "--out", amortized);
        Assert.True(a.Code == 0, a.Err);
        Assert.Contains("amortized start from mmk.rtnet (14 readings; 95 % intervals): Vmax = ", a.Err, StringComparison.Ordinal);
        var m = Run("fit", "--model", "mmk", "--data", data, "--likelihood", "ode", "--noise", "S=0.1,P=0.1", "--starts", "8", "--out", multi);
        Assert.True(m.Code == 0, m.Err);
        var fromNet = Estimates(amortized);
        var best = Estimates(multi);
        foreach (var (name, value) in best)
        {
            Assert.True(Math.Abs(fromNet[name] - value) <= 1e-3 * Math.Abs(value), $"{name}: amortized start reached {fromNet[name]:R}, 8 starts {value:R}");
        }
    }

    [Theory]
    [InlineData("amortized:", "--init: expected amortized:NET.rtnet, not 'amortized:'")]
    [InlineData("network.rtnet", "--init: expected amortized:NET.rtnet, not 'network.rtnet'")]
    [InlineData("amortized:missing.rtnet", "--init: Could not find file")]
    public void Fit_BadInit_NamesTheProblem(string init, string message)
    {
        string data = Path.Combine(Dir, "one.csv");
        File.WriteAllLines(data, ["batch,time_h,species,value", "B1,0.5,S,1.2", "B1,1.0,P,0.9"]);
        var r = Run("fit", "--model", "mmk", "--data", data, "--likelihood", "ode", "--noise", "S=0.1,P=0.1", "--starts", "1", "--init", init, "--out", Path.Combine(Dir, "x.json"));
        Assert.Equal(2, r.Code);
        Assert.Contains("error: " + message, r.Err, StringComparison.Ordinal);
    }

    private static Dictionary<string, double> Estimates(string path)
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(path));
        return doc.RootElement.GetProperty("parameters").EnumerateArray().ToDictionary(p => p.GetProperty("name").GetString()!, p => p.GetProperty("estimate").GetDouble());
    }
}
