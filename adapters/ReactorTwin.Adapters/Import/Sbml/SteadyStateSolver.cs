using ReactorTwin.Core.Simulation;

namespace ReactorTwin.Adapters.Import.Sbml;

/// <summary>
/// Finds the steady state an imported model settles to from a given state (PEtab pre-equilibration) by integrating
/// it: stretches of 1, 2, 4, … h until every component of the drift f = dz/dt is small,
/// |f_i(z)| ≤ <see cref="AbsoluteTolerance"/> + <see cref="RelativeTolerance"/>·|z_i| (per hour), the criterion
/// AMICI's simulation-based steady state uses. Integration (rather than Newton's method) keeps conserved totals, so
/// it also works when the Jacobian is singular, as with conservation laws.
/// </summary>
public sealed class SteadyStateSolver
{
    /// <summary>Relative tolerance on the drift (per hour). Default 1e−8.</summary>
    public double RelativeTolerance { get; init; } = 1e-8;

    /// <summary>Absolute tolerance on the drift (state units per hour). Default 1e−10.</summary>
    public double AbsoluteTolerance { get; init; } = 1e-10;

    /// <summary>The longest total integration time (hours) before giving up. Default 1e9.</summary>
    public double MaxTimeHours { get; init; } = 1e9;

    /// <summary>Integrates from <paramref name="initialState"/> until the criterion holds and returns the state.</summary>
    /// <param name="simulator">The model's simulator (a model with events is refused: their timing would be meaningless).</param>
    /// <param name="initialState">Where to start.</param>
    /// <param name="theta">Parameters.</param>
    /// <returns>The steady state.</returns>
    /// <exception cref="NotSupportedException">The model has events.</exception>
    /// <exception cref="SimulationException">No steady state within <see cref="MaxTimeHours"/>, or the integrator failed.</exception>
    public double[] Find(SbmlSimulator simulator, ReadOnlySpan<double> initialState, ReadOnlySpan<double> theta)
    {
        ArgumentNullException.ThrowIfNull(simulator);
        var model = simulator.Model;
        if (model.Events.Count > 0)
        {
            throw new NotSupportedException($"pre-equilibration of a model with events ({string.Join(", ", model.Events.Select(e => e.Id))}) is not supported");
        }

        int n = model.Network.StateDimension;
        var z = initialState.ToArray();
        var p = theta.ToArray();
        var next = new double[n];
        var f = new double[n];
        double dt = 1.0, total = 0.0;
        while (true)
        {
            model.Network.Compiled.Drift(z, p, f);
            double worst = 0;
            int at = 0;
            for (int i = 0; i < n; i++)
            {
                double ratio = Math.Abs(f[i]) / (AbsoluteTolerance + (RelativeTolerance * Math.Abs(z[i])));
                if (!(ratio <= worst))
                {
                    (worst, at) = (ratio, i);
                }
            }

            if (worst <= 1.0)
            {
                return z;
            }

            if (total >= MaxTimeHours || double.IsNaN(worst))
            {
                throw new SimulationException($"no steady state after {total:G3} h of pre-equilibration: d{model.Network.StateNames[at]}/dt = {f[at]:G3} at {model.Network.StateNames[at]} = {z[at]:G6}");
            }

            simulator.Simulate(z, p, [dt], next);
            (z, next) = (next, z);
            total += dt;
            dt *= 2;
        }
    }
}
