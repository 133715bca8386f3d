using MathNet.Numerics.LinearAlgebra;
using ReactorTwin.Core.Inference;

namespace ReactorTwin.Core.Estimation;

/// <summary>
/// The refit that absorbs a closed batch into a <see cref="StreamingPosterior"/> (seed 001 eq. 5 over all completed
/// batches, warm-started): prepared by <see cref="StreamingPosterior.CloseBatch"/>, it holds its own copy of the data
/// and builds its own likelihood, so <see cref="Run"/> may execute on any thread while the posterior keeps filtering.
/// Its outcome goes back to <see cref="StreamingPosterior.ApplyRefit"/>.
/// </summary>
public sealed class StreamingRefit
{
    private readonly ParameterSpace _space;
    private readonly Func<ObservationSet, IDataLikelihood> _likelihoodFor;
    private readonly StreamingOptions _options;

    internal StreamingRefit(ParameterSpace space, Func<ObservationSet, IDataLikelihood> likelihoodFor, DataRow[] data, int completedBatches, StreamingOptions options)
    {
        _space = space;
        _likelihoodFor = likelihoodFor;
        Data = data;
        CompletedBatches = completedBatches;
        _options = options;
    }

    /// <summary>The completed batches' measurements this refit fits.</summary>
    public IReadOnlyList<DataRow> Data { get; }

    /// <summary>How many completed batches <see cref="Data"/> holds.</summary>
    public int CompletedBatches { get; }

    /// <summary><see cref="Data"/> validated against the model, once (for the warm-start choice, the fit and its
    /// covariance; immutable, so shared by the threads that use this refit).</summary>
    private ObservationSet DataSet => LazyInitializer.EnsureInitialized(ref _dataSet, () => ObservationSet.FromRows(_space.Model, Data, "stream"));

    private ObservationSet? _dataSet;

    /// <summary>
    /// Runs one BFGS-B start from <paramref name="warmStart"/> with the posterior's iteration limit and time budget
    /// (<see cref="StreamingOptions"/>), then, if asked, the covariance of the estimate from the observed information.
    /// Never throws for a failed fit: the outcome says why.
    /// </summary>
    /// <param name="warmStart">Start point θ (natural scale, all parameters), usually the posterior's current estimate.</param>
    /// <param name="computeCovariance">Also compute <see cref="StreamingRefitOutcome.Covariance"/> at the outcome's
    /// estimate (the warm start if the fit failed): 2q gradient evaluations over all completed data.</param>
    /// <param name="time">Clock of the time budget; null for the system clock.</param>
    /// <param name="cancellationToken">Stops the fit at the best point so far (the outcome is partial, exit "cancelled").</param>
    public StreamingRefitOutcome Run(ReadOnlySpan<double> warmStart, bool computeCovariance = true, TimeProvider? time = null, CancellationToken cancellationToken = default)
    {
        var theta = warmStart.ToArray();
        var warm = new ParameterSpace(_space.Model, theta, _space.Indices);
        var data = DataSet;
        MleResult? fit = null;
        string? failure = null;
        try
        {
            fit = MultiStartMle.Fit(
                new PosteriorDensity(warm, _likelihoodFor(data), _options.Priors),
                warm,
                new MultiStartMleOptions { Starts = 1, MaxIterations = _options.MaxIterationsPerRefit, GradientTolerance = _options.GradientTolerance, TimeBudget = _options.RefitTimeBudget },
                time,
                cancellationToken);
        }
        catch (Exception ex) when (ex is InvalidOperationException or OperationCanceledException)
        {
            // Early batches may not identify every parameter, or the refit was cancelled before it evaluated anything:
            // the posterior keeps its estimate and says why.
            failure = ex is OperationCanceledException ? "cancelled before the first evaluation" : ex.Message;
        }

        var estimate = fit?.Optimum ?? warm.BaseUnconstrained();
        Matrix<double>? covariance = null;
        if (computeCovariance && !cancellationToken.IsCancellationRequested)
        {
            var at = new double[theta.Length];
            _space.ToNatural(estimate, at);
            covariance = Covariance(_space, _likelihoodFor(data), at, estimate, _options.Priors);
        }

        return new StreamingRefitOutcome(this, estimate, fit, failure, covariance);
    }

