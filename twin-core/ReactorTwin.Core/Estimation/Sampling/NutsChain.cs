using ReactorTwin.Core.Numerics;

namespace ReactorTwin.Core.Estimation.Sampling;

/// <summary>
/// One chain of the No-U-Turn sampler (Hoffman &amp; Gelman 2014) in the multinomial form Stan uses (Betancourt 2017,
/// "A conceptual introduction to Hamiltonian Monte Carlo", appendix A): Hamiltonian H(u, p) = −log π(u) + ½‖p‖² with
/// an identity metric (use <see cref="AffineDensity"/> for a dense one), leapfrog steps of size ε, a trajectory doubled
/// forwards or backwards at random until the generalised no-U-turn criterion p♯·ρ ≤ 0 fails across the whole trajectory
/// or between its merged sub-trees, or the depth limit is hit; the next state is drawn from the trajectory with weights
/// e^{−H} (biased progressive sampling between sub-trees). A leapfrog whose energy error exceeds 1000 (or whose density
/// or gradient is not finite) is a divergence and ends the trajectory. Warm-up finds an initial ε by doubling/halving
/// (Stan's heuristic) and adapts it by dual averaging toward the target mean acceptance statistic. All buffers are
/// allocated up front; a transition allocates nothing. Not thread-safe.
/// </summary>
internal sealed class NutsChain
{
    private const double MaxDeltaH = 1000.0;
    private readonly ILogDensity _density;
    private readonly GaussianSource _normal;
    private readonly Random _uniform;
    private readonly int _d, _maxDepth;

    // The integrator's current point z = (q, p, g, logπ).
    private readonly double[] _q, _p, _g;
    private double _logp;

    // Trajectory ends, the sample and the top-level proposal.
    private readonly Point _fwd, _bck, _sample, _propose;
    private readonly double[] _rho, _rhoFwd, _rhoBck, _pFwdFwd, _pFwdBck, _pBckFwd, _pBckBck, _rhoExtended;

    // Per-depth scratch of BuildTree (level k uses index k).
    private readonly double[][] _pInitEnd, _rhoInit, _pFinalBeg, _rhoFinal, _rhoSubtree;
    private readonly Point[] _proposeFinal;

    private double _epsilon;
    private bool _divergent;
    private int _leapfrogs;
    private double _sumMetropolis;

    /// <summary>Creates the chain at <paramref name="start"/> (plus jitter).</summary>
    /// <exception cref="ArgumentException">No finite start.</exception>
    public NutsChain(ILogDensity density, ReadOnlySpan<double> start, Random random, double jitter, int maxDepth)
    {
        _density = density;
        _d = density.Dimension;
        _maxDepth = maxDepth;
        _uniform = random;
        _normal = new GaussianSource(random);
        _q = new double[_d];
        _p = new double[_d];
        _g = new double[_d];
        var ones = new double[_d];
        Array.Fill(ones, 1.0);
        _logp = LangevinChain.FindStart(density, start, ones, _normal, jitter, _q, _g);
        _fwd = new Point(_d);
        _bck = new Point(_d);
        _sample = new Point(_d);
        _propose = new Point(_d);
        _rho = new double[_d];
        _rhoFwd = new double[_d];
        _rhoBck = new double[_d];
        _pFwdFwd = new double[_d];
        _pFwdBck = new double[_d];
        _pBckFwd = new double[_d];
        _pBckBck = new double[_d];
        _rhoExtended = new double[_d];
        _pInitEnd = Buffers(maxDepth + 1, _d);
        _rhoInit = Buffers(maxDepth + 1, _d);
        _pFinalBeg = Buffers(maxDepth + 1, _d);
        _rhoFinal = Buffers(maxDepth + 1, _d);
        _rhoSubtree = Buffers(maxDepth + 1, _d);
        _proposeFinal = new Point[maxDepth + 1];
        for (int k = 0; k <= maxDepth; k++)
        {
            _proposeFinal[k] = new Point(_d);
        }
    }

    /// <summary>Post-warm-up transitions that ended in a divergence.</summary>
    public long Divergences { get; private set; }

