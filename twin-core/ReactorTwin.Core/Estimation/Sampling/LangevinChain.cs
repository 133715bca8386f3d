using ReactorTwin.Core.Numerics;

namespace ReactorTwin.Core.Estimation.Sampling;

/// <summary>
/// One preconditioned Langevin chain: the single kernel behind both MALA and ULA, its warm-up adaptation and its
/// draw storage. With a diagonal preconditioner M (variances) and step h the proposal is
/// <code>
/// u′ = u + (h/2) M g(u) + √h M^{1/2} ξ,   g = ∇log π,  ξ ~ N(0, I)
/// log q(u′ | u) = −‖u′ − u − (h/2) M g(u)‖²_{M⁻¹} / (2h) + const = −½‖ξ‖² + const
/// log α = log π(u′) − log π(u) + log q(u | u′) − log q(u′ | u)
/// </code>
/// MALA accepts with probability min(1, e^{log α}); ULA accepts every proposal but still reports α (used by the
/// step-size adaptation). Any proposal whose position, log-density or gradient is not finite is rejected in both
/// modes (α = 0), so the state never holds −∞, NaN or ∞. All buffers are allocated up front; a step allocates
/// nothing. Not thread-safe.
/// </summary>
internal sealed class LangevinChain
{
    private const int MaxJitterAttempts = 100;
    private readonly ILogDensity _density;
    private readonly GaussianSource _normal;
    private readonly Random _uniform;
    private readonly bool _adjusted;
    private readonly int _d;
    private readonly double[] _m, _sqrtM;
    private double[] _u, _g, _proposal, _proposalGradient;
    private double _logDensity;

    /// <summary>Creates the chain at <paramref name="start"/> (plus jitter, if any).</summary>
    /// <exception cref="ArgumentException">No finite start could be found.</exception>
    public LangevinChain(ILogDensity density, ReadOnlySpan<double> start, ReadOnlySpan<double> preconditioner, bool adjusted, Random random, double jitter = 0.0)
    {
        _density = density;
        _d = density.Dimension;
        _uniform = random;
        _normal = new GaussianSource(random);
        _adjusted = adjusted;
        _m = preconditioner.ToArray();
        _sqrtM = new double[_d];
        for (int i = 0; i < _d; i++)
        {
            _sqrtM[i] = Math.Sqrt(_m[i]);
        }

        _u = new double[_d];
        _g = new double[_d];
        _proposal = new double[_d];
        _proposalGradient = new double[_d];
        _logDensity = FindStart(density, start, _sqrtM, _normal, jitter, _u, _g);
    }

    /// <summary>
    /// Writes into <paramref name="u"/> the start (jitter 0) or a jittered start u₀ + jitter·√M·ξ with finite log π and
    /// gradient (up to 100 attempts), its gradient into <paramref name="g"/>, and returns log π there. Shared by the
    /// Langevin and the NUTS chains.
    /// </summary>
    /// <exception cref="ArgumentException">No finite start.</exception>
    internal static double FindStart(ILogDensity density, ReadOnlySpan<double> start, ReadOnlySpan<double> sqrtM, GaussianSource normal, double jitter, double[] u, double[] g)
    {
        double logDensity;
        if (jitter == 0.0)
        {
            start.CopyTo(u);
            logDensity = density.Evaluate(u, g);
            if (!IsAcceptable(u, logDensity, g))
            {
                throw new ArgumentException("log π or its gradient is not finite at the initial point", nameof(start));
            }

            return logDensity;
        }

        for (int attempt = 0; attempt < MaxJitterAttempts; attempt++)
        {
            for (int i = 0; i < u.Length; i++)
            {
                u[i] = start[i] + (jitter * sqrtM[i] * normal.Next());
            }

            logDensity = density.Evaluate(u, g);
            if (IsAcceptable(u, logDensity, g))
            {
                return logDensity;
            }
        }

        throw new ArgumentException($"no jittered start with a finite log π and gradient in {MaxJitterAttempts} attempts", nameof(start));
    }

    /// <summary>Current state u.</summary>
    public ReadOnlySpan<double> Position => _u;

    /// <summary>log π at the current state (always finite).</summary>
    public double LogDensity => _logDensity;

    /// <summary>Current diagonal preconditioner M.</summary>
    public ReadOnlySpan<double> Preconditioner => _m;

    /// <summary>Proposals rejected because the position, log π or its gradient was not finite.</summary>
    public long NonFiniteProposals { get; private set; }

