using MathNet.Numerics.LinearAlgebra;
using ReactorTwin.Core.Inference;
using ReactorTwin.Core.Lna;
using ReactorTwin.Core.Models;

namespace ReactorTwin.Core.Estimation;

/// <summary>
/// Predictions that carry the parameters' uncertainty as well as the culture's intrinsic noise. Given a Gaussian
/// posterior u ~ N(û, Σ) (a Laplace approximation), the ensemble runs one Kalman–LNA filter per point of the
/// third-degree spherical–radial cubature rule (Arasaratnam &amp; Haykin 2009): the 2q points û ± √q L e_j, L Lᵀ = Σ,
/// each of weight 1/(2q) (exact for the mean and covariance of a function that is quadratic in u), all fed the same
/// measurements. A prediction is their mixture, by the law of total variance:
/// <code>
/// m = Σ_s w_s m_s,   P = Σ_s w_s [P_s + (m_s − m)(m_s − m)ᵀ]
/// </code>
/// P_s the LNA covariance (intrinsic noise) under θ_s, the second term the spread the parameters cause. Points are
/// clamped to the bounds. A point whose filter fails (an LNA that cannot be integrated at an extreme θ) is dropped
/// and the weights of the others renormalised; with fewer than half the points left, no prediction is made. After
/// construction, filtering and predicting allocate nothing. Not thread-safe.
/// </summary>
public sealed class ParameterEnsemble
{
    private readonly ParameterSpace _space;
    private readonly MeasurementNoise _noise;
    private readonly KalmanLnaLikelihood[] _filters;
    private readonly double[][] _theta;
    private readonly bool[] _alive;
    private readonly LnaState _scratch;
    private readonly int[] _oneComponent = new int[1];
    private readonly double[] _oneValue = new double[1];
    private readonly ObservationTime _oneObservation;
    private int _points;

    /// <summary>Creates an empty ensemble (no posterior yet).</summary>
    public ParameterEnsemble(ParameterSpace space, MeasurementNoise noise)
    {
        ArgumentNullException.ThrowIfNull(space);
        ArgumentNullException.ThrowIfNull(noise);
        if (space.ExtendsModel)
        {
            throw new ArgumentException("the ensemble filters with one parameter vector, and this space has per-batch parameters", nameof(space));
        }

        _space = space;
        _noise = noise;
        int q = space.Dimension;
        _filters = new KalmanLnaLikelihood[2 * q];
        _theta = new double[2 * q][];
        _alive = new bool[2 * q];
        for (int s = 0; s < 2 * q; s++)
        {
            _filters[s] = new KalmanLnaLikelihood(space.Model, []);
            _theta[s] = new double[space.Model.Parameters.Count];
        }

        _scratch = _filters[0].CreateState();
        _oneObservation = new ObservationTime(0, _oneComponent, _oneValue);
    }

    /// <summary>True when a posterior is set and at least half the points' filters are alive.</summary>
    public bool IsActive => _points > 0 && Alive * 2 >= _points;

    /// <summary>Points whose filters are alive.</summary>
    public int Alive
    {
        get
        {
            int n = 0;
            for (int s = 0; s < _points; s++)
            {
                n += _alive[s] ? 1 : 0;
            }

            return n;
        }
    }

    /// <summary>Places the cubature points of N(<paramref name="u"/>, <paramref name="covariance"/>) (θ for the
    /// parameters the space does not estimate comes from its base point). Call <see cref="BeginBatch"/> next.</summary>
    /// <exception cref="ArgumentException">The covariance is not q × q, not finite, or not positive semidefinite.</exception>
    public void SetPosterior(ReadOnlySpan<double> u, Matrix<double> covariance)
    {
        ArgumentNullException.ThrowIfNull(covariance);
        int q = _space.Dimension;
        if (u.Length != q || covariance.RowCount != q || covariance.ColumnCount != q)
        {
            throw new ArgumentException($"the posterior must be over the space's {q} parameters");
        }

        var root = SquareRoot(covariance);
        double r = Math.Sqrt(q);
        var point = new double[q];
        for (int j = 0; j < q; j++)
        {
            for (int sign = 0; sign < 2; sign++)
            {
                int s = (2 * j) + sign;
                for (int i = 0; i < q; i++)
                {
                    double x = u[i] + ((sign == 0 ? r : -r) * root[i, j]);
                    point[i] = Math.Clamp(x, _space.Lower[i], _space.Upper[i]);
                }

                _space.ToNatural(point, _theta[s]);
                _alive[s] = true;
            }
        }

        _points = 2 * q;
    }

