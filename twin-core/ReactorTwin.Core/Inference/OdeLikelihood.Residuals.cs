using ReactorTwin.Core.Lna;

namespace ReactorTwin.Core.Inference;

/// <summary>
/// The ODE likelihood as a sum of squares. With measurement variances that do not depend on θ (absolute and relative
/// SDs, the relative ones evaluated at the measurement, see <see cref="MeasurementNoise"/>) it is
/// <code>
/// ℓ(θ) = c − ½ Σ_i r_i(θ)²,   r_i = (ỹ_i − μ_i(θ)) / √R_i,   ∂r_i/∂θ_k = −μ_k,i / √R_i,
/// c = Σ_i −½ log 2πR_i + Σ_log-normal −log y_i
/// </code>
/// with μ_i the predicted state η_c(t) or observable (on the log scale for a log-normal observable, ỹ = log y), and
/// μ_k its forward sensitivity (the same integration as <see cref="Evaluate"/>). A channel whose SD is a formula of
/// the state or the parameters makes R depend on θ and is refused (<see cref="CheckResidualForm"/>).
/// </summary>
public sealed partial class OdeLikelihood
{
    /// <summary>Number of scalar measurements in <paramref name="data"/>: the length of the residual vector.</summary>
    public static int ResidualCount(ObservationSet data)
    {
        ArgumentNullException.ThrowIfNull(data);
        return ResidualCountFast(data);
    }

    /// <summary>
    /// Throws when the likelihood of <paramref name="data"/> under <paramref name="noise"/> is not a sum of squares
    /// with θ-free weights: a measured channel whose SD is a formula.
    /// </summary>
    /// <exception cref="ArgumentException">A measured channel has an SD formula; the message names it.</exception>
    public void CheckResidualForm(ObservationSet data, MeasurementNoise noise)
    {
        ArgumentNullException.ThrowIfNull(data);
        ArgumentNullException.ThrowIfNull(noise);
        foreach (var measured in data.MeasuredChannels)
        {
            if (noise.HasFormula(measured.Channel))
            {
                throw new ArgumentException(
                    $"the measurement SD of {Model.ChannelNames[measured.Channel]} is a formula of the state or parameters, so the likelihood is not a sum of squares with fixed weights; least squares needs fixed SDs (absolute or relative): use a quasi-Newton fit or give the channel's SD",
                    nameof(noise));
            }
        }
    }

    /// <summary>
    /// Evaluates the weighted residuals r (length <see cref="ResidualCount"/>, batches, times and channels in data
    /// order) and their Jacobian ∂r/∂θ_k (row-major, one row per residual, one column per gradient parameter, natural
    /// scale). Allocates nothing after the first call on the data's size.
    /// </summary>
    /// <param name="data">Observations (validated against the same model).</param>
    /// <param name="parameters">θ on the natural scale (all model parameters).</param>
    /// <param name="noise">Measurement model without SD formulas on the measured channels (<see cref="CheckResidualForm"/>).</param>
    /// <param name="residuals">Receives r.</param>
    /// <param name="jacobian">Receives ∂r/∂θ (length residuals × gradient parameters).</param>
    /// <returns>The constant c of ℓ = c − ½‖r‖².</returns>
    /// <exception cref="LnaException">The mean ODE could not be integrated, or a log-normal prediction is not positive.</exception>
    public double Residuals(ObservationSet data, ReadOnlySpan<double> parameters, MeasurementNoise noise, Span<double> residuals, Span<double> jacobian)
    {
        ArgumentNullException.ThrowIfNull(data);
        ArgumentNullException.ThrowIfNull(noise);
        if (!ReferenceEquals(data.Model.Compiled, Model.Compiled))
        {
            throw new ArgumentException($"the data were validated against model '{data.Model.Name}', not this likelihood's model '{Model.Name}'", nameof(data));
        }

        if (parameters.Length != Model.Parameters.Count)
        {
            throw new ArgumentException($"{parameters.Length} parameters given, the model has {Model.Parameters.Count}", nameof(parameters));
        }

        int q = _q, n = _n, dim = _system.Dimension;
        if (residuals.Length < ResidualCountFast(data) || jacobian.Length < residuals.Length * q)
        {
            throw new ArgumentException($"the residual buffer holds {residuals.Length} and the Jacobian {jacobian.Length}; {ResidualCountFast(data)} and {ResidualCountFast(data) * q} are needed", nameof(residuals));
        }

        _system.Arguments.SetParameters(parameters);
        _projection.SetParameters(parameters);
        double constant = 0;
        int i = 0;
        var batches = data.Batches;
        for (int bi = 0; bi < batches.Count; bi++)
        {
            var batch = batches[bi];
            int m = batch.Times.Count;
            if (m == 0)
            {
                continue;
            }

            Integrate(batch, parameters);
            for (int j = 0; j < m; j++)
            {
                var obs = batch.Times[j];
                var row = _out.AsSpan(j * dim, dim);
                if (!ObservationProjection.IsDirect(obs, n))
                {
                    constant += ObservableResiduals(obs, row, noise, batch.Inputs, residuals[i..], jacobian[(i * q)..]);
                    i += obs.Components.Length;
                    continue;
                }

                for (int a = 0; a < obs.Components.Length; a++, i++)
                {
                    int c = obs.Components[a];
                    double s = noise.Variance(c, obs.Values[a]);
                    double w = 1.0 / Math.Sqrt(s);
                    constant -= 0.5 * Math.Log(2 * Math.PI * s);
                    residuals[i] = (obs.Values[a] - row[c]) * w;
                    var jrow = jacobian.Slice(i * q, q);
                    for (int k = 0; k < q; k++)
                    {
                        jrow[k] = -row[n + (k * n) + c] * w;
                    }
                }
            }
        }

        return constant;
    }

    /// <summary>The residuals of one time that measures observables (via the projection); returns its share of c.</summary>
    private double ObservableResiduals(ObservationTime obs, ReadOnlySpan<double> row, MeasurementNoise noise, Models.InputSchedule? inputs, Span<double> residuals, Span<double> jacobian)
    {
        int n = _n, m = obs.Components.Length, q = _q;
        if (_v.Length < m)
        {
            _v = new double[m];
            _r = new double[m];
            _muk = new double[m];
            _rk = new double[m];
            _rows = new double[m * n];
        }

        row[..n].CopyTo(_eta);
        _projection.Project(obs, noise, _eta, obs.TimeHours, inputs, rowSensitivities: false, _v, _rows, _r);
        double constant = _projection.LogJacobian;
        for (int a = 0; a < m; a++)
        {
            constant -= 0.5 * Math.Log(2 * Math.PI * _r[a]);
            residuals[a] = _v[a] / Math.Sqrt(_r[a]);
        }

        for (int k = 0; k < q; k++)
        {
            _projection.Sensitivity(k, obs, noise, row.Slice(n + (k * n), n), _muk, [], _rk);
            for (int a = 0; a < m; a++)
            {
                jacobian[(a * q) + k] = -_muk[a] / Math.Sqrt(_r[a]);
            }
        }

        return constant;
    }

    /// <summary><see cref="ResidualCount"/> without the null check (no allocation: loops over the lists).</summary>
    private static int ResidualCountFast(ObservationSet data)
    {
        int count = 0;
        var batches = data.Batches;
        for (int b = 0; b < batches.Count; b++)
        {
            var times = batches[b].Times;
            for (int j = 0; j < times.Count; j++)
            {
                count += times[j].Components.Length;
            }
        }

        return count;
    }
}