    /// <summary>Replaces the preconditioner (variances, finite and &gt; 0).</summary>
    public void SetPreconditioner(ReadOnlySpan<double> variances)
    {
        for (int i = 0; i < _d; i++)
        {
            _m[i] = variances[i];
            _sqrtM[i] = Math.Sqrt(variances[i]);
        }
    }

    /// <summary>One Langevin proposal with step <paramref name="h"/> and its accept/reject.</summary>
    /// <param name="h">Step size &gt; 0.</param>
    /// <param name="accepted">Whether the chain moved.</param>
    /// <returns>The Metropolis–Hastings acceptance probability α ∈ [0, 1] of the proposal (0 if it was not finite).</returns>
    public double Step(double h, out bool accepted)
    {
        double halfH = 0.5 * h;
        double sqrtH = Math.Sqrt(h);
        double[] u = _u, g = _g, p = _proposal, gp = _proposalGradient, m = _m, sqrtM = _sqrtM;
        double logForward = 0.0; // log q(u′|u) up to the constant shared with the reverse move
        for (int i = 0; i < u.Length; i++)
        {
            double xi = _normal.Next();
            p[i] = u[i] + (halfH * m[i] * g[i]) + (sqrtH * sqrtM[i] * xi);
            logForward -= 0.5 * xi * xi;
        }

        double logProposal = _density.Evaluate(p, gp);
        if (!IsAcceptable(p, logProposal, gp))
        {
            NonFiniteProposals++;
            accepted = false;
            return 0.0;
        }

        double logReverse = 0.0; // log q(u|u′)
        for (int i = 0; i < u.Length; i++)
        {
            double r = u[i] - p[i] - (halfH * m[i] * gp[i]);
            logReverse -= r * r / (2.0 * h * m[i]);
        }

        double logAlpha = logProposal - _logDensity + logReverse - logForward;
        double alpha = logAlpha >= 0.0 ? 1.0 : Math.Exp(logAlpha); // a NaN log α (∞ − ∞) compares false: α = NaN
        if (double.IsNaN(alpha))
        {
            alpha = 0.0;
        }

        accepted = !_adjusted || (alpha > 0.0 && (alpha >= 1.0 || _uniform.NextDouble() < alpha));
        if (accepted)
        {
            (_u, _proposal) = (_proposal, _u);
            (_g, _proposalGradient) = (_proposalGradient, _g);
            _logDensity = logProposal;
        }

        return alpha;
    }

    /// <summary>Called after every iteration (warm-up and sampling), on the chain's thread; null for none.</summary>
    public Action? OnIteration { get; set; }

    /// <summary>Runs warm-up and sampling as <paramref name="options"/> say, storing draws and log π.</summary>
    /// <param name="options">Validated options.</param>
    /// <param name="draws">Receives Samples × d draws, row-major.</param>
    /// <param name="trace">Receives log π of each kept draw.</param>
    /// <returns>Final h, acceptance rate and mean α over the sampling phase.</returns>
    public (double StepSize, double AcceptanceRate, double MeanAcceptanceProbability) Run(LangevinOptions options, double[] draws, double[] trace)
    {
        double h = options.InitialStepSize;
        var onIteration = OnIteration;
        int warmup = options.WarmupIterations;
        var adaptation = new DualAveraging(options.TargetAcceptance);
        adaptation.Restart(h);
        var windows = new WarmupWindows(warmup, options.AdaptPreconditioner);
        double[]? mean = windows.Enabled ? new double[_d] : null;
        double[]? m2 = windows.Enabled ? new double[_d] : null;
        double[]? variance = windows.Enabled ? new double[_d] : null;
        int count = 0;
        for (int t = 0; t < warmup; t++)
        {
            double alpha = Step(h, out _);
            onIteration?.Invoke();
            if (options.AdaptStepSize)
            {
                h = adaptation.Update(alpha);
            }

            if (windows.Enabled && t >= windows.Start && t < windows.End)
            {
                count++;
                for (int i = 0; i < _d; i++)
                {
                    double delta = _u[i] - mean![i];
                    mean[i] += delta / count;
                    m2![i] += delta * (_u[i] - mean[i]);
                }

                if (windows.IsWindowEnd(t))
                {
                    double n = count;
                    for (int i = 0; i < _d; i++)
                    {
                        double s2 = m2![i] / (n - 1.0);
                        double v = ((n / (n + 5.0)) * s2) + (1e-3 * (5.0 / (n + 5.0)));
                        variance![i] = v > 0 && double.IsFinite(v) ? v : _m[i];
                    }

                    SetPreconditioner(variance);
                    Array.Clear(mean!);
                    Array.Clear(m2!);
                    count = 0;
                    if (options.AdaptStepSize)
                    {
                        adaptation.Restart(h);
                    }
                }
            }
        }

        if (options.AdaptStepSize && warmup > 0)
        {
            h = adaptation.AveragedStepSize;
        }

        int thin = options.Thinning;
        int total = options.Samples * thin;
        long accepts = 0;
        double alphaSum = 0.0;
        int kept = 0;
        for (int t = 1; t <= total; t++)
        {
            alphaSum += Step(h, out bool moved);
            onIteration?.Invoke();
            if (moved)
            {
                accepts++;
            }

            if (t % thin == 0)
            {
                _u.CopyTo(draws, kept * _d);
                trace[kept] = _logDensity;
                kept++;
            }
        }

        return (h, (double)accepts / total, alphaSum / total);
    }

