using ReactorTwin.Core.Inference;
using ReactorTwin.Core.Models;
using ReactorTwin.Core.Numerics;
using ReactorTwin.Core.Simulation;

namespace ReactorTwin.Core.Estimation;

/// <summary>
/// Seeded synthetic data sets for estimation studies (MLE recovery, interval calibration): each batch is one
/// chemical Langevin path (seed 001 eq. 3–4) or one exact Gillespie path at a known θ from its own initial state, every state component is
/// recorded at every observation time, and measurement noise drawn from a <see cref="MeasurementNoise"/> model
/// (y = z + ε, ε ~ N(0, R(y))) is added when one is given. The initial state is written as exact rows at t = 0 (the
/// batch's known start). Repeatable: the same <see cref="GaussianSource"/> seed gives the same data.
/// </summary>
public static class SyntheticData
{
    /// <summary>Simulates the data set.</summary>
    /// <param name="model">The model.</param>
    /// <param name="theta">θ (natural scale, all parameters).</param>
    /// <param name="initialStates">One initial state per batch (batches are named b0, b1, …).</param>
    /// <param name="times">Observation times (h), increasing and &gt; 0.</param>
    /// <param name="noise">Measurement noise to add, or null for exact values.</param>
    /// <param name="stepHours">Euler–Maruyama step of the simulation (h).</param>
    /// <param name="normal">Seeded source of the Brownian increments and the measurement noise.</param>
    /// <param name="source">Name of the data set (for messages).</param>
    public static ObservationSet ChemicalLangevin(ReactionNetwork model, ReadOnlySpan<double> theta, IReadOnlyList<double[]> initialStates, IReadOnlyList<double> times, MeasurementNoise? noise, double stepHours, GaussianSource normal, string source = "synthetic")
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(normal);
        var cle = new ChemicalLangevinSimulator(model, stepHours);
        return Build(model, theta, initialStates, times, noise, normal, source, (z0, th, grid, path) => cle.Simulate(z0, th, grid, path, normal));
    }

    /// <summary>As <see cref="ChemicalLangevin"/> but with exact stochastic simulation (Gillespie's direct method).</summary>
    /// <param name="model">The model.</param>
    /// <param name="theta">θ (natural scale, all parameters).</param>
    /// <param name="initialStates">One initial state per batch.</param>
    /// <param name="times">Observation times (h), increasing and &gt; 0.</param>
    /// <param name="noise">Measurement noise to add, or null for exact values.</param>
    /// <param name="normal">Seeded source of the events (its uniform stream) and of the measurement noise.</param>
    /// <param name="source">Name of the data set.</param>
    public static ObservationSet Gillespie(ReactionNetwork model, ReadOnlySpan<double> theta, IReadOnlyList<double[]> initialStates, IReadOnlyList<double> times, MeasurementNoise? noise, GaussianSource normal, string source = "synthetic")
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(normal);
        var ssa = new GillespieSimulator(model);
        return Build(model, theta, initialStates, times, noise, normal, source, (z0, th, grid, path) => ssa.Simulate(z0, th, grid, path, normal.Uniform));
    }

    private delegate void PathSimulator(double[] initialState, double[] theta, double[] grid, double[] path);

    private static ObservationSet Build(ReactionNetwork model, ReadOnlySpan<double> theta, IReadOnlyList<double[]> initialStates, IReadOnlyList<double> times, MeasurementNoise? noise, GaussianSource normal, string source, PathSimulator simulate)
    {
        ArgumentNullException.ThrowIfNull(initialStates);
        ArgumentNullException.ThrowIfNull(times);
        int n = model.StateDimension;
        var grid = new double[times.Count + 1];
        for (int j = 0; j < times.Count; j++)
        {
            grid[j + 1] = times[j];
        }

        var th = theta.ToArray();
        var path = new double[grid.Length * n];
        var rows = new List<DataRow>(initialStates.Count * grid.Length * n);
        for (int b = 0; b < initialStates.Count; b++)
        {
            string id = "b" + b.ToString(System.Globalization.CultureInfo.InvariantCulture);
            simulate(initialStates[b], th, grid, path);
            for (int j = 0; j < grid.Length; j++)
            {
                for (int i = 0; i < n; i++)
                {
                    double v = path[(j * n) + i];
                    if (j > 0 && noise is not null)
                    {
                        v += Math.Sqrt(noise.Variance(i, v)) * normal.Next();
                    }

                    rows.Add(new DataRow(id, grid[j], model.StateNames[i], v));
                }
            }
        }

        return ObservationSet.FromRows(model, rows, source);
    }
}