    /// <summary>Leapfrog steps (gradient evaluations) so far.</summary>
    public long Leapfrogs { get; private set; }

    /// <summary>Called after every transition (warm-up and sampling), on the chain's thread; null for none.</summary>
    public Action? OnIteration { get; set; }

    /// <summary>Runs warm-up and sampling, storing draws and log π.</summary>
    /// <returns>Final ε, mean acceptance statistic over the sampling phase (twice: rate and mean, for the result type).</returns>
    public (double StepSize, double AcceptanceRate, double MeanAcceptanceProbability) Run(LangevinOptions options, double[] draws, double[] trace)
    {
        _epsilon = options.InitialStepSize;
        int warmup = options.WarmupIterations;
        if (options.AdaptStepSize && warmup > 0)
        {
            FindReasonableStepSize();
        }

        var adaptation = new DualAveraging(options.NoUTurnTargetAcceptance);
        adaptation.Restart(_epsilon);
        var onIteration = OnIteration;
        for (int t = 0; t < warmup; t++)
        {
            double accept = Transition();
            onIteration?.Invoke();
            if (options.AdaptStepSize)
            {
                _epsilon = adaptation.Update(accept);
            }
        }

        if (options.AdaptStepSize && warmup > 0)
        {
            _epsilon = adaptation.AveragedStepSize;
        }

        Divergences = 0; // as Stan reports them: after warm-up, where the step size is fixed
        int thin = options.Thinning, total = options.Samples * thin, kept = 0;
        double acceptSum = 0;
        for (int t = 1; t <= total; t++)
        {
            acceptSum += Transition();
            onIteration?.Invoke();
            if (t % thin == 0)
            {
                _q.CopyTo(draws, kept * _d);
                trace[kept] = _logp;
                kept++;
            }
        }

        return (_epsilon, acceptSum / total, acceptSum / total);
    }

    /// <summary>One NUTS transition from the current point; returns the mean Metropolis acceptance statistic.</summary>
    private double Transition()
    {
        int d = _d;
        for (int i = 0; i < d; i++)
        {
            _p[i] = _normal.Next();
        }

        double h0 = Hamiltonian();
        Save(_fwd);
        Save(_bck);
        Save(_sample);
        _p.CopyTo(_pFwdFwd, 0);
        _p.CopyTo(_pFwdBck, 0);
        _p.CopyTo(_pBckFwd, 0);
        _p.CopyTo(_pBckBck, 0);
        _p.CopyTo(_rho, 0);
        double logSumWeight = 0.0;
        _divergent = false;
        _leapfrogs = 0;
        _sumMetropolis = 0.0;
        for (int depth = 0; depth < _maxDepth; depth++)
        {
            Array.Clear(_rhoFwd);
            Array.Clear(_rhoBck);
            double logSumWeightSubtree = double.NegativeInfinity;
            bool valid;
            if (_uniform.NextDouble() > 0.5)
            {
                Load(_fwd);
                _rho.CopyTo(_rhoBck, 0);
                _pFwdBck.CopyTo(_pBckFwd, 0);
                valid = BuildTree(depth, _propose, _pFwdBck, _pFwdFwd, _rhoFwd, h0, 1.0, ref logSumWeightSubtree);
                Save(_fwd);
            }
            else
            {
                Load(_bck);
                _rho.CopyTo(_rhoFwd, 0);
                _pBckFwd.CopyTo(_pFwdBck, 0);
                valid = BuildTree(depth, _propose, _pBckFwd, _pBckBck, _rhoBck, h0, -1.0, ref logSumWeightSubtree);
                Save(_bck);
            }

            if (!valid)
            {
                break;
            }

            if (logSumWeightSubtree > logSumWeight || _uniform.NextDouble() < Math.Exp(logSumWeightSubtree - logSumWeight))
            {
                _propose.CopyTo(_sample);
            }

            logSumWeight = LogSumExp(logSumWeight, logSumWeightSubtree);
            for (int i = 0; i < d; i++)
            {
                _rho[i] = _rhoBck[i] + _rhoFwd[i];
            }

            bool persist = Criterion(_pBckBck, _pFwdFwd, _rho);
            for (int i = 0; i < d; i++)
            {
                _rhoExtended[i] = _rhoBck[i] + _pFwdBck[i];
            }

            persist &= Criterion(_pBckBck, _pFwdBck, _rhoExtended);
            for (int i = 0; i < d; i++)
            {
                _rhoExtended[i] = _rhoFwd[i] + _pBckFwd[i];
            }

            persist &= Criterion(_pBckFwd, _pFwdFwd, _rhoExtended);
            if (!persist)
            {
                break;
            }
        }

        if (_divergent)
        {
            Divergences++;
        }

        Leapfrogs += _leapfrogs;
        _sample.CopyPositionTo(_q, _g, out _logp);
        return _leapfrogs > 0 ? _sumMetropolis / _leapfrogs : 0.0;
    }

