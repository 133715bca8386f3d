using ReactorTwin.Core.Lna;
using ReactorTwin.Core.Models;
using ReactorTwin.Core.Numerics;

namespace ReactorTwin.Core.Inference;

/// <summary>
/// The reverse-mode gradient of the Kalman–LNA likelihood (<see cref="LnaGradientMethod.Adjoint"/>, ADR 0011). Per
/// batch the filter runs forward on mean and packed covariance only, recording the accepted integrator steps and the
/// prior (η⁻, Ψ⁻) of every update; then an adjoint ȳ = ∂ℓ/∂[η | Ψ] starts at zero after the last observation and goes
/// back: through each update (<see cref="KalmanUpdateAdjoint"/>, which also adds the observation's term) and through
/// each interval's steps (the discrete adjoint of the Runge–Kutta formulas, <see cref="OdeSolver"/>), collecting
/// ∂ℓ/∂θ from the vector–Jacobian products of the moment equations. The result is the exact derivative of the computed
/// likelihood with the accepted step sizes held fixed, at a cost independent of the number of parameters.
/// </summary>
public sealed partial class KalmanLnaLikelihood
{
    private OdeTape _tape = null!;
    private KalmanUpdateAdjoint _updateAdjoint = null!;
    private double[] _yBar = [], _thetaBar = [], _priors = [];
    private int[] _marks = [];

    private void InitializeAdjoint(ReactionNetwork model)
    {
        _tape = new OdeTape(_lna.PackedStateLength);
        _updateAdjoint = new KalmanUpdateAdjoint(_n, _lna.Packing);
        _yBar = new double[_lna.PackedStateLength];
        _thetaBar = new double[model.Parameters.Count];
    }

    private void EvaluateAdjoint(ObservationSet data, ReadOnlySpan<double> parameters, MeasurementNoise noise, LikelihoodResult result, List<FilteredState>? filtered)
    {
        int n = _n, nn = n * n;
        double ll = 0;
        int count = 0;
        Array.Clear(_thetaBar);
        var batches = data.Batches;
        for (int bi = 0; bi < batches.Count; bi++)
        {
            var batch = batches[bi];
            var times = batch.Times;
            if (_marks.Length < times.Count)
            {
                _marks = new int[times.Count];
                _priors = new double[times.Count * (n + nn)];
            }

            BeginBatch(batch.InitialState, batch.Inputs);
            _tape.Clear();
            _lna.Record(_tape);
            try
            {
                for (int j = 0; j < times.Count; j++)
                {
                    var obs = times[j];
                    ll += Absorb(obs, parameters, noise, [], batch.Id, beforeUpdate: j);
                    count += obs.Components.Length;
                    filtered?.Add(new FilteredState(batch.Id, CurrentTime, (double[])_state.Mean.Clone(), (double[])_state.Covariance.Clone()));
                }
            }
            finally
            {
                _lna.Record(null);
            }

            Array.Clear(_yBar);
            for (int j = times.Count - 1; j >= 0; j--)
            {
                var prior = _priors.AsSpan(j * (n + nn), n + nn);
                _updateAdjoint.Reverse(times[j], noise, prior[..n], prior.Slice(n, nn), _yBar);
                _lna.ReverseSteps(_tape, j == 0 ? 0 : _marks[j - 1], _marks[j], parameters, _yBar, _thetaBar);
            }
        }

        for (int k = 0; k < _q; k++)
        {
            result.Gradient[k] = _thetaBar[_gradientParameters[k]];
        }

        result.LogLikelihood = ll;
        result.MeasurementCount = count;
    }

    /// <summary>Called between prediction and update of observation j in adjoint mode: marks the tape, keeps the prior.</summary>
    private void KeepPrior(int j)
    {
        int n = _n, nn = n * n;
        _marks[j] = _tape.Count;
        var prior = _priors.AsSpan(j * (n + nn), n + nn);
        _state.Mean.AsSpan().CopyTo(prior);
        _state.Covariance.AsSpan().CopyTo(prior[n..]);
    }
}
