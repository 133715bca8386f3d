using MathNet.Numerics.Distributions;
using MathNet.Numerics.LinearAlgebra;

namespace ReactorTwin.Core.Design;

/// <summary>
/// Gaussian-process regression with a Matérn ν = 3/2 kernel (seed 001 section 6.2):
/// k(x, x') = σ² (1 + √3 r/ℓ) exp(−√3 r/ℓ), r = ‖x − x'‖, with a constant mean equal to the sample mean of y, σ² the
/// sample variance of y (at least 1e−12) and a nugget of 1e−8 σ² for numerical stability. Fitted by Cholesky
/// factorisation (MathNet); O(n³) per fit, O(n) per prediction after the fit.
/// </summary>
public sealed class GaussianProcess
{
    private readonly List<double[]> _x = [];
    private readonly List<double> _y = [];
    private Vector<double>? _alpha;
    private MathNet.Numerics.LinearAlgebra.Factorization.Cholesky<double>? _chol;
    private double _mean, _variance;

    /// <summary>Creates a GP with length scale ℓ (design units, &gt; 0).</summary>
    public GaussianProcess(double lengthScale)
    {
        if (!(lengthScale > 0) || !double.IsFinite(lengthScale))
        {
            throw new ArgumentOutOfRangeException(nameof(lengthScale), lengthScale, "the length scale must be finite and > 0");
        }

        LengthScale = lengthScale;
    }

    /// <summary>ℓ.</summary>
    public double LengthScale { get; }

    /// <summary>Number of observations.</summary>
    public int Count => _y.Count;

    /// <summary>Smallest observed y.</summary>
    public double BestObserved => _y.Count == 0 ? double.NaN : _y.Min();

    /// <summary>Adds an observation (x, y); y must be finite. The fit is redone on the next prediction.</summary>
    public void Add(ReadOnlySpan<double> x, double y)
    {
        if (!double.IsFinite(y))
        {
            throw new ArgumentOutOfRangeException(nameof(y), y, "GP observations must be finite");
        }

        _x.Add(x.ToArray());
        _y.Add(y);
        _alpha = null;
    }

    /// <summary>The Matérn 3/2 correlation (σ² = 1) of two points.</summary>
    public double Correlation(ReadOnlySpan<double> a, ReadOnlySpan<double> b)
    {
        double r2 = 0;
        for (int j = 0; j < a.Length; j++)
        {
            double d = a[j] - b[j];
            r2 += d * d;
        }

        double s = Math.Sqrt(3.0 * r2) / LengthScale;
        return (1 + s) * Math.Exp(-s);
    }

    /// <summary>Posterior mean and variance of f(x).</summary>
    public (double Mean, double Variance) Predict(ReadOnlySpan<double> x)
    {
        if (_y.Count == 0)
        {
            throw new InvalidOperationException("the GP has no observations");
        }

        Fit();
        int n = _y.Count;
        var k = Vector<double>.Build.Dense(n);
        for (int i = 0; i < n; i++)
        {
            k[i] = _variance * Correlation(x, _x[i]);
        }

        double mean = _mean + k.DotProduct(_alpha!);
        var v = _chol!.Solve(k);
        double variance = Math.Max(_variance - k.DotProduct(v), 0.0);
        return (mean, variance);
    }

    private void Fit()
    {
        if (_alpha is not null)
        {
            return;
        }

        int n = _y.Count;
        _mean = _y.Average();
        _variance = Math.Max(_y.Sum(v => (v - _mean) * (v - _mean)) / Math.Max(n - 1, 1), 1e-12);
        var kmat = Matrix<double>.Build.Dense(n, n);
        for (int i = 0; i < n; i++)
        {
            for (int j = 0; j <= i; j++)
            {
                double c = _variance * Correlation(_x[i], _x[j]);
                kmat[i, j] = c;
                kmat[j, i] = c;
            }

            kmat[i, i] += 1e-8 * _variance;
        }

        _chol = kmat.Cholesky();
        var centred = Vector<double>.Build.Dense(n, i => _y[i] - _mean);
        _alpha = _chol.Solve(centred);
    }