    /// <summary>Stan's build_tree: 2^depth leapfrogs in direction <paramref name="sign"/> from the current point.</summary>
    private bool BuildTree(int depth, Point propose, double[] pBeg, double[] pEnd, double[] rho, double h0, double sign, ref double logSumWeight)
    {
        int d = _d;
        if (depth == 0)
        {
            Leapfrog(sign * _epsilon);
            _leapfrogs++;
            double h = Hamiltonian();
            if (double.IsNaN(h))
            {
                h = double.PositiveInfinity;
            }

            if (h - h0 > MaxDeltaH)
            {
                _divergent = true;
            }

            logSumWeight = LogSumExp(logSumWeight, h0 - h);
            _sumMetropolis += h0 - h > 0 ? 1.0 : Math.Exp(h0 - h);
            propose.SetPosition(_q, _g, _logp);
            for (int i = 0; i < d; i++)
            {
                rho[i] += _p[i];
            }

            _p.CopyTo(pBeg, 0);
            _p.CopyTo(pEnd, 0);
            return !_divergent;
        }

        double[] pInitEnd = _pInitEnd[depth], rhoInit = _rhoInit[depth], pFinalBeg = _pFinalBeg[depth], rhoFinal = _rhoFinal[depth], rhoSubtree = _rhoSubtree[depth];
        Array.Clear(rhoInit);
        double logSumWeightInit = double.NegativeInfinity;
        if (!BuildTree(depth - 1, propose, pBeg, pInitEnd, rhoInit, h0, sign, ref logSumWeightInit))
        {
            return false;
        }

        var proposeFinal = _proposeFinal[depth];
        proposeFinal.SetPosition(_q, _g, _logp);
        Array.Clear(rhoFinal);
        double logSumWeightFinal = double.NegativeInfinity;
        if (!BuildTree(depth - 1, proposeFinal, pFinalBeg, pEnd, rhoFinal, h0, sign, ref logSumWeightFinal))
        {
            return false;
        }

        double logSumWeightSubtree = LogSumExp(logSumWeightInit, logSumWeightFinal);
        logSumWeight = LogSumExp(logSumWeight, logSumWeightSubtree);
        if (logSumWeightFinal > logSumWeightSubtree || _uniform.NextDouble() < Math.Exp(logSumWeightFinal - logSumWeightSubtree))
        {
            proposeFinal.CopyTo(propose);
        }

        for (int i = 0; i < d; i++)
        {
            rhoSubtree[i] = rhoInit[i] + rhoFinal[i];
            rho[i] += rhoSubtree[i];
        }

        bool persist = Criterion(pBeg, pEnd, rhoSubtree);
        for (int i = 0; i < d; i++)
        {
            _rhoExtended[i] = rhoInit[i] + pFinalBeg[i];
        }

        persist &= Criterion(pBeg, pFinalBeg, _rhoExtended);
        for (int i = 0; i < d; i++)
        {
            _rhoExtended[i] = rhoFinal[i] + pInitEnd[i];
        }

        persist &= Criterion(pInitEnd, pEnd, _rhoExtended);
        return persist;
    }

