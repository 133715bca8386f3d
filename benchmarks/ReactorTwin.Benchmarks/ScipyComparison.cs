using System.Diagnostics;
using System.Globalization;
using ReactorTwin.Core.Inference;
using ReactorTwin.Core.Lna;
using ReactorTwin.Core.Models;
using ReactorTwin.Core.Numerics;
using ReactorTwin.Core.Simulation;

namespace ReactorTwin.Benchmarks;

/// <summary>
/// Same-run ratios against SciPy: times ReactorTwin and the SciPy peers in benchmarks/scipy/ alternately in one run
/// on the same problems, so that both see the same machine load:
/// <list type="bullet">
/// <item>the Kalman–LNA log-likelihood of the benchmark's CHO batch (one batch, 6 observation times of GLC, LAC and
/// mAb, 2 % + 1e−3 noise; <see cref="LikelihoodBenchmarks"/>), value and gradient in the 7 α (SciPy: RK45 at the same
/// tolerances, gradient by central differences), at the default rtol 1e−6 / atol 1e−9 and at rtol 1e−4 / atol 1e−7
/// (<c>--rtol 1e-4</c>);</item>
/// <item>the Millard mean ODE over the 1 mM batch (SciPy: BDF, LSODA and Radau at rtol 1e−6 / atol 1e−9).</item>
/// </list>
/// Run: <c>dotnet run -c Release --project benchmarks/ReactorTwin.Benchmarks -- study scipy [rounds]</c>; needs
/// Debian's python3-scipy (<c>apt-get install python3-scipy</c>). Prints medians per round and over rounds.
/// </summary>
internal static class ScipyComparison
{
    public static void Run(string[] args)
    {
        int rounds = args.Length > 2 ? int.Parse(args[2], CultureInfo.InvariantCulture) : 3;
        string root = RepositoryRoot();
        string python = File.Exists("/usr/bin/python3") ? "/usr/bin/python3" : "python3";
        var cho = BuiltInModels.Load("cho");
        var theta = cho.NominalParameters();
        var rows = ChoData.Rows(cho, batches: 1, pathSeed: 11, designSeed: 12)
            .Where(r => r.TimeHours == 0 || cho.IndexOfState(r.Name) < cho.SpeciesCount).ToList();
        var data = ObservationSet.FromRows(cho, rows, "bench");
        var noise = ChoData.Noise(cho);
        string csv = Path.Combine(Path.GetTempPath(), "reactortwin-cho-batch.csv");
        File.WriteAllLines(csv, ["batch,time_h,species,value", .. rows.Select(r => string.Create(CultureInfo.InvariantCulture, $"{r.Batch},{r.TimeHours:R},{r.Name},{r.Value:R}"))]);

        var millard = MillardData.Load();
        var simulator = new MeanOdeSimulator(millard);
        var mTheta = millard.NominalParameters();
        var mOut = new double[MillardData.Times.Length * millard.StateDimension];
        var r0 = new LikelihoodResult(0);
        var r7 = new LikelihoodResult(7);

        // The default tolerance and a looser one (--rtol 1e-4 of loglik and fit), each against SciPy at the same.
        double[] tolerances = [1e-6, 1e-4];
        var value = tolerances.Select(t => new KalmanLnaLikelihood(cho, [], Tolerance(t))).ToArray();
        var gradient = tolerances.Select(t => new KalmanLnaLikelihood(cho, [0, 1, 2, 3, 4, 5, 6], Tolerance(t))).ToArray();
        string model = Path.Combine(root, "twin-core", "ReactorTwin.Core", "Models", "BuiltIn", "cho.json");
        for (int round = 1; round <= rounds; round++)
        {
            for (int j = 0; j < tolerances.Length; j++)
            {
                double rtol = tolerances[j];
                double kv = MedianMicroseconds(() => value[j].Evaluate(data, theta, noise, r0), 2000);
                double kg = MedianMicroseconds(() => gradient[j].Evaluate(data, theta, noise, r7), 500);
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"round {round}, rtol {rtol:G1}: ReactorTwin Kalman-LNA loglik {r0.LogLikelihood:R}: {kv:F1} us; + adjoint gradient {kg:F1} us ({string.Join(" ", r7.Gradient.Select(g => g.ToString("G10", CultureInfo.InvariantCulture)))})"));
                RunPeer(python, Path.Combine(root, "benchmarks", "scipy", "kalman_lna.py"), string.Create(CultureInfo.InvariantCulture, $"\"{model}\" \"{csv}\" --rel 0.02 --abs 1e-3 --rtol {rtol:G1} --atol {rtol * 1e-3:G1} --gradient 0,1,2,3,4,5,6 --repeat 5"));
            }

            double mo = MedianMicroseconds(() => simulator.Simulate(MillardData.Initial, mTheta, MillardData.Times, mOut), 500);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"round {round}: ReactorTwin Millard mean ODE {mo:F1} us"));
            RunPeer(python, Path.Combine(root, "benchmarks", "scipy", "millard_ode.py"), "bench 20");
        }
    }

    private static LnaOptions Tolerance(double rtol) =>
        new() { Tolerances = new OdeOptions { RelativeTolerance = rtol, AbsoluteTolerance = rtol * 1e-3 } };

    private static double MedianMicroseconds(Action action, int repeats)
    {
        for (int i = 0; i < Math.Max(5, repeats / 10); i++)
        {
            action();
        }

        var samples = new double[15];
        for (int b = 0; b < samples.Length; b++)
        {
            long start = Stopwatch.GetTimestamp();
            for (int i = 0; i < repeats; i++)
            {
                action();
            }

            samples[b] = Stopwatch.GetElapsedTime(start).TotalMicroseconds / repeats;
        }

        Array.Sort(samples);
        return samples[samples.Length / 2];
    }

    /// <summary>Runs a SciPy peer, echoes and returns its standard output; throws when it fails.</summary>
    internal static string RunPeer(string python, string script, string arguments)
    {
        using var process = Process.Start(new ProcessStartInfo(python, $"\"{script}\" {arguments}") { RedirectStandardOutput = true, UseShellExecute = false })
            ?? throw new InvalidOperationException($"could not start {python}");
        string output = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        Console.Write(output);
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{script} failed with exit code {process.ExitCode} (is python3-scipy installed?)");
        }

        return output;
    }

    /// <summary>The repository root above the binaries.</summary>
    internal static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "ReactorTwin.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("run from inside the repository (ReactorTwin.sln not found above the binaries)");
    }
}
