using ReactorTwin.Core.Inference;

namespace ReactorTwin.Core.Estimation;

/// <summary>
/// A likelihood with per-batch parameters (<see cref="BatchParameterLayout"/>): ℓ(θ⁺) = Σ_b ℓ_b(θ^(b)), each batch
/// evaluated by its own inner likelihood with the model's parameter vector θ^(b), and the gradient assembled by the
/// chain rule (shared parameters sum over the batches; a copy θ⁺_{p@b} takes batch b's ∂ℓ_b/∂θ_p). Any likelihood
/// works inside (Kalman–LNA, ODE, Euler–Maruyama). Not thread-safe; no allocation per evaluation beyond the inner
/// likelihoods'.
/// </summary>
public sealed class PerBatchLikelihood : IDataLikelihood
{
    private readonly BatchParameterLayout _layout;
    private readonly int[] _gradient;
    private readonly IDataLikelihood[] _inner;
    private readonly LikelihoodResult[] _results;
    private readonly int[][] _position;
    private readonly double[] _theta;

    /// <summary>Binds the likelihood to its data.</summary>
    /// <param name="layout">The per-batch parameters; its batches must be the data's, in order.</param>
    /// <param name="data">The data.</param>
    /// <param name="gradientParameters">Indices into θ⁺ of the gradient components (a parameter space's
    /// <see cref="ParameterSpace.Indices"/>). A per-batch parameter's own entry is not read by any batch and may not
    /// be one of them.</param>
    /// <param name="likelihoodFor">Builds the inner likelihood of one batch's data, differentiating by the given
    /// indices into the model's θ (called once per batch).</param>
    /// <exception cref="ArgumentException">The batches differ from the layout's, or a gradient index is a per-batch
    /// parameter's own entry or out of range.</exception>
    public PerBatchLikelihood(BatchParameterLayout layout, ObservationSet data, IReadOnlyList<int> gradientParameters, Func<ObservationSet, IReadOnlyList<int>, IDataLikelihood> likelihoodFor)
    {
        ArgumentNullException.ThrowIfNull(layout);
        ArgumentNullException.ThrowIfNull(data);
        ArgumentNullException.ThrowIfNull(gradientParameters);
        ArgumentNullException.ThrowIfNull(likelihoodFor);
        if (!data.Batches.Select(b => b.Id).SequenceEqual(layout.Batches, StringComparer.Ordinal))
        {
            throw new ArgumentException($"the data's batches ({string.Join(", ", data.Batches.Select(b => b.Id))}) are not the layout's ({string.Join(", ", layout.Batches)})", nameof(data));
        }

        foreach (int k in gradientParameters)
        {
            if (k < 0 || k >= layout.Parameters.Count)
            {
                throw new ArgumentException($"gradient index {k} is outside θ⁺ (0–{layout.Parameters.Count - 1})", nameof(gradientParameters));
            }

            if (layout.PerBatch.Contains(k))
            {
                throw new ArgumentException($"'{layout.Parameters[k].Name}' has one value per batch; estimate its copies ({BatchParameterLayout.CopyName(layout.Parameters[k].Name, layout.Batches[0])}, …), not the parameter itself", nameof(gradientParameters));
            }
        }

        _layout = layout;
        _gradient = [.. gradientParameters];
        int batches = data.Batches.Count;
        _inner = new IDataLikelihood[batches];
        _results = new LikelihoodResult[batches];
        _position = new int[batches][];
        for (int b = 0; b < batches; b++)
        {
            var indices = new List<int>();
            _position[b] = new int[_gradient.Length];
            for (int j = 0; j < _gradient.Length; j++)
            {
                var (parameter, batch) = layout.Source(_gradient[j]);
                if (batch >= 0 && batch != b)
                {
                    _position[b][j] = -1;
                    continue;
                }

                int at = indices.IndexOf(parameter);
                if (at < 0)
                {
                    at = indices.Count;
                    indices.Add(parameter);
                }

                _position[b][j] = at;
            }

            _inner[b] = likelihoodFor(ObservationSet.FromBatches(data.Model, [data.Batches[b]]), indices);
            if (!_inner[b].GradientParameters.SequenceEqual(indices))
            {
                throw new ArgumentException("the inner likelihood must differentiate by exactly the indices it is given", nameof(likelihoodFor));
            }

            _results[b] = new LikelihoodResult(indices.Count);
        }

        _theta = new double[layout.Model.Parameters.Count];
    }

    /// <inheritdoc />
    public IReadOnlyList<int> GradientParameters => _gradient;

    /// <inheritdoc />
    /// <param name="theta">θ⁺ (<see cref="BatchParameterLayout.Parameters"/> long).</param>
    /// <param name="result">Receives ℓ, the gradient in the order of <see cref="GradientParameters"/> and the
    /// measurement count.</param>
    public void Evaluate(ReadOnlySpan<double> theta, LikelihoodResult result)
    {
        ArgumentNullException.ThrowIfNull(result);
        if (theta.Length != _layout.Parameters.Count || result.Gradient.Length != _gradient.Length)
        {
            throw new ArgumentException($"θ⁺ must have {_layout.Parameters.Count} components (has {theta.Length}) and the result {_gradient.Length} gradient values (has {result.Gradient.Length})");
        }

        var gradient = result.Gradient;
        Array.Clear(gradient);
        double logLikelihood = 0;
        int measurements = 0;
        for (int b = 0; b < _inner.Length; b++)
        {
            _layout.ForBatch(theta, b, _theta);
            var r = _results[b];
            _inner[b].Evaluate(_theta, r);
            logLikelihood += r.LogLikelihood;
            measurements += r.MeasurementCount;
            var position = _position[b];
            for (int j = 0; j < position.Length; j++)
            {
                if (position[j] >= 0)
                {
                    gradient[j] += r.Gradient[position[j]];
                }
            }
        }

        result.LogLikelihood = logLikelihood;
        result.MeasurementCount = measurements;
    }
}