    /// <summary>One leapfrog step of size <paramref name="e"/> (negative: backwards) on the current point.</summary>
    private void Leapfrog(double e)
    {
        int d = _d;
        double half = 0.5 * e;
        for (int i = 0; i < d; i++)
        {
            _p[i] += half * _g[i];
            _q[i] += e * _p[i];
        }

        _logp = _density.Evaluate(_q, _g);
        if (!LangevinChain.IsAcceptable(_q, _logp, _g))
        {
            _logp = double.NegativeInfinity; // H = ∞: a divergence; the point is never selected (weight 0)
            Array.Clear(_g);
            return;
        }

        for (int i = 0; i < d; i++)
        {
            _p[i] += half * _g[i];
        }
    }

    private double Hamiltonian()
    {
        double k = 0;
        for (int i = 0; i < _d; i++)
        {
            k += _p[i] * _p[i];
        }

        return -_logp + (0.5 * k);
    }

    /// <summary>Stan's init_stepsize: double or halve ε until one leapfrog's acceptance crosses 0.8.</summary>
    private void FindReasonableStepSize()
    {
        var start = new Point(_d);
        Save(start);
        double logTarget = Math.Log(0.8);
        int direction = 0;
        for (int iteration = 0; iteration < 100; iteration++)
        {
            start.CopyPositionTo(_q, _g, out _logp);
            for (int i = 0; i < _d; i++)
            {
                _p[i] = _normal.Next();
            }

            double h0 = Hamiltonian();
            Leapfrog(_epsilon);
            double h = Hamiltonian();
            double deltaH = double.IsNaN(h) ? double.NegativeInfinity : h0 - h;
            if (direction == 0)
            {
                direction = deltaH > logTarget ? 1 : -1;
            }
            else if ((direction == 1 && !(deltaH > logTarget)) || (direction == -1 && !(deltaH < logTarget)))
            {
                break;
            }

            _epsilon = direction == 1 ? 2 * _epsilon : 0.5 * _epsilon;
            if (_epsilon > 1e7 || _epsilon < 1e-12)
            {
                _epsilon = Math.Clamp(_epsilon, 1e-12, 1e7);
                break;
            }
        }

        start.CopyPositionTo(_q, _g, out _logp);
    }

    private static bool Criterion(double[] pMinus, double[] pPlus, double[] rho)
    {
        double a = 0, b = 0;
        for (int i = 0; i < rho.Length; i++)
        {
            a += pPlus[i] * rho[i];
            b += pMinus[i] * rho[i];
        }

        return a > 0 && b > 0;
    }

    private static double LogSumExp(double a, double b)
    {
        if (double.IsNegativeInfinity(a))
        {
            return b;
        }

        if (double.IsNegativeInfinity(b))
        {
            return a;
        }

        double m = Math.Max(a, b);
        return m + Math.Log(Math.Exp(a - m) + Math.Exp(b - m));
    }

    private static double[][] Buffers(int count, int d)
    {
        var result = new double[count][];
        for (int k = 0; k < count; k++)
        {
            result[k] = new double[d];
        }

        return result;
    }

    private void Save(Point point)
    {
        point.SetPosition(_q, _g, _logp);
        _p.CopyTo(point.P, 0);
    }

    private void Load(Point point)
    {
        point.CopyPositionTo(_q, _g, out _logp);
        point.P.CopyTo(_p, 0);
    }

    /// <summary>A phase-space point (position, momentum, gradient, log π).</summary>
    private sealed class Point(int d)
    {
        public double[] Q { get; } = new double[d];

        public double[] P { get; } = new double[d];

        public double[] G { get; } = new double[d];

        public double LogP { get; set; }

        public void SetPosition(double[] q, double[] g, double logp)
        {
            q.CopyTo(Q, 0);
            g.CopyTo(G, 0);
            LogP = logp;
        }

        public void CopyPositionTo(double[] q, double[] g, out double logp)
        {
            Q.CopyTo(q, 0);
            G.CopyTo(g, 0);
            logp = LogP;
        }

        public void CopyTo(Point other)
        {
            Q.CopyTo(other.Q, 0);
            G.CopyTo(other.G, 0);
            other.LogP = LogP;
        }
    }
}