    internal static bool IsAcceptable(double[] u, double logDensity, double[] gradient)
    {
        if (!double.IsFinite(logDensity))
        {
            return false;
        }

        for (int i = 0; i < u.Length; i++)
        {
            if (!double.IsFinite(u[i]) || !double.IsFinite(gradient[i]))
            {
                return false;
            }
        }

        return true;
    }
}

/// <summary>
/// Dual averaging of Hoffman &amp; Gelman (2014, Alg. 5) on log h, driven by the acceptance probability α_t:
/// <code>
/// H̄_t = (1 − 1/(t+t₀)) H̄_{t−1} + (δ − α_t)/(t+t₀),   log h_t = μ − (√t/γ) H̄_t,
/// log h̄_t = t^{−κ} log h_t + (1 − t^{−κ}) log h̄_{t−1},   μ = log(10 h₀), γ = 0.05, t₀ = 10, κ = 0.75.
/// </code>
/// </summary>
internal struct DualAveraging(double target)
{
    private const double Gamma = 0.05, T0 = 10.0, Kappa = 0.75, MaxLogStep = 700.0;
    private readonly double _target = target;
    private double _mu, _hBar, _logStep, _logStepBar;
    private int _t;

    /// <summary>h̄, the averaged iterate used after warm-up.</summary>
    public readonly double AveragedStepSize => Math.Exp(_logStepBar);

    /// <summary>Restarts the averaging around <paramref name="h"/>.</summary>
    public void Restart(double h)
    {
        _logStep = Math.Log(h);
        _logStepBar = _logStep;
        _mu = Math.Log(10.0 * h);
        _hBar = 0.0;
        _t = 0;
    }

    /// <summary>Feeds one acceptance probability and returns the next h_t.</summary>
    public double Update(double alpha)
    {
        _t++;
        double eta = 1.0 / (_t + T0);
        _hBar = ((1.0 - eta) * _hBar) + (eta * (_target - alpha));
        _logStep = Math.Clamp(_mu - (Math.Sqrt(_t) / Gamma * _hBar), -MaxLogStep, MaxLogStep);
        double w = Math.Pow(_t, -Kappa);
        _logStepBar = (w * _logStep) + ((1.0 - w) * _logStepBar);
        return Math.Exp(_logStep);
    }
}

/// <summary>Stan-like warm-up windows for the preconditioner (see <see cref="LangevinOptions.AdaptPreconditioner"/>).</summary>
internal sealed class WarmupWindows
{
    private readonly int[] _ends = [];

    public WarmupWindows(int warmup, bool adapt)
    {
        if (!adapt || warmup < 20)
        {
            return;
        }

        int init = 75, term = Math.Max(50, warmup / 5), window = 25;
        if (init + term + window > warmup)
        {
            init = (int)(0.15 * warmup);
            term = (int)(0.2 * warmup);
            window = warmup - init - term;
        }

        Start = init;
        End = warmup - term;
        var ends = new List<int>();
        int start = init;
        while (true)
        {
            int end = start + window;
            if (end + (2 * window) > End)
            {
                ends.Add(End);
                break;
            }

            ends.Add(end);
            start = end;
            window *= 2;
        }

        _ends = [.. ends];
        Enabled = true;
    }

    /// <summary>True when the preconditioner adapts.</summary>
    public bool Enabled { get; }

    /// <summary>First warm-up iteration that feeds the variance.</summary>
    public int Start { get; }

    /// <summary>One past the last warm-up iteration that feeds the variance.</summary>
    public int End { get; }

    /// <summary>True when iteration t (0-based) closes a window.</summary>
    public bool IsWindowEnd(int t) => Array.IndexOf(_ends, t + 1) >= 0;
}
