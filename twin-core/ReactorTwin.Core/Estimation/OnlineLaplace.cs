namespace ReactorTwin.Core.Estimation;

/// <summary>
/// A Gaussian approximation N(û, Σ) of the parameter posterior in the unconstrained coordinates u of a
/// <see cref="ParameterSpace"/>, updated after every scalar reading by one Fisher-scoring step on that reading's log
/// predictive density ℓ_k(u) = log N(y_k; h_k(u), s_k(u)) (the recursive Laplace approximation, or recursive
/// prediction-error method): with a_k = ∂h_k/∂u / √s_k and b_k = ∂s_k/∂u / (√2 s_k), the reading's expected information
/// is I_k = a_k a_kᵀ + b_k b_kᵀ, and
/// <code>
/// Λ_k = Λ_{k−1} + I_k,   û_k = û_{k−1} + Λ_k⁻¹ ∇ℓ_k(û_{k−1}),   Σ_k = Λ_k⁻¹
/// </code>
/// i.e. the quadratic model of the log posterior of all readings so far gains the new reading's term and its mode
/// moves by one Newton step (Fisher scoring: the information never makes Λ indefinite, so Σ stays positive definite).
/// Σ is updated by two Sherman–Morrison rank-one downdates, O(q²) per reading, with no allocation. A step longer than
/// <see cref="MaxStepMahalanobis"/> in the metric of Λ_k is shortened to it (a reading far in the tail of a wide prior
/// moves the estimate a bounded distance; the next readings continue), and the estimate stays within the space's
/// bounds. For a model linear in u with a known variance this is the exact Bayesian (Kalman) update (tested).
/// Not thread-safe.
/// </summary>
public sealed class OnlineLaplace
{
    private readonly ParameterSpace _space;
    private readonly double[] _mean;
    private readonly double[] _covariance;
    private readonly double[] _sa;
    private readonly double[] _step;
    private readonly double[] _previousMean;
    private readonly double[] _anchorMean;
    private readonly double[] _anchorCovariance;

    /// <summary>Creates the posterior at the prior implied by <paramref name="priors"/> (see <see cref="ResetToPrior"/>).</summary>
    /// <param name="space">The estimated parameters.</param>
    /// <param name="priors">One prior per estimated parameter, or null for the default (sd 2 in u around the base values).</param>
    public OnlineLaplace(ParameterSpace space, IReadOnlyList<ParameterPrior>? priors)
    {
        ArgumentNullException.ThrowIfNull(space);
        _space = space;
        int q = space.Dimension;
        _mean = new double[q];
        _covariance = new double[q * q];
        _sa = new double[q];
        _step = new double[q];
        _previousMean = new double[q];
        _anchorMean = new double[q];
        _anchorCovariance = new double[q * q];
        Priors = priors;
        ResetToPrior();
    }

    /// <summary>The priors the posterior starts from (null: sd 2 in u around the base values).</summary>
    public IReadOnlyList<ParameterPrior>? Priors { get; }

    /// <summary>The longest step one reading may make, in standard deviations of the updated posterior (default 3).</summary>
    public double MaxStepMahalanobis { get; init; } = 3.0;

    /// <summary>û (unconstrained coordinates). Do not modify.</summary>
    public ReadOnlySpan<double> Mean => _mean;

    /// <summary>Σ, row-major q × q. Do not modify.</summary>
    public ReadOnlySpan<double> Covariance => _covariance;

    /// <summary>The step of the last <see cref="Absorb"/> (û after minus before, after the bounds). Do not modify.</summary>
    public ReadOnlySpan<double> LastStep => _step;

    /// <summary>Readings absorbed since the last reset.</summary>
    public int Readings { get; private set; }

