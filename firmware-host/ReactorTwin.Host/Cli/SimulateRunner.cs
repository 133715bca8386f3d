using System.Globalization;
using System.Text;
using ReactorTwin.Core.Models;
using ReactorTwin.Core.Numerics;
using ReactorTwin.Core.Simulation;

namespace ReactorTwin.Host.Cli;

/// <summary>Simulation method of <c>reactortwin simulate</c>.</summary>
public enum SimulationMethod
{
    /// <summary>Deterministic mean ODE (Dormand–Prince 5(4), switching to an implicit method when the model is stiff).</summary>
    Ode,

    /// <summary>Chemical Langevin equation by Euler–Maruyama.</summary>
    Cle,

    /// <summary>Gillespie's stochastic simulation algorithm.</summary>
    Ssa,
}

/// <summary>Settings of one <c>simulate</c> run (already parsed).</summary>
/// <param name="Model">Built-in name or JSON path.</param>
/// <param name="Method">Simulator.</param>
/// <param name="Assignments">NAME=VALUE items for initial values and parameters.</param>
/// <param name="Inputs">NAME=VALUE[@HOURS] items for the model's inputs (<see cref="InputAssignments"/>); empty for the model's values.</param>
/// <param name="Hours">Horizon (h), &gt; 0.</param>
/// <param name="IntervalHours">Output spacing (h), in (0, Hours].</param>
/// <param name="Replicates">Number of paths, ≥ 1 (the ODE always gives 1).</param>
/// <param name="Seed">Master seed; replicate r uses the r-th draw of a Random(Seed).</param>
/// <param name="OutPath">CSV path, or null for no file.</param>
/// <param name="SystemSize">Ω override, or null for the model's.</param>
/// <param name="StepHours">CLE step (h), or null for IntervalHours/1000.</param>
public sealed record SimulateSettings(
    string Model,
    SimulationMethod Method,
    IReadOnlyList<string> Assignments,
    IReadOnlyList<string> Inputs,
    double Hours,
    double IntervalHours,
    int Replicates,
    int Seed,
    string? OutPath,
    double? SystemSize,
    double? StepHours);

/// <summary>Runs <c>reactortwin simulate</c>: simulate, write long-format CSV, print a summary.</summary>
internal static class SimulateRunner
{
    public static int Run(SimulateSettings s, TextWriter stdout, TextWriter stderr, TimeProvider time)
    {
        Validate(s);
        var model = ModelResolver.Resolve(s.Model);
        if (s.SystemSize is double omega)
        {
            model = model.WithSystemSize(omega);
        }

        var z0 = model.DefaultInitialState();
        var theta = model.NominalParameters();
        Assignments.Apply(model, s.Assignments, z0, theta, "--set");
        var inputs = InputAssignments.Parse(model, s.Inputs, "--input");

        int steps = (int)Math.Floor((s.Hours / s.IntervalHours) + 1e-9);
        var times = new double[steps + 1 + (Math.Abs((steps * s.IntervalHours) - s.Hours) > 1e-9 * s.Hours ? 1 : 0)];
        for (int j = 0; j <= steps; j++)
        {
            times[j] = j * s.IntervalHours;
        }

        times[^1] = Math.Max(times[^1], s.Hours);
        int n = model.StateDimension;
        int replicates = s.Method == SimulationMethod.Ode ? 1 : s.Replicates;
        if (s.Method == SimulationMethod.Ode && s.Replicates > 1)
        {
            stderr.WriteLine("note: the ODE is deterministic; writing one replicate instead of " + s.Replicates.ToString(CultureInfo.InvariantCulture));
        }

        var paths = new double[replicates][];
        var master = new Random(s.Seed);
        long started = time.GetTimestamp();
        double step = s.StepHours ?? (s.IntervalHours / 1000.0);
        var ode = s.Method == SimulationMethod.Ode ? new MeanOdeSimulator(model) : null;
        var cle = s.Method == SimulationMethod.Cle ? new ChemicalLangevinSimulator(model, step) : null;
        var ssa = s.Method == SimulationMethod.Ssa ? Gillespie(model) : null;
        for (int r = 0; r < replicates; r++)
        {
            var output = new double[times.Length * n];
            var rng = new Random(master.Next());
            try
            {
                if (ode is not null)
                {
                    ode.Simulate(z0, theta, times, output, inputs);
                }
                else if (cle is not null)
                {
                    cle.Simulate(z0, theta, times, output, new GaussianSource(rng), inputs);
                }
                else
                {
                    ssa!.Simulate(z0, theta, times, output, rng, inputs);
                }
            }
            catch (SimulationException ex)
            {
                throw new CliException($"replicate {r + 1}: {ex.Message}", ex);
            }

            paths[r] = output;
            if (replicates >= 10 && (r + 1) % Math.Max(1, replicates / 10) == 0)
            {
                stderr.Write(string.Create(CultureInfo.InvariantCulture, $"\rsimulated {r + 1}/{replicates}"));
            }
        }

        if (replicates >= 10)
        {
            stderr.WriteLine();
        }

        var elapsed = time.GetElapsedTime(started);
        if (s.OutPath is not null)
        {
            WriteCsv(s.OutPath, model, times, paths);
        }

        WriteSummary(stdout, model, s, times, paths, step, elapsed);
        return 0;
    }

