using System.Diagnostics;
using System.Globalization;
using ReactorTwin.Core.Amortized;
using ReactorTwin.Core.Estimation;
using ReactorTwin.Core.Models;
using ReactorTwin.Core.Tests.Numerics;

namespace ReactorTwin.Core.Tests.Amortized;

/// <summary>
/// The Deep Set network: its hand-written gradient against central finite differences, its forward pass against an
/// independent NumPy implementation reading the weight file, permutation invariance, zero allocation, the file's round
/// trip and its errors.
/// </summary>
public class DeepSetNetworkTests
{
    /// <summary>A network on mmk (C = 2, p = 4) with random weights of a size that makes tanh non-linear.</summary>
    internal static AmortizedNetwork RandomNetwork(int hidden, int seed)
    {
        var model = BuiltInModels.Load("mmk");
        var space = new ParameterSpace(model);
        var design = ObservationDesign.Seed002Mmk(model);
        var random = new Random(seed);
        var weights = new double[DeepSetNetwork.WeightCount(2, hidden, 4)];
        for (int i = 0; i < weights.Length; i++)
        {
            weights[i] = (random.NextDouble() * 2) - 1;
        }

        var net = new DeepSetNetwork(2, hidden, 4, 2.0, [1.3, 0.9], [0.7, 1.1], weights);
        return new AmortizedNetwork(model.Name, ["S", "P"], design, PriorStandardization.For(space), net);
    }

    private static (double[] T, int[] C, double[] Y, double[] Z) RandomReadings(Random random, int n)
    {
        var t = new double[n];
        var c = new int[n];
        var y = new double[n];
        for (int i = 0; i < n; i++)
        {
            t[i] = random.NextDouble() * 2;
            c[i] = random.Next(2);
            y[i] = random.NextDouble() * 3;
        }

        return (t, c, y, [0.3, -1.2, 0.8, 2.1]);
    }

    [Fact]
    public void Gradient_RandomWeights_MatchesCentralDifferences()
    {
        var network = RandomNetwork(hidden: 6, seed: 3).Network;
        // Shrink the output layer so that no log-sd sits at its clip (where the NLL has a kink).
        for (int i = network.OffsetW4; i < network.Weights.Length; i++)
        {
            network.Weights[i] *= 0.2;
        }

        var (t, c, y, z) = RandomReadings(new Random(4), 9);
        var gradient = new double[network.Weights.Length];
        var workspace = new DeepSetGradient(network);
        double loss = workspace.Accumulate(t, c, y, z, gradient);
        Assert.Equal(Nll(network, t, c, y, z), loss, 12);
        const double h = 1e-6;
        double worst = 0;
        for (int i = 0; i < network.Weights.Length; i++)
        {
            double keep = network.Weights[i];
            network.Weights[i] = keep + h;
            double up = Nll(network, t, c, y, z);
            network.Weights[i] = keep - h;
            double down = Nll(network, t, c, y, z);
            network.Weights[i] = keep;
            double fd = (up - down) / (2 * h);
            worst = Math.Max(worst, Math.Abs(fd - gradient[i]) / ((1e-6 * Math.Abs(fd)) + 2e-9));
        }

        // Tolerance 1e−6 relative plus the differences' noise floor: the NLL is a sum of ~10³ rounded terms (error
        // ~1e−15), which central differences with h = 1e−6 amplify to ~1e−9 absolute.
        Assert.True(worst < 1, $"worst gradient error {worst:G3} × (1e−6 |fd| + 2e−9)");
    }

    [Fact]
    public void Gradient_Accumulates_AddsToExistingValues()
    {
        var network = RandomNetwork(hidden: 5, seed: 8).Network;
        var (t, c, y, z) = RandomReadings(new Random(9), 4);
        var once = new double[network.Weights.Length];
        var twice = new double[network.Weights.Length];
        var workspace = new DeepSetGradient(network);
        workspace.Accumulate(t, c, y, z, once);
        workspace.Accumulate(t, c, y, z, twice);
        workspace.Accumulate(t, c, y, z, twice);
        for (int i = 0; i < once.Length; i++)
        {
            Assert.Equal(2 * once[i], twice[i], 12);
        }
    }

    [Fact]
    public void Forward_PermutedReadings_SameOutput()
    {
        var network = RandomNetwork(hidden: 16, seed: 5).Network;
        var (t, c, y, _) = RandomReadings(new Random(6), 14);
        var m1 = new double[4];
        var l1 = new double[4];
        network.Forward(t, c, y, m1, l1);
        Array.Reverse(t);
        Array.Reverse(c);
        Array.Reverse(y);
        var m2 = new double[4];
        var l2 = new double[4];
        network.Forward(t, c, y, m2, l2);
        for (int j = 0; j < 4; j++)
        {
            Assert.Equal(m1[j], m2[j], 12);
            Assert.Equal(l1[j], l2[j], 12);
        }
    }

    [Fact]
    public void Forward_SteadyState_AllocatesNothing()
    {
        var network = RandomNetwork(hidden: 32, seed: 7).Network;
        var (t, c, y, z) = RandomReadings(new Random(8), 14);
        var mean = new double[4];
        var logSd = new double[4];
        Assert.Equal(0, AllocationTests.AllocatedInSteadyState(() => network.Forward(t, c, y, mean, logSd)));
        var gradient = new double[network.Weights.Length];
        var workspace = new DeepSetGradient(network);
        Assert.Equal(0, AllocationTests.AllocatedInSteadyState(() => workspace.Accumulate(t, c, y, z, gradient)));
    }

