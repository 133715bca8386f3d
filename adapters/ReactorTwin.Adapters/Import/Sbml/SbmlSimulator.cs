using ReactorTwin.Core.Numerics;
using ReactorTwin.Core.Simulation;

namespace ReactorTwin.Adapters.Import.Sbml;

/// <summary>
/// Simulates an imported SBML model: the mean ODE dz/dt = S a(z; θ) of its network by the Core
/// <see cref="MeanOdeSimulator"/> (default automatic stiff/non-stiff switching), with its events
/// (<see cref="SbmlModel.Events"/>) applied where their triggers turn true. Between events the system is autonomous
/// (imported rates and rules cannot name time), so each stretch is integrated from its own start. Triggers are checked
/// at every output time and at least 256 times over the horizon; a trigger that turns true between two checks is
/// located by bisection to 1e−10·max(1, t). A trigger that turns true and false again between two checks is missed.
/// Not thread-safe.
/// </summary>
public sealed class SbmlSimulator
{
    private const int ChecksPerHorizon = 256;
    private const int MaxCascade = 100;
    private readonly SbmlModel _model;
    private readonly MeanOdeSimulator _ode;
    private readonly int _n;
    private readonly double[] _one;

    /// <summary>Creates the simulator.</summary>
    /// <param name="model">The imported model.</param>
    /// <param name="options">Integrator options; null for the Core defaults.</param>
    public SbmlSimulator(SbmlModel model, OdeOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        _model = model;
        _ode = new MeanOdeSimulator(model.Network, options);
        _n = model.Network.StateDimension;
        _one = new double[_n];
    }

    /// <summary>The model.</summary>
    public SbmlModel Model => _model;

    /// <summary>
    /// Solves from z(0) = <paramref name="initialState"/> with parameters <paramref name="theta"/> and writes z at each
    /// time into <paramref name="output"/> (times × state, row-major). Events may change <paramref name="theta"/> (it is
    /// copied first) and the state.
    /// </summary>
    /// <exception cref="SimulationException">The integrator failed, or an event set a state below zero.</exception>
    public void Simulate(ReadOnlySpan<double> initialState, ReadOnlySpan<double> theta, ReadOnlySpan<double> times, Span<double> output)
    {
        if (_model.Events.Count == 0)
        {
            _ode.Simulate(initialState, theta, times, output);
            return;
        }

        var z = initialState.ToArray();
        var p = theta.ToArray();
        var was = _model.Events.Select(e => e.InitialValue).ToArray();
        double t = 0;
        Fire(t, z, p, was);
        double horizon = times.Length == 0 ? 0 : times[^1];
        double spacing = horizon > 0 ? horizon / ChecksPerHorizon : double.PositiveInfinity;
        var zc = new double[_n];
        for (int j = 0; j < times.Length; j++)
        {
            while (t < times[j])
            {
                double c = Math.Min(times[j], t + spacing);
                Advance(z, p, c - t, zc);
                if (FirstNewlyTrue(c, zc, p, was) < 0)
                {
                    UpdateWas(c, zc, p, was);
                    (t, z) = (c, (double[])zc.Clone());
                    continue;
                }

                // Bisection: lo where no new trigger holds, hi where one does.
                double lo = t, hi = c;
                var zhi = (double[])zc.Clone();
                while (hi - lo > 1e-10 * Math.Max(1.0, hi))
                {
                    double mid = 0.5 * (lo + hi);
                    Advance(z, p, mid - t, zc);
                    if (FirstNewlyTrue(mid, zc, p, was) >= 0)
                    {
                        (hi, zhi) = (mid, (double[])zc.Clone());
                    }
                    else
                    {
                        lo = mid;
                    }
                }

                (t, z) = (hi, zhi);
                Fire(t, z, p, was);
            }

            z.CopyTo(output.Slice(j * _n, _n));
        }
    }

    private void Advance(double[] z, double[] p, double dt, double[] result)
    {
        if (dt <= 0)
        {
            z.CopyTo(result, 0);
            return;
        }

        _one[0] = dt;
        _ode.Simulate(z, p, _one.AsSpan(0, 1), result);
    }

    private int FirstNewlyTrue(double t, double[] z, double[] p, bool[] was)
    {
        for (int e = 0; e < was.Length; e++)
        {
            if (!was[e] && _model.Events[e].Holds(t, z, p))
            {
                return e;
            }
        }

        return -1;
    }

    private void UpdateWas(double t, double[] z, double[] p, bool[] was)
    {
        for (int e = 0; e < was.Length; e++)
        {
            was[e] = _model.Events[e].Holds(t, z, p);
        }
    }

    /// <summary>Applies, in file order, every event whose trigger has turned true, until no more do.</summary>
    private void Fire(double t, double[] z, double[] p, bool[] was)
    {
        for (int round = 0; round < MaxCascade; round++)
        {
            int e = FirstNewlyTrue(t, z, p, was);
            if (e < 0)
            {
                UpdateWas(t, z, p, was);
                return;
            }

            _model.Events[e].Apply(t, z, p);
            was[e] = true;
            for (int i = 0; i < z.Length; i++)
            {
                if (!(z[i] >= 0) || !double.IsFinite(z[i]))
                {
                    throw new SimulationException($"event '{_model.Events[e].Id}' at t = {t:G6} set {_model.Network.StateNames[i]} to {z[i]}: states must stay finite and ≥ 0");
                }
            }
        }

        throw new SimulationException($"events keep triggering each other at t = {t:G6} ({MaxCascade} in a row)");
    }
}