    private static GillespieSimulator Gillespie(ReactionNetwork model)
    {
        try
        {
            return new GillespieSimulator(model);
        }
        catch (ArgumentException ex)
        {
            throw new CliException("--method ssa: " + ex.Message.Split(" (Parameter", 2)[0], ex);
        }
    }

    private static void Validate(SimulateSettings s)
    {
        var problems = new List<string>();
        if (!(s.Hours > 0) || !double.IsFinite(s.Hours))
        {
            problems.Add($"--hours must be a finite number > 0, not {s.Hours}");
        }

        if (!(s.IntervalHours > 0) || !(s.IntervalHours <= s.Hours))
        {
            problems.Add($"--interval must be > 0 and ≤ --hours ({s.Hours}), not {s.IntervalHours}");
        }
        else if (s.Hours / s.IntervalHours > 1_000_000)
        {
            problems.Add($"--hours/--interval asks for {s.Hours / s.IntervalHours:G3} output rows per replicate; at most 1e6");
        }

        if (s.Replicates < 1)
        {
            problems.Add($"--replicates must be ≥ 1, not {s.Replicates}");
        }

        if (s.SystemSize is double o && (!(o > 0) || !double.IsFinite(o)))
        {
            problems.Add($"--omega must be finite and > 0, not {o}");
        }

        if (s.StepHours is double dt && (!(dt > 0) || !double.IsFinite(dt)))
        {
            problems.Add($"--dt must be finite and > 0, not {dt}");
        }

        if (s.OutPath is not null)
        {
            string? dir = Path.GetDirectoryName(Path.GetFullPath(s.OutPath));
            if (dir is not null && !Directory.Exists(dir))
            {
                problems.Add($"--out '{s.OutPath}': the directory '{dir}' does not exist");
            }
        }

        if (problems.Count > 0)
        {
            throw new CliException(string.Join(Environment.NewLine, problems));
        }
    }

    /// <summary>Long format: replicate,time_h,species,value (species and cell phases), invariant culture, round-trip precision.</summary>
    internal static void WriteCsv(string path, ReactionNetwork model, double[] times, double[][] paths)
    {
        int n = model.StateDimension;
        var sb = new StringBuilder();
        sb.Append("replicate,time_h,species,value\n");
        for (int r = 0; r < paths.Length; r++)
        {
            for (int j = 0; j < times.Length; j++)
            {
                for (int i = 0; i < n; i++)
                {
                    sb.Append(CultureInfo.InvariantCulture, $"{r + 1},{times[j]:R},{model.StateNames[i]},{paths[r][(j * n) + i]:R}\n");
                }
            }
        }

        File.WriteAllText(path, sb.ToString());
    }

    private static void WriteSummary(TextWriter o, ReactionNetwork model, SimulateSettings s, double[] times, double[][] paths, double step, TimeSpan elapsed)
    {
        var ci = CultureInfo.InvariantCulture;
        int n = model.StateDimension;
        int last = times.Length - 1;
        string method = s.Method switch
        {
            SimulationMethod.Ode => "mean ODE (Dormand-Prince 5(4) with automatic switch to ESDIRK4(3) when stiff, rtol 1e-6)",
            SimulationMethod.Cle => string.Create(ci, $"chemical Langevin (Euler-Maruyama, dt = {step:G4} h)"),
            _ => "Gillespie SSA",
        };
        o.WriteLine(string.Create(ci, $"model {model.Name}: {method}, Ω = {model.SystemSize:G6}, {paths.Length} replicate(s), seed {s.Seed}"));
        o.WriteLine(string.Create(ci, $"{times.Length} output times from 0 to {times[last]:G6} h every {s.IntervalHours:G6} h; {elapsed.TotalMilliseconds:F1} ms"));
        if (s.Inputs.Count > 0)
        {
            o.WriteLine("inputs: " + string.Join(", ", s.Inputs));
        }
        if (s.OutPath is not null)
        {
            o.WriteLine($"wrote {paths.Length * times.Length * n} rows to {s.OutPath}");
        }

        o.WriteLine(string.Create(ci, $"state at t = {times[last]:G6} h:"));
        o.WriteLine(string.Create(ci, $"  {"name",-8} {"unit",-14} {"initial",12} {"mean",12} {"sd",12} {"2.5%",12} {"97.5%",12}"));
        var values = new double[paths.Length];
        for (int i = 0; i < n; i++)
        {
            for (int r = 0; r < paths.Length; r++)
            {
                values[r] = paths[r][(last * n) + i];
            }

            Array.Sort(values);
            double mean = values.Average();
            double sd = values.Length > 1 ? Math.Sqrt(values.Sum(v => (v - mean) * (v - mean)) / (values.Length - 1)) : 0.0;
            string unit = i < model.SpeciesCount ? model.Species[i].Unit : model.CellPhases[i - model.SpeciesCount].Unit;
            o.WriteLine(string.Create(ci, $"  {model.StateNames[i],-8} {unit,-14} {paths[0][i],12:G5} {mean,12:G5} {sd,12:G4} {Quantile(values, 0.025),12:G5} {Quantile(values, 0.975),12:G5}"));
        }
    }

    /// <summary>Linear-interpolation quantile (type 7) of sorted values.</summary>
    internal static double Quantile(double[] sorted, double q)
    {
        double h = (sorted.Length - 1) * q;
        int lo = (int)Math.Floor(h);
        int hi = Math.Min(lo + 1, sorted.Length - 1);
        return sorted[lo] + ((h - lo) * (sorted[hi] - sorted[lo]));
    }
}
