namespace ReactorTwin.Core.Inference;

/// <summary>A log-likelihood and its exact gradient with respect to the chosen parameters (natural scale).</summary>
public sealed class LikelihoodResult
{
    /// <summary>Creates a result holder for q gradient components.</summary>
    public LikelihoodResult(int gradientLength) => Gradient = new double[gradientLength];

    /// <summary>log p(data | θ).</summary>
    public double LogLikelihood { get; internal set; }

    /// <summary>∂ log p / ∂θ_k for the k-th gradient parameter (natural scale).</summary>
    public double[] Gradient { get; }

    /// <summary>Number of scalar measurements (or increments) the likelihood used.</summary>
    public int MeasurementCount { get; internal set; }
}

/// <summary>Argument checks shared by the likelihoods' Evaluate methods.</summary>
internal static class LikelihoodArguments
{
    /// <summary>Throws when <paramref name="data"/> was validated against another model than the likelihood's, or
    /// <paramref name="result"/> does not hold <paramref name="gradientLength"/> gradient values.</summary>
    public static void Check(ObservationSet data, Models.ReactionNetwork model, LikelihoodResult result, int gradientLength)
    {
        ArgumentNullException.ThrowIfNull(data);
        ArgumentNullException.ThrowIfNull(result);
        if (!ReferenceEquals(data.Model.Compiled, model.Compiled))
        {
            throw new ArgumentException($"the data were validated against model '{data.Model.Name}', not this likelihood's model '{model.Name}'", nameof(data));
        }

        if (result.Gradient.Length != gradientLength)
        {
            throw new ArgumentException($"the result holds {result.Gradient.Length} gradient values; {gradientLength} are needed", nameof(result));
        }
    }
}

/// <summary>The filtered latent state of one batch at one observation time (after conditioning).</summary>
/// <param name="Batch">Batch identifier.</param>
/// <param name="TimeHours">Time (h).</param>
/// <param name="Mean">Filtered mean of z.</param>
/// <param name="Covariance">Filtered covariance (row-major n × n).</param>
public sealed record FilteredState(string Batch, double TimeHours, double[] Mean, double[] Covariance);