    /// <summary>Forgets the posterior (no predictions until the next <see cref="SetPosterior"/>).</summary>
    public void Clear() => _points = 0;

    /// <summary>Starts every point's filter of a new batch at the initial state (where an initial value is a
    /// parameter and the component is not in <paramref name="initiallyMeasured"/>, at the point's value of it).</summary>
    public void BeginBatch(ReadOnlySpan<double> initialState, int[]? initiallyMeasured = null, InputSchedule? inputs = null)
    {
        for (int s = 0; s < _points; s++)
        {
            _filters[s].BeginBatch(initialState, inputs, _theta[s], initiallyMeasured ?? []);
            _alive[s] = true;
        }
    }

    /// <summary>Every point's filter predicts with <paramref name="inputs"/> from now on (a setpoint changed).</summary>
    public void SetInputs(InputSchedule? inputs)
    {
        foreach (var filter in _filters)
        {
            filter.Inputs = inputs;
        }
    }

    /// <summary>Absorbs one measurement in every alive filter.</summary>
    public void Absorb(double timeHours, int component, double value, string batch)
    {
        _oneComponent[0] = component;
        _oneValue[0] = value;
        var obs = _oneObservation with { TimeHours = timeHours };
        for (int s = 0; s < _points; s++)
        {
            if (!_alive[s])
            {
                continue;
            }

            try
            {
                double lp = _filters[s].Absorb(obs, _theta[s], _noise, [], batch);
                _alive[s] = double.IsFinite(lp);
            }
            catch (LnaException)
            {
                _alive[s] = false;
            }
        }
    }

    /// <summary>The mixture prediction at <paramref name="timeHours"/> (mean and full covariance) into
    /// <paramref name="destination"/>.</summary>
    /// <returns>False when the ensemble is not active (then <paramref name="destination"/> is unchanged).</returns>
    public bool Predict(double timeHours, LnaState destination)
    {
        ArgumentNullException.ThrowIfNull(destination);
        if (!IsActive)
        {
            return false;
        }

        int n = _space.Model.StateDimension;
        var mean = destination.Mean;
        var cov = destination.Covariance;
        Array.Clear(mean, 0, n);
        Array.Clear(cov, 0, n * n);
        int used = 0;
        for (int pass = 0; pass < 2; pass++)
        {
            for (int s = 0; s < _points; s++)
            {
                if (!_alive[s])
                {
                    continue;
                }

                try
                {
                    _filters[s].Predict(_theta[s], timeHours, _scratch);
                }
                catch (LnaException)
                {
                    _alive[s] = false;
                    continue;
                }

                if (pass == 0)
                {
                    used++;
                    for (int i = 0; i < n; i++)
                    {
                        mean[i] += _scratch.Mean[i];
                    }
                }
                else
                {
                    for (int i = 0; i < n; i++)
                    {
                        double di = _scratch.Mean[i] - mean[i];
                        for (int k = 0; k < n; k++)
                        {
                            cov[(i * n) + k] += _scratch.Covariance[(i * n) + k] + (di * (_scratch.Mean[k] - mean[k]));
                        }
                    }
                }
            }

            if (pass == 0)
            {
                if (used * 2 < _points)
                {
                    return false;
                }

                for (int i = 0; i < n; i++)
                {
                    mean[i] /= used;
                }
            }
        }

        for (int i = 0; i < n * n; i++)
        {
            cov[i] /= used;
        }

        return true;
    }

    /// <summary>A square root L of Σ (Cholesky, or from the eigen-decomposition when Σ is only semidefinite).</summary>
    private static Matrix<double> SquareRoot(Matrix<double> covariance)
    {
        if (!covariance.Enumerate().All(double.IsFinite))
        {
            throw new ArgumentException("the covariance is not finite", nameof(covariance));
        }

        try
        {
            return covariance.Cholesky().Factor;
        }
        catch (ArgumentException)
        {
            var evd = covariance.Evd(MathNet.Numerics.LinearAlgebra.Symmetricity.Symmetric);
            var values = evd.EigenValues.Select(c => c.Real).ToArray();
            if (values.Min() < -1e-10 * Math.Max(values.Max(), 1e-300))
            {
                throw new ArgumentException("the covariance is not positive semidefinite", nameof(covariance));
            }

            return evd.EigenVectors * Matrix<double>.Build.DiagonalOfDiagonalArray([.. values.Select(v => Math.Sqrt(Math.Max(v, 0)))]);
        }
    }
}
