using ReactorTwin.Core.Models;
using ReactorTwin.Core.Simulation;

namespace ReactorTwin.Core.Lna;

/// <summary>
/// S_k for a condition-triggered event whose saltation matrix reads the time or an input (a rate, the trigger or an
/// assignment of t or u: a fed-batch feed, a trigger <c>t &gt; 2</c>). S = H − w ∂gᵀ/D is a function Φ(z⁻, θ, τ) of the
/// state, the parameters and the event time (with u(τ) on the current input segment), and its total derivative by θ_k
/// is the directional derivative of Φ along (dz⁻, e_k, dτ_k), dz⁻ = η_k + f⁻ dτ_k. Here it is taken by central
/// differences of Φ, each evaluated by an <see cref="EventJump"/> of its own: with the step ε = 1e−6·|θ_k| the error is
/// O(ε²) relative plus rounding of order 1e−16/ε, about 1e−10 relative, far below the integrator's tolerance. The
/// autonomous case keeps the closed form (<see cref="SaltationDerivative"/>).
/// </summary>
internal sealed partial class LnaSystem
{
    private EventJump? _probe;
    private ModelArguments? _probeArguments;
    private double[] _probeState = [], _probeSaltation = [];

    /// <summary>True when the saltation matrix of event <paramref name="index"/> reads t or an input, so that its
    /// derivative is taken by <see cref="SaltationDerivativeByDifferences"/>.</summary>
    private bool SaltationReadsTime(int index)
    {
        var events = _model.CompiledEvents;
        int root = Array.IndexOf(events.RootEvent, index);
        return _m.IsTimeDependent || events.AssignmentReadsTime(index) || (root >= 0 && events.RootReadsTime(root));
    }

    /// <summary>Writes S_k (n × n) into <paramref name="sk"/> for sensitivity <paramref name="k"/> of event
    /// <paramref name="index"/> at time <paramref name="t"/>, given dz⁻ and dτ_k. No allocation after the first call.</summary>
    /// <exception cref="LnaException">A perturbed trigger is touched, not crossed (the event time has no derivative there).</exception>
    private void SaltationDerivativeByDifferences(int index, int k, double t, ReadOnlySpan<double> dz, double dTau, double[] sk)
    {
        int n = _n, pk = _sens[k];
        _probe ??= new EventJump(_model);
        _probeArguments ??= new ModelArguments(_model, extra: Arguments.Values.Length - _m.ArgumentCount);
        if (_probeState.Length != n)
        {
            _probeState = new double[n];
            _probeSaltation = new double[n * n];
        }

        double theta = Arguments.Values[pk];
        double h = 1e-6 * Math.Max(Math.Abs(theta), 1e-300);
        var zBefore = _jump.StateBefore;
        for (int side = 0; side < 2; side++)
        {
            double sign = side == 0 ? 1.0 : -1.0;
            _probeArguments.CopyFrom(Arguments);
            _probeArguments.Values[pk] = theta + (sign * h);
            _probeArguments.At(t + (sign * h * dTau));
            for (int i = 0; i < n; i++)
            {
                _probeState[i] = zBefore[i] + (sign * h * dz[i]);
            }

            _probe.Apply(index, _probeArguments, _probeState, triggered: true, [], 0, 0);
            var s = _probe.Saltation;
            if (side == 0)
            {
                s.AsSpan().CopyTo(_probeSaltation);
            }
            else
            {
                for (int e = 0; e < n * n; e++)
                {
                    sk[e] = (_probeSaltation[e] - s[e]) / (2 * h);
                }
            }
        }
    }
}