    /// <summary>Maps û of this refit's space to θ (natural scale) in <paramref name="theta"/> (all parameters; those
    /// not estimated are left as they are).</summary>
    public void ToNatural(ReadOnlySpan<double> u, double[] theta) => _space.ToNatural(u, theta);

    /// <summary>The outcome of a refit that could not run (for example an unexpected failure of the machinery around it):
    /// the posterior keeps <paramref name="warmStart"/> and reports <paramref name="reason"/>.</summary>
    public StreamingRefitOutcome Failed(ReadOnlySpan<double> warmStart, string reason)
    {
        var warm = new ParameterSpace(_space.Model, warmStart.ToArray(), _space.Indices);
        return new StreamingRefitOutcome(this, warm.BaseUnconstrained(), null, reason, null);
    }

    /// <summary>
    /// Of two candidate warm starts (θ, natural scale, all parameters: the current estimate and, say, an amortized
    /// network's), the one where this refit's log posterior is higher (two evaluations over the refit's data); the
    /// first when the second cannot be evaluated.
    /// </summary>
    public double[] BetterStart(double[] first, double[] second)
    {
        ArgumentNullException.ThrowIfNull(first);
        ArgumentNullException.ThrowIfNull(second);
        IDataLikelihood likelihood;
        try
        {
            likelihood = _likelihoodFor(DataSet);
        }
        catch (DataException)
        {
            return first; // the refit itself will say what is wrong with its data
        }

        double Score(double[] theta)
        {
            var space = new ParameterSpace(_space.Model, theta, _space.Indices);
            var u = space.BaseUnconstrained();
            return new PosteriorDensity(space, likelihood, _options.Priors).Evaluate(u, new double[u.Length]);
        }

        double a = Score(first), b = Score(second);
        return b > a ? second : first;
    }

    /// <summary>Regularised inverse observed information of û (<see cref="ObservedInformation.RegularizedCovariance"/>)
    /// over <paramref name="rows"/> at θ, or null when it cannot be inverted.</summary>
    internal static Matrix<double>? Covariance(ParameterSpace space, Func<ObservationSet, IDataLikelihood> likelihoodFor, IReadOnlyList<DataRow> rows, double[] theta, double[] estimate, IReadOnlyList<ParameterPrior>? priors) =>
        Covariance(space, likelihoodFor(ObservationSet.FromRows(space.Model, rows, "stream")), theta, estimate, priors);

    private static Matrix<double>? Covariance(ParameterSpace space, IDataLikelihood likelihood, double[] theta, double[] estimate, IReadOnlyList<ParameterPrior>? priors)
    {
        var at = new ParameterSpace(space.Model, [.. theta], space.Indices);
        return ObservedInformation.RegularizedCovariance(new PosteriorDensity(at, likelihood, priors), estimate);
    }
}

/// <summary>What a <see cref="StreamingRefit"/> found.</summary>
/// <param name="Refit">The refit it belongs to.</param>
/// <param name="Estimate">û (unconstrained coordinates): the optimum, the best point of a partial fit, or the warm
/// start when the fit failed.</param>
/// <param name="Fit">The optimiser's result (null when it failed); <see cref="MleResult.Partial"/> when it was
/// stopped by its iteration limit, the time budget or cancellation.</param>
/// <param name="Failure">Why the fit failed, or null.</param>
/// <param name="Covariance">Covariance of û at <paramref name="Estimate"/>, or null (not asked, failed, or not invertible).</param>
public sealed record StreamingRefitOutcome(StreamingRefit Refit, double[] Estimate, MleResult? Fit, string? Failure, Matrix<double>? Covariance)
{
    /// <summary>A one-line summary: the exit condition, "partial: …" or the failure.</summary>
    public string Exit => Failure ?? (Fit is null ? "no refit" : Fit.Partial ? $"partial: {Fit.Exit}" : Fit.Exit);
}
