using System.Globalization;
using ReactorTwin.Core.Amortized;
using ReactorTwin.Core.Models;

namespace ReactorTwin.Host.Tests;

/// <summary><c>reactortwin amortize</c> end to end on mmk at a small size (2000 experiments, 8 epochs): the weight file reads back and beats the
/// prior on held-out loss, the loss curve is written, the run repeats bit for bit, and bad options are named.</summary>
public sealed class AmortizeCommandTests : CliHarness
{
    [Fact]
    public void Amortize_Mmk_WritesNetworkCurveAndSummary()
    {
        string net = Path.Combine(Dir, "mmk.rtnet");
        var r = Run("amortize", "--model", "mmk", "--observations", "S=0.1,P=0.1", "--samples", "2000", "--epochs", "8", "--hidden", "12", "--threads", "2", "--out", net);
        Assert.True(r.Code == 0, r.Err);
        Assert.Contains("2000 simulated experiments (1800 trained on, 200 held out), 14 readings over 2 h of S, P", r.Out, StringComparison.Ordinal);
        Assert.Contains("coverage of the 95 % intervals on the held-out experiments: Vmax ", r.Out, StringComparison.Ordinal);
        Assert.Contains("train: 8/8 epochs", r.Err, StringComparison.Ordinal);
        var curve = File.ReadAllLines(Path.Combine(Dir, "mmk.loss.csv"));
        Assert.Equal("epoch,training_nll,held_out_nll", curve[0]);
        Assert.Equal(9, curve.Length);
        double last = double.Parse(curve[^1].Split(',')[2], CultureInfo.InvariantCulture);
        Assert.True(last < 2.0 - 0.5, $"held-out NLL {last} should be well below the prior's 2.0 after 8 epochs");
        Assert.StartsWith("<svg", File.ReadAllText(Path.Combine(Dir, "mmk.loss.svg")).TrimStart(), StringComparison.Ordinal);
        using var stream = File.OpenRead(net);
        var network = AmortizedNetworkFile.Read(stream, BuiltInModels.Load("mmk"), net);
        Assert.Equal(["S", "P"], network.ChannelNames);
        Assert.Equal(12, network.Network.Hidden);

        string again = Path.Combine(Dir, "again.rtnet");
        Assert.Equal(0, Run("amortize", "--model", "mmk", "--observations", "S=0.1,P=0.1", "--samples", "2000", "--epochs", "8", "--hidden", "12", "--threads", "1", "--out", again).Code);
        Assert.Equal(File.ReadAllBytes(net), File.ReadAllBytes(again));
    }

    [Theory]
    [InlineData("X=0.1", "--observations: 'X' is not a state of model 'mmk' (states: S, P)")]
    [InlineData("S=0", "--observations: the noise sd of S must be a number > 0, not '0'")]
    [InlineData("S", "--observations: 'S' is not NAME=SD")]
    public void Amortize_BadObservations_NamesTheProblem(string observations, string message)
    {
        var r = Run("amortize", "--model", "mmk", "--observations", observations, "--out", Path.Combine(Dir, "x.rtnet"));
        Assert.Equal(2, r.Code);
        Assert.Contains("error: " + message, r.Err, StringComparison.Ordinal);
    }
}
