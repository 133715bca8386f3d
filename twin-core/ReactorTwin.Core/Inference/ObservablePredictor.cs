using ReactorTwin.Core.Lna;
using ReactorTwin.Core.Models;

namespace ReactorTwin.Core.Inference;

/// <summary>
/// The predictive moments of the model's observables from a Gaussian state z ~ N(η, Ψ), by the linearised measurement
/// model the Kalman–LNA update uses: μ_o = h_o(η; θ, t, u) and Var_o = ∇_z h_o Ψ ∇_z h_oᵀ (exact for an observable
/// linear in the state, such as OD600 = X/0.37). The measurement error is not included. Allocation-free after
/// construction; not thread-safe.
/// </summary>
public sealed class ObservablePredictor
{
    private readonly CompiledObservables _obs;
    private readonly ModelArguments _args;
    private readonly int _n;
    private readonly double[] _h, _hz;

    /// <summary>Creates the predictor for a model's observables.</summary>
    public ObservablePredictor(ReactionNetwork model)
    {
        ArgumentNullException.ThrowIfNull(model);
        _obs = model.CompiledObservables;
        _n = model.StateDimension;
        _args = new ModelArguments(model);
        _h = new double[_obs.Count];
        _hz = new double[_obs.Count * _n];
    }

    /// <summary>Number of observables.</summary>
    public int Count => _obs.Count;

    /// <summary>Writes h_o(z; θ, t, u) of every observable o at a known state (what an instrument reads, before its
    /// measurement error).</summary>
    /// <param name="theta">θ (natural scale, all model parameters).</param>
    /// <param name="timeHours">Culture time t (h).</param>
    /// <param name="inputs">The inputs' schedule, or null for the model's values.</param>
    /// <param name="state">The state z (length n).</param>
    /// <param name="values">Receives h (length ≥ <see cref="Count"/>).</param>
    public void Values(ReadOnlySpan<double> theta, double timeHours, InputSchedule? inputs, double[] state, Span<double> values)
    {
        EvaluateAt(theta, timeHours, inputs, state);
        _h.AsSpan().CopyTo(values);
    }

    /// <summary>Sets θ, t and u(t) and evaluates h at <paramref name="state"/> into _h.</summary>
    private void EvaluateAt(ReadOnlySpan<double> theta, double timeHours, InputSchedule? inputs, double[] state)
    {
        _args.SetParameters(theta);
        _args.SetSegment(inputs, timeHours, timeHours);
        _args.At(timeHours);
        _obs.Values(state, _args.Values, _h);
    }

    /// <summary>Writes μ_o and Var_o of every observable o (in the model's order).</summary>
    /// <param name="theta">θ (natural scale, all model parameters).</param>
    /// <param name="timeHours">Culture time t (h) the state is at (observables may read t).</param>
    /// <param name="inputs">The inputs' schedule, or null for the model's values.</param>
    /// <param name="state">The state's mean η and covariance Ψ (n × n, row-major).</param>
    /// <param name="means">Receives μ (length ≥ <see cref="Count"/>).</param>
    /// <param name="variances">Receives Var (length ≥ <see cref="Count"/>); ≥ 0 when Ψ is positive semidefinite.</param>
    public void Predict(ReadOnlySpan<double> theta, double timeHours, InputSchedule? inputs, LnaState state, Span<double> means, Span<double> variances)
    {
        ArgumentNullException.ThrowIfNull(state);
        int n = _n;
        EvaluateAt(theta, timeHours, inputs, state.Mean);
        _obs.StateJacobian(state.Mean, _args.Values, _hz);
        var psi = state.Covariance;
        for (int o = 0; o < _obs.Count; o++)
        {
            means[o] = _h[o];
            double v = 0;
            for (int i = 0; i < n; i++)
            {
                double gi = _hz[(o * n) + i];
                if (gi == 0)
                {
                    continue;
                }

                double s = 0;
                for (int j = 0; j < n; j++)
                {
                    s += psi[(i * n) + j] * _hz[(o * n) + j];
                }

                v += gi * s;
            }

            variances[o] = v;
        }
    }
}
