using ReactorTwin.Core.Lna;

namespace ReactorTwin.Core.Estimation;

/// <summary>
/// The forecast of the running batch on a grid of horizons in one pass: each trajectory (the estimate's, and each
/// cubature point's of the online posterior) is integrated once from the filter's time through the horizons in order,
/// instead of once from the filter's time to every horizon (which costs O(grid²) integration). The moments at each
/// horizon are those of <see cref="Predict"/> and <see cref="PredictWithParameterUncertainty"/> at that horizon, to
/// the integrator's tolerance (the integration is only split at the horizons).
/// </summary>
public sealed partial class StreamingPosterior
{
    private LnaSolver? _gridSolver;
    private LnaState? _gridScratch;
    private readonly List<LnaState> _gridStates = [], _gridPredictive = [];
    private readonly List<double[]> _gridPointMeans = [], _gridPointCovariances = [];

    /// <summary>
    /// Predicts the running batch's latent state at each of <paramref name="horizons"/> (culture hours, ascending; a
    /// horizon before the filter's time is taken as the filter's time): under the current estimate into
    /// <paramref name="states"/>, and with the parameters' uncertainty (when known) into <paramref name="predictive"/>
    /// and the components of <paramref name="mixtures"/> (online posterior only; otherwise they are left empty).
    /// The states are the posterior's own buffers, valid until the next call.
    /// </summary>
    /// <returns>True when <paramref name="predictive"/> carries the parameters' uncertainty; otherwise it holds the
    /// same moments as <paramref name="states"/>.</returns>
    /// <exception cref="LnaException">The LNA failed on the way.</exception>
    public bool PredictGrid(IReadOnlyList<double> horizons, out IReadOnlyList<LnaState> states, out IReadOnlyList<LnaState> predictive, IReadOnlyList<PredictiveMixture>? mixtures = null)
    {
        ArgumentNullException.ThrowIfNull(horizons);
        EnsureFilterStarted();
        _gridSolver ??= new LnaSolver(_space.Model, []);
        _gridScratch ??= _gridSolver.CreateState();
        while (_gridStates.Count < horizons.Count)
        {
            _gridStates.Add(_gridSolver.CreateState());
            _gridPredictive.Add(_gridSolver.CreateState());
        }

        var current = _filter.Current;
        current.Mean.AsSpan().CopyTo(_gridScratch.Mean);
        current.Covariance.AsSpan().CopyTo(_gridScratch.Covariance);
        Chain(_gridSolver, _gridScratch, _theta, horizons, _gridStates, null, null);
        states = _gridStates;
        predictive = _gridPredictive;
        for (int h = 0; h < horizons.Count; h++)
        {
            mixtures?[h].Clear();
        }

        bool withParameters = _online is not null ? PredictOnlineGrid(horizons, mixtures) : PredictEnsembleGrid(horizons);
        if (!withParameters)
        {
            for (int h = 0; h < horizons.Count; h++)
            {
                _gridPredictive[h].CopyFrom(_gridStates[h]);
            }
        }

        return withParameters;
    }

    /// <summary>Integrates <paramref name="start"/> (at the filter's time) through the horizons under θ, writing each
    /// horizon's moments into <paramref name="into"/> (or into the point buffers when <paramref name="means"/> is given).</summary>
    private void Chain(LnaSolver solver, LnaState start, ReadOnlySpan<double> theta, IReadOnlyList<double> horizons, List<LnaState>? into, List<double[]>? means, List<double[]>? covariances, int point = 0)
    {
        int n = _space.Model.StateDimension;
        double t = _filter.CurrentTime;
        bool advanced = false; // the solver's step history is this trajectory's once it has taken a step
        for (int h = 0; h < horizons.Count; h++)
        {
            double next = Math.Max(horizons[h], t);
            if (next > t)
            {
                solver.Propagate(start, theta, t, next, resume: advanced, inputs: _filter.Inputs);
                advanced = true;
            }

            t = next;
            if (into is not null)
            {
                into[h].CopyFrom(start);
            }
            else
            {
                start.Mean.AsSpan().CopyTo(means![h].AsSpan(point * n, n));
                start.Covariance.AsSpan().CopyTo(covariances![h].AsSpan(point * n * n, n * n));
            }
        }
    }

    /// <summary>The non-online ensemble's prediction at each horizon (one call per horizon: its points keep their own
    /// filters); false when the ensemble is not active.</summary>
    private bool PredictEnsembleGrid(IReadOnlyList<double> horizons)
    {
        if (_ensemble is null || !_ensemble.IsActive)
        {
            return false;
        }

        for (int h = 0; h < horizons.Count; h++)
        {
            if (!_ensemble.Predict(horizons[h], _gridPredictive[h]))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>The online posterior's cubature (<see cref="PredictOnline"/>) on the grid: each point integrated once
    /// through the horizons (moved halfway towards û on failure, up to three times, as there), then each horizon's
    /// mixture moments.</summary>
    private bool PredictOnlineGrid(IReadOnlyList<double> horizons, IReadOnlyList<PredictiveMixture>? mixtures)
    {
        EnsureCubature();
        int n = _space.Model.StateDimension, q = _space.Dimension, points = 2 * q;
        _online!.Covariance.CopyTo(_cholesky);
        if (!Numerics.SmallDense.TryCholesky(_cholesky, q))
        {
            for (int h = 0; h < horizons.Count; h++)
            {
                _gridPredictive[h].CopyFrom(_gridStates[h]); // Σ numerically singular: no parameter spread to add
            }

            return true;
        }

        while (_gridPointMeans.Count < horizons.Count)
        {
            _gridPointMeans.Add(new double[points * n]);
            _gridPointCovariances.Add(new double[points * n * n]);
        }

        var current = _filter.Current;
        double radius = Math.Sqrt(q);
        for (int p = 0; p < points; p++)
        {
            int column = p % q;
            double sign = p < q ? radius : -radius;
            for (int attempt = 0; ; attempt++)
            {
                PlacePoint(column, sign * Math.Pow(0.5, attempt), current, n, q);
                try
                {
                    Chain(_pointSolver!, _pointState, _pointTheta, horizons, null, _gridPointMeans, _gridPointCovariances, p);
                    break;
                }
                catch (LnaException) when (attempt < 3)
                {
                }
            }
        }

        double w = 1.0 / points;
        for (int h = 0; h < horizons.Count; h++)
        {
            var means = _gridPointMeans[h];
            var covariances = _gridPointCovariances[h];
            var destination = _gridPredictive[h];
            for (int p = 0; p < points && mixtures is not null; p++)
            {
                mixtures[h].Set(p, means.AsSpan(p * n, n), covariances.AsSpan(p * n * n, n * n));
            }

            for (int i = 0; i < n; i++)
            {
                double m = 0;
                for (int p = 0; p < points; p++)
                {
                    m += means[(p * n) + i];
                }

                destination.Mean[i] = m * w;
            }

            for (int i = 0; i < n; i++)
            {
                for (int j = 0; j < n; j++)
                {
                    double second = 0, spread = 0;
                    for (int p = 0; p < points; p++)
                    {
                        second += covariances[(p * n * n) + (i * n) + j];
                        spread += (means[(p * n) + i] - destination.Mean[i]) * (means[(p * n) + j] - destination.Mean[j]);
                    }

                    destination.Covariance[(i * n) + j] = (second + spread) * w;
                }

                destination.Covariance[(i * n) + i] = Math.Max(destination.Covariance[(i * n) + i], 0.0);
            }

            Numerics.SmallDense.Symmetrize(destination.Covariance, n);
        }

        return true;
    }
}