    /// <summary>
    /// Starts again from the prior: each estimated parameter independent, a log-normal (or normal on linear scale)
    /// prior as N(centre, sd²) in u, a normal prior on log scale by its delta-method image N(log mean, (sd/mean)²), a
    /// uniform prior (or none) centred at the base value with the sd of a uniform on the bounds when they are finite
    /// and 2 otherwise.
    /// </summary>
    public void ResetToPrior()
    {
        int q = _space.Dimension;
        var baseU = _space.BaseUnconstrained();
        Array.Clear(_covariance);
        for (int j = 0; j < q; j++)
        {
            var (centre, sd) = PriorMoments(Priors?[j], _space.IsLogScale(j), _space.Lower[j], _space.Upper[j], baseU[j]);
            _mean[j] = Math.Clamp(centre, _space.Lower[j], _space.Upper[j]);
            _covariance[(j * q) + j] = sd * sd;
        }

        Array.Clear(_step);
        Readings = 0;
        SaveAnchor();
    }

    /// <summary>Re-anchors the posterior at a refit's estimate and covariance (row-major q × q, symmetric positive definite).</summary>
    /// <exception cref="ArgumentException">Wrong lengths, a value not finite, or a covariance with a non-positive diagonal.</exception>
    public void Reset(ReadOnlySpan<double> mean, ReadOnlySpan<double> covariance)
    {
        int q = _space.Dimension;
        if (mean.Length != q || covariance.Length != q * q)
        {
            throw new ArgumentException($"the posterior needs {q} means and a {q} × {q} covariance");
        }

        for (int j = 0; j < q; j++)
        {
            if (!double.IsFinite(mean[j]) || !(covariance[(j * q) + j] > 0) || !double.IsFinite(covariance[(j * q) + j]))
            {
                throw new ArgumentException($"parameter {j}: mean {mean[j]} or variance {covariance[(j * q) + j]} is not usable");
            }
        }

        mean.CopyTo(_mean);
        covariance.CopyTo(_covariance);
        Symmetrize();
        Array.Clear(_step);
        Readings = 0;
        SaveAnchor();
    }

    /// <summary>Returns to the posterior of the last <see cref="Reset"/> or <see cref="ResetToPrior"/> (the anchor),
    /// forgetting the readings absorbed since. No allocation.</summary>
    public void ResetToAnchor()
    {
        _anchorMean.CopyTo(_mean, 0);
        _anchorCovariance.CopyTo(_covariance, 0);
        _anchorMean.CopyTo(_previousMean, 0);
        Array.Clear(_step);
        Readings = 0;
    }

    /// <summary>
    /// Shortens the last <see cref="Absorb"/>'s step to <paramref name="keep"/> of its length (û = û_before + keep·step;
    /// 0 returns to the mean before it, exactly), keeping the information it added to Λ. For a caller that finds the
    /// full step's parameters unusable (the model cannot be solved there).
    /// </summary>
    /// <param name="keep">Fraction of the step to keep, in [0, 1].</param>
    public void ShortenLastStep(double keep)
    {
        if (!(keep >= 0 && keep <= 1))
        {
            throw new ArgumentOutOfRangeException(nameof(keep), keep, "the fraction of the step to keep must be in [0, 1]");
        }

        for (int i = 0; i < _mean.Length; i++)
        {
            _step[i] *= keep;
            _mean[i] = keep == 0 ? _previousMean[i] : _previousMean[i] + _step[i];
        }
    }

    private void SaveAnchor()
    {
        _mean.CopyTo(_previousMean, 0);
        _mean.CopyTo(_anchorMean, 0);
        _covariance.CopyTo(_anchorCovariance, 0);
    }

