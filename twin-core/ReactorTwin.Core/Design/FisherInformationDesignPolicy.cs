using MathNet.Numerics.LinearAlgebra;
using ReactorTwin.Core.Lna;

namespace ReactorTwin.Core.Design;

/// <summary>Settings of <see cref="FisherInformationDesignPolicy"/>.</summary>
public sealed record FisherDesignOptions
{
    /// <summary>Candidates: a grid of this many points when d = 1, else this many uniformly random designs.</summary>
    public int Candidates { get; init; } = 9;

    /// <summary>Relative measurement noise ρ assumed for every species (SD = ρ|η| added to the LNA variance).</summary>
    public double RelativeNoise { get; init; } = 0.01;

    /// <summary>Absolute measurement noise SD assumed for every species (model units).</summary>
    public double AbsoluteNoise { get; init; } = 1e-4;

    /// <summary>Ridge δ added to the information's diagonal so that log det is finite before the parameters are identified.</summary>
    public double Ridge { get; init; } = 1e-6;
}

/// <summary>
/// Sequential D-optimal design from the LNA Fisher information (beyond seed 001; the LNA of eq. 12–13 with exact
/// sensitivities): for a candidate ω the information a fully observed batch carries about log θ at the current estimate
/// is approximated by the sum over sampling times of the Gaussian information of the marginal y_t ~ N(η_t, Σ_t),
/// <code>
/// I(ω)_kl = Σ_t [ ∂η_tᵀ/∂φ_k Σ_t⁻¹ ∂η_t/∂φ_l + ½ tr(Σ_t⁻¹ ∂Σ_t/∂φ_k Σ_t⁻¹ ∂Σ_t/∂φ_l) ],  φ = log θ,
/// </code>
/// with Σ_t the LNA species covariance plus measurement noise (ρη)² + σ². Correlations between sampling times are
/// ignored (a marginal approximation). The next design maximises log det(I_past + I(ω) + δI), I_past the information of
/// the designs already chosen (each evaluated at the estimate of its time). Candidates whose LNA fails are skipped.
/// </summary>
public sealed class FisherInformationDesignPolicy : IDesignPolicy, IDesignPolicyState
{
    private readonly FisherDesignOptions _options;
    private readonly LnaSolver _solver;
    private readonly LnaState _state;
    private readonly double[] _times;
    private readonly int _q, _n, _ns;
    private readonly Matrix<double> _past;
    private readonly int[] _est;
    private readonly DesignSpace _space;

    /// <summary>Creates the policy.</summary>
    /// <param name="space">The design space.</param>
    /// <param name="estimated">Indices into θ of the calibrated parameters.</param>
    /// <param name="samplingTimes">Sampling times of a batch (h, increasing, &gt; 0).</param>
    /// <param name="options">Settings; null for defaults.</param>
    public FisherInformationDesignPolicy(DesignSpace space, IReadOnlyList<int> estimated, IReadOnlyList<double> samplingTimes, FisherDesignOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(space);
        ArgumentNullException.ThrowIfNull(estimated);
        ArgumentNullException.ThrowIfNull(samplingTimes);
        _options = options ?? new FisherDesignOptions();
        if (_options.Candidates < 2)
        {
            throw new ArgumentOutOfRangeException(nameof(options), "need ≥ 2 candidates");
        }

        _est = [.. estimated];
        _space = space;
        _times = [.. samplingTimes];
        _solver = new LnaSolver(space.Model, _est, new LnaOptions { SensitivityErrorControl = false, Tolerances = new Numerics.DormandPrinceOptions { MaxSteps = 3000 } });
        _state = _solver.CreateState();
        _q = _est.Length;
        _n = space.Model.StateDimension;
        _ns = space.Model.SpeciesCount;
        _past = Matrix<double>.Build.Dense(_q, _q);
    }

    /// <inheritdoc/>
    public string Name => "d-optimal";

    /// <inheritdoc/>
    public bool NeedsDraws => false;

    /// <inheritdoc/>
    public bool LearnsFromOutcomes => false;

    /// <inheritdoc/>
    public DesignProposal Propose(DesignContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var space = context.Space;
        double best = double.NegativeInfinity;
        double[]? bestDesign = null;
        Matrix<double>? bestInfo = null;
        foreach (var candidate in Candidates(space, context.Random))
        {
            var info = Information(candidate, context.Estimate);
            if (info is null)
            {
                continue;
            }

            var total = _past + info;
            for (int k = 0; k < _q; k++)
            {
                total[k, k] += _options.Ridge;
            }

            double logDet;
            try
            {
                logDet = total.Cholesky().DeterminantLn;
            }
            catch (ArgumentException)
            {
                continue;
            }

            if (logDet > best)
            {
                best = logDet;
                bestDesign = candidate;
                bestInfo = info;
            }
        }

        if (bestDesign is null)
        {
            return new DesignProposal(space.Sample(context.Random), null, "none (the LNA failed for every candidate; random design)");
        }

        _past.Add(bestInfo!, _past);
        return new DesignProposal(bestDesign, best, "log det of the accumulated LNA Fisher information about log θ");
    }