    /// <summary>
    /// Expected improvement for minimisation at x: EI = (y* − μ) Φ(z) + s φ(z), z = (y* − μ)/s, with y* the best
    /// observation and s the posterior standard deviation (EI = max(y* − μ, 0) when s = 0).
    /// </summary>
    public double ExpectedImprovement(ReadOnlySpan<double> x)
    {
        var (mu, variance) = Predict(x);
        double best = BestObserved;
        double s = Math.Sqrt(variance);
        if (s <= 1e-300)
        {
            return Math.Max(best - mu, 0.0);
        }

        double z = (best - mu) / s;
        return ((best - mu) * Normal.CDF(0, 1, z)) + (s * Normal.PDF(0, 1, z));
    }
}

/// <summary>Settings of <see cref="GaussianProcessDesignPolicy"/>.</summary>
public sealed record GaussianProcessDesignOptions
{
    /// <summary>Number of initial uniformly random designs before the GP drives the choice (seed: 20).</summary>
    public int InitialPoints { get; init; } = 20;

    /// <summary>Matérn length scale ℓ in design units (seed: 1).</summary>
    public double LengthScale { get; init; } = 1.0;

    /// <summary>Candidates for the EI maximisation: a grid of this many points per axis when d = 1, else this many
    /// uniformly random points (plus the best observed design).</summary>
    public int Candidates { get; init; } = 401;
}

/// <summary>
/// Bayesian optimisation baseline of seed 001 section 6.2: a Gaussian process over the design ω models the outcome of
/// each experiment (the log of the twin's surrogate prediction MSE J after absorbing the batch; logarithm because J
/// spans orders of magnitude), refitted after every experiment; the next design maximises expected improvement over a
/// candidate set, after <see cref="GaussianProcessDesignOptions.InitialPoints"/> uniformly random designs.
/// </summary>
public sealed class GaussianProcessDesignPolicy : IDesignPolicy
{
    private readonly GaussianProcessDesignOptions _options;
    private readonly GaussianProcess _gp;
    private int _proposed;

    /// <summary>Creates the policy.</summary>
    public GaussianProcessDesignPolicy(GaussianProcessDesignOptions? options = null)
    {
        _options = options ?? new GaussianProcessDesignOptions();
        if (_options.InitialPoints < 1 || _options.Candidates < 2)
        {
            throw new ArgumentOutOfRangeException(nameof(options), "need ≥ 1 initial point and ≥ 2 candidates");
        }

        _gp = new GaussianProcess(_options.LengthScale);
    }

    /// <inheritdoc/>
    public string Name => "gp-ei";

    /// <inheritdoc/>
    public bool NeedsDraws => true;

    /// <inheritdoc/>
    public bool LearnsFromOutcomes => true;

    /// <summary>The GP (for inspection).</summary>
    public GaussianProcess Process => _gp;

    /// <inheritdoc/>
    public DesignProposal Propose(DesignContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var space = context.Space;
        _proposed++;
        if (_proposed <= _options.InitialPoints || _gp.Count == 0)
        {
            return new DesignProposal(space.Sample(context.Random), null, "none (initial random design of the GP)");
        }

        double bestEi = -1;
        double[]? best = null;
        var x = new double[space.Dimension];
        if (space.Dimension == 1)
        {
            var v = space.Variables[0];
            for (int i = 0; i < _options.Candidates; i++)
            {
                x[0] = v.Lower + ((v.Upper - v.Lower) * i / (_options.Candidates - 1));
                Consider(x);
            }
        }
        else
        {
            for (int i = 0; i < _options.Candidates; i++)
            {
                Consider(space.Sample(context.Random));
            }
        }

        return new DesignProposal(best!, bestEi, "expected improvement of log J (GP, Matérn 3/2)");

        void Consider(double[] candidate)
        {
            double ei = _gp.ExpectedImprovement(candidate);
            if (ei > bestEi)
            {
                bestEi = ei;
                best = (double[])candidate.Clone();
            }
        }
    }

    /// <inheritdoc/>
    public void Observe(ReadOnlySpan<double> design, double outcome)
    {
        if (outcome > 0 && double.IsFinite(outcome))
        {
            _gp.Add(design, Math.Log(outcome));
        }
    }
}