    /// <summary>
    /// Absorbs one scalar reading: its log predictive density's gradient ∇ℓ (in u), the gradient of its predictive mean
    /// ∂h/∂u and of its predictive variance ∂s/∂u, and the predictive variance s &gt; 0. Updates Σ and û (see the class
    /// summary) and returns the step's length in the metric of the updated Λ (before shortening).
    /// </summary>
    /// <exception cref="ArgumentException">s is not positive and finite, or an input is not finite (nothing changes).</exception>
    public double Absorb(ReadOnlySpan<double> gradient, ReadOnlySpan<double> meanGradient, ReadOnlySpan<double> varianceGradient, double variance)
    {
        int q = _space.Dimension;
        if (!(variance > 0) || !double.IsFinite(variance) || !AllFinite(gradient, q) || !AllFinite(meanGradient, q) || !AllFinite(varianceGradient, q))
        {
            throw new ArgumentException($"a reading's predictive variance ({variance}) and gradients must be finite, the variance > 0");
        }

        double sqrtS = Math.Sqrt(variance);
        RankOneDowndate(meanGradient, 1.0 / sqrtS);
        RankOneDowndate(varianceGradient, 1.0 / (Math.Sqrt(2.0) * variance));

        // δ = Σ ∇ℓ; its squared length in the metric Λ is ∇ℓᵀ Σ ∇ℓ = δᵀ ∇ℓ.
        double norm2 = 0;
        for (int i = 0; i < q; i++)
        {
            double s = 0;
            for (int j = 0; j < q; j++)
            {
                s += _covariance[(i * q) + j] * gradient[j];
            }

            _step[i] = s;
            norm2 += s * gradient[i];
        }

        double norm = Math.Sqrt(Math.Max(norm2, 0));
        double scale = norm > MaxStepMahalanobis ? MaxStepMahalanobis / norm : 1.0;
        _mean.CopyTo(_previousMean, 0);
        for (int i = 0; i < q; i++)
        {
            double next = Math.Clamp(_mean[i] + (scale * _step[i]), _space.Lower[i], _space.Upper[i]);
            _step[i] = next - _mean[i];
            _mean[i] = next;
        }

        Readings++;
        return norm;
    }

    /// <summary>Σ ← Σ − (Σv)(Σv)ᵀ / (1/c² + vᵀΣv) for the information term c² v vᵀ (Sherman–Morrison).</summary>
    private void RankOneDowndate(ReadOnlySpan<double> v, double c)
    {
        int q = _space.Dimension;
        double quad = 0;
        for (int i = 0; i < q; i++)
        {
            double s = 0;
            for (int j = 0; j < q; j++)
            {
                s += _covariance[(i * q) + j] * v[j];
            }

            _sa[i] = s * c;
            quad += _sa[i] * v[i] * c;
        }

        if (!(quad > 0))
        {
            return; // no information in this direction
        }

        double inv = 1.0 / (1.0 + quad);
        for (int i = 0; i < q; i++)
        {
            for (int j = 0; j < q; j++)
            {
                _covariance[(i * q) + j] -= _sa[i] * _sa[j] * inv;
            }
        }

        Symmetrize();
    }

    private void Symmetrize()
    {
        int q = _space.Dimension;
        for (int i = 0; i < q; i++)
        {
            for (int j = 0; j < i; j++)
            {
                double a = 0.5 * (_covariance[(i * q) + j] + _covariance[(j * q) + i]);
                _covariance[(i * q) + j] = a;
                _covariance[(j * q) + i] = a;
            }
        }
    }

    private static bool AllFinite(ReadOnlySpan<double> v, int q)
    {
        if (v.Length < q)
        {
            return false;
        }

        for (int i = 0; i < q; i++)
        {
            if (!double.IsFinite(v[i]))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>The centre and sd in u of one parameter's prior (see <see cref="ResetToPrior"/>).</summary>
    internal static (double Centre, double Sd) PriorMoments(ParameterPrior? prior, bool logScale, double lower, double upper, double baseValue) => prior switch
    {
        LogNormalPrior ln => (logScale ? Math.Log(ln.Median) : ln.Median, ln.SdLog),
        NormalPrior n when logScale && n.Mean > 0 => (Math.Log(n.Mean), n.Sd / n.Mean),
        NormalPrior n when !logScale => (n.Mean, n.Sd),
        _ => (baseValue, double.IsFinite(upper - lower) ? (upper - lower) / Math.Sqrt(12.0) : 2.0),
    };
}