    [Fact]
    public void Forward_RandomInputs_EqualsNumPyReadingTheFile()
    {
        var network = RandomNetwork(hidden: 24, seed: 21);
        var model = BuiltInModels.Load("mmk");
        string dir = Path.Combine(Path.GetTempPath(), "rt-deepset-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
        try
        {
            string file = Path.Combine(dir, "net.rtnet");
            using (var stream = File.Create(file))
            {
                AmortizedNetworkFile.Write(network, model, stream);
            }

            var random = new Random(22);
            var expected = new List<double[]>();
            using (var csv = new StreamWriter(Path.Combine(dir, "readings.csv")))
            {
                csv.WriteLine("experiment,time_h,channel,value");
                for (int e = 0; e < 20; e++)
                {
                    var (t, c, y, _) = RandomReadings(random, 1 + random.Next(30));
                    for (int i = 0; i < t.Length; i++)
                    {
                        csv.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{e},{t[i]:R},{c[i]},{y[i]:R}"));
                    }

                    var mean = new double[4];
                    var logSd = new double[4];
                    network.Estimate(t, c, y, mean, logSd);
                    expected.Add([.. mean, .. logSd]);
                }
            }

            var lines = RunNumPy(file, Path.Combine(dir, "readings.csv"));
            Assert.Equal(expected.Count, lines.Length);
            for (int e = 0; e < lines.Length; e++)
            {
                var got = lines[e].Split(' ').Select(s => double.Parse(s, CultureInfo.InvariantCulture)).ToArray();
                Assert.Equal(8, got.Length);
                for (int j = 0; j < 8; j++)
                {
                    Assert.True(Math.Abs(got[j] - expected[e][j]) <= 1e-10 * (1 + Math.Abs(got[j])), $"experiment {e} output {j}: NumPy {got[j]:R}, C# {expected[e][j]:R}");
                }
            }
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public void File_RoundTrip_SameNetworkAndOutputs()
    {
        var network = RandomNetwork(hidden: 8, seed: 31);
        var model = BuiltInModels.Load("mmk");
        using var stream = new MemoryStream();
        AmortizedNetworkFile.Write(network, model, stream);
        stream.Position = 0;
        var read = AmortizedNetworkFile.Read(stream, model, "mem.rtnet");
        Assert.Equal(network.Network.Weights, read.Network.Weights);
        Assert.Equal(network.ChannelNames, read.ChannelNames);
        Assert.Equal(network.Design.Channels, read.Design.Channels);
        Assert.Equal(network.Design.NoiseSd, read.Design.NoiseSd);
        Assert.Equal(network.Standardization.Parameters, read.Standardization.Parameters);
        Assert.Equal(network.Network.ValueScale, read.Network.ValueScale);
    }

    [Theory]
    [InlineData("truncated", "ends here")]
    [InlineData("magic", "not a ReactorTwin network file")]
    [InlineData("model", "trained for model 'mmk', not 'michaelis-menten'")]
    [InlineData("trailing", "bytes after the last weight")]
    public void File_Corrupted_NamesFileAndField(string damage, string message)
    {
        var network = RandomNetwork(hidden: 4, seed: 41);
        var model = BuiltInModels.Load("mmk");
        using var stream = new MemoryStream();
        AmortizedNetworkFile.Write(network, model, stream);
        var bytes = stream.ToArray();
        var target = model;
        switch (damage)
        {
            case "truncated":
                bytes = bytes[..^5];
                break;
            case "magic":
                bytes[0] = (byte)'X';
                break;
            case "model":
                target = BuiltInModels.Load("michaelis-menten");
                break;
            default:
                bytes = [.. bytes, 0, 0];
                break;
        }

        var ex = Assert.Throws<InvalidDataException>(() => AmortizedNetworkFile.Read(new MemoryStream(bytes), target, "bad.rtnet"));
        Assert.StartsWith("bad.rtnet: ", ex.Message, StringComparison.Ordinal);
        Assert.Contains(message, ex.Message, StringComparison.Ordinal);
    }

    private static double Nll(DeepSetNetwork network, double[] t, int[] c, double[] y, double[] z)
    {
        var mean = new double[network.Outputs];
        var logSd = new double[network.Outputs];
        network.Forward(t, c, y, mean, logSd);
        double sum = 0;
        for (int j = 0; j < mean.Length; j++)
        {
            double r = (z[j] - mean[j]) * Math.Exp(-logSd[j]);
            sum += logSd[j] + (0.5 * r * r);
        }

        return sum;
    }

    private static string[] RunNumPy(string network, string readings)
    {
        string script = Path.Combine(AppContext.BaseDirectory, "scipy", "deepset_forward.py");
        var info = new ProcessStartInfo("/usr/bin/python3") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        info.ArgumentList.Add(script);
        info.ArgumentList.Add(network);
        info.ArgumentList.Add(readings);
        using var process = Process.Start(info) ?? throw new InvalidOperationException("could not start /usr/bin/python3 (Debian's python3 with python3-numpy; test.sh installs it)");
        string stdout = process.StandardOutput.ReadToEnd();
        string stderr = process.StandardError.ReadToEnd();
        process.WaitForExit();
        Assert.True(process.ExitCode == 0, $"deepset_forward.py failed ({process.ExitCode}): {stderr}");
        return stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
    }
}
