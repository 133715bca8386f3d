namespace ReactorTwin.Core.Estimation;

/// <summary>Options of <see cref="StreamingPosterior"/>.</summary>
public sealed record StreamingOptions
{
    /// <summary>Quasi-Newton iterations allowed per refit at the end of a batch (warm-started). Default 2000.</summary>
    public int MaxIterationsPerRefit { get; init; } = 2000;

    /// <summary>
    /// Gradient tolerance of the refits. MathNet's BFGS-B also stops on the relative gradient |g|·max(|u|, 1)/max(|ℓ|, 1),
    /// which is lenient for large |ℓ|, so the default is small: 1e−8.
    /// </summary>
    public double GradientTolerance { get; init; } = 1e-8;

    /// <summary>
    /// Time allowed for one refit (on the clock given to <see cref="StreamingRefit.Run"/>); null (default) for none. A
    /// refit that runs out ends at the best point it evaluated and is reported as partial
    /// (<see cref="MleResult.Partial"/>); the next batch's refit starts there.
    /// </summary>
    public TimeSpan? RefitTimeBudget { get; init; }

    /// <summary>
    /// Priors of the estimated parameters (one per parameter of the space, in order), making each refit a MAP estimate
    /// and its covariance a Laplace approximation of the posterior; null (default) for the plain likelihood.
    /// </summary>
    public IReadOnlyList<ParameterPrior>? Priors { get; init; }

    /// <summary>
    /// Keep a <see cref="ParameterEnsemble"/> beside the live filter, so that <see cref="StreamingPosterior.PredictWithParameterUncertainty"/>
    /// adds the parameters' uncertainty to the state's (default false). Costs 2q more filters per measurement.
    /// </summary>
    public bool ParameterUncertainty { get; init; }

    /// <summary>
    /// Update the parameter posterior after every reading (<see cref="OnlineLaplace"/>: one Fisher-scoring step on the
    /// reading's Kalman–LNA log predictive density, with the exact gradient from forward sensitivities carried through
    /// the filter), starting from <see cref="Priors"/>; each refit re-anchors it. Predictions with parameter uncertainty
    /// then use the online posterior by the delta method instead of the ensemble (default false).
    /// </summary>
    public bool OnlinePosterior { get; init; }
}
