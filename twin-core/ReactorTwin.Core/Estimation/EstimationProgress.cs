namespace ReactorTwin.Core.Estimation;

/// <summary>
/// Where a long estimation stands, for progress displays: <see cref="Done"/> of <see cref="Total"/> units of work
/// (starts of a multi-start fit, iterations of all chains of a sampler, bootstrap replicates). Reported from the
/// worker threads; a display turns it into a rate and an estimate of the time left.
/// </summary>
/// <param name="Stage">What is running, e.g. "MLE", "MALA", "bootstrap".</param>
/// <param name="Done">Units finished, 0 ≤ Done ≤ Total.</param>
/// <param name="Total">Units in all, ≥ 1.</param>
/// <param name="Unit">Name of a unit (plural), e.g. "starts", "iterations".</param>
/// <param name="Detail">Current state in a few words (best log-likelihood, evaluations, …); may be empty.</param>
public readonly record struct EstimationProgress(string Stage, long Done, long Total, string Unit, string Detail);