    /// <summary>The accumulated information I_past (q × q, row-major).</summary>
    /// <returns>A copy.</returns>
    public double[] SaveState() => _past.ToRowMajorArray();

    /// <summary>Restores I_past.</summary>
    /// <exception cref="ArgumentException">The state is not q × q, or not finite.</exception>
    public void RestoreState(ReadOnlySpan<double> state)
    {
        if (state.Length != _q * _q)
        {
            throw new ArgumentException($"the d-optimal policy's state has {_q * _q} numbers ({_q} estimated parameters), not {state.Length}", nameof(state));
        }

        for (int i = 0; i < state.Length; i++)
        {
            if (!double.IsFinite(state[i]))
            {
                throw new ArgumentException($"the d-optimal policy's state has a non-finite entry at {i}", nameof(state));
            }

            _past[i / _q, i % _q] = state[i];
        }
    }

    /// <inheritdoc/>
    public void Observe(ReadOnlySpan<double> design, double outcome)
    {
    }

    /// <summary>I(ω) at θ (full vector), or null when the LNA fails.</summary>
    internal Matrix<double>? Information(double[] design, double[] theta)
    {
        int n = _n, ns = _ns, q = _q;
        var info = Matrix<double>.Build.Dense(q, q);
        var sigma = Matrix<double>.Build.Dense(ns, ns);
        var dEta = Matrix<double>.Build.Dense(ns, q);
        var dSigma = new Matrix<double>[q];
        for (int k = 0; k < q; k++)
        {
            dSigma[k] = Matrix<double>.Build.Dense(ns, ns);
        }

        _state.Reset(DesignInitialState(design));
        double t0 = 0;
        try
        {
            foreach (double t in _times)
            {
                _solver.Propagate(_state, theta, t0, t);
                t0 = t;
                for (int i = 0; i < ns; i++)
                {
                    for (int j = 0; j < ns; j++)
                    {
                        sigma[i, j] = _state.Covariance[(i * n) + j];
                    }

                    double eta = _state.Mean[i];
                    double sd = (_options.RelativeNoise * Math.Abs(eta)) + _options.AbsoluteNoise;
                    sigma[i, i] += sd * sd;
                    for (int k = 0; k < q; k++)
                    {
                        double scale = theta[_est[k]];
                        dEta[i, k] = _state.MeanSensitivity[(k * n) + i] * scale;
                        for (int j = 0; j < ns; j++)
                        {
                            dSigma[k][i, j] = _state.CovarianceSensitivity[(k * n * n) + (i * n) + j] * scale;
                        }

                        // The noise floor depends on η: ∂(ρ|η|+σ)²/∂φ_k.
                        dSigma[k][i, i] += 2 * sd * _options.RelativeNoise * Math.Sign(eta) * dEta[i, k];
                    }
                }

                var chol = sigma.Cholesky();
                var a = chol.Solve(dEta);
                info.Add(dEta.TransposeThisAndMultiply(a), info);
                var s = new Matrix<double>[q];
                for (int k = 0; k < q; k++)
                {
                    s[k] = chol.Solve(dSigma[k]);
                }

                for (int k = 0; k < q; k++)
                {
                    for (int l = 0; l <= k; l++)
                    {
                        double tr = 0.5 * (s[k] * s[l]).Trace();
                        info[k, l] += tr;
                        if (l != k)
                        {
                            info[l, k] += tr;
                        }
                    }
                }
            }
        }
        catch (LnaException)
        {
            return null;
        }
        catch (ArgumentException)
        {
            return null;
        }

        return info.Exists(v => !double.IsFinite(v)) ? null : info;
    }

    private double[] DesignInitialState(double[] design) => _space.InitialState(design);

    private IEnumerable<double[]> Candidates(DesignSpace space, Random random)
    {
        if (space.Dimension == 1)
        {
            var v = space.Variables[0];
            for (int i = 0; i < _options.Candidates; i++)
            {
                yield return [v.Lower + ((v.Upper - v.Lower) * i / (_options.Candidates - 1))];
            }
        }
        else
        {
            for (int i = 0; i < _options.Candidates; i++)
            {
                yield return space.Sample(random);
            }
        }
    }
}
