using ReactorTwin.Core.Models;

namespace ReactorTwin.Core.Estimation;

/// <summary>
/// Per-batch (condition-specific) parameters: the extended parameter vector θ⁺ = [θ; θ_{p@b} for each per-batch
/// parameter p and batch b] that a fit estimates when some parameters take their own value in each batch (the inoculum
/// X0, a feed concentration) while the kinetic ones are shared. Batch b is evaluated with θ^(b), the model's vector in
/// which each per-batch θ_p is replaced by θ⁺_{p@b}; so ℓ(θ⁺) = Σ_b ℓ_b(θ^(b)) and, by the chain rule,
/// ∂ℓ/∂θ⁺_k = Σ_b ∂ℓ_b/∂θ_k for a shared parameter and ∂ℓ/∂θ⁺_{p@b} = ∂ℓ_b/∂θ_p for a copy (PEtab's
/// condition-specific parameters, written in the model instead of a condition table).
/// </summary>
/// <remarks>
/// The copies follow the model's parameters in θ⁺, parameter by parameter, batch by batch in the data's order, and are
/// named <c>NAME@BATCH</c>; each has its parameter's bounds, scale, unit, prior and <see cref="Parameter.Estimate"/>
/// flag. The parameter's own entry stays in θ⁺ but is no longer estimated (no batch reads it).
/// </remarks>
public sealed class BatchParameterLayout
{
    private readonly int[] _perBatch;
    private readonly string[] _batches;

    /// <summary>Creates the layout.</summary>
    /// <param name="model">The model.</param>
    /// <param name="perBatch">Indices into the model's θ of the per-batch parameters (distinct; may be empty).</param>
    /// <param name="batchIds">The batches, in the data's order (distinct).</param>
    /// <exception cref="ArgumentException">An index is out of range or repeated, or a batch id is repeated.</exception>
    public BatchParameterLayout(ReactionNetwork model, IReadOnlyList<int> perBatch, IReadOnlyList<string> batchIds)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(perBatch);
        ArgumentNullException.ThrowIfNull(batchIds);
        if (perBatch.Any(k => k < 0 || k >= model.Parameters.Count) || perBatch.Distinct().Count() != perBatch.Count)
        {
            throw new ArgumentException("per-batch parameters must be distinct indices of the model's parameters", nameof(perBatch));
        }

        if (batchIds.Distinct(StringComparer.Ordinal).Count() != batchIds.Count)
        {
            throw new ArgumentException("batch ids must be distinct", nameof(batchIds));
        }

        Model = model;
        _perBatch = [.. perBatch];
        _batches = [.. batchIds];
        var parameters = model.Parameters.ToList();
        foreach (int k in _perBatch)
        {
            parameters[k] = parameters[k] with { Estimate = false };
        }

        foreach (int k in _perBatch)
        {
            var p = model.Parameters[k];
            parameters.AddRange(_batches.Select(b => p with { Name = CopyName(p.Name, b), Description = $"{p.Name} in batch {b}" }));
        }

        Parameters = parameters;
    }

    /// <summary>The layout of a model's parameters marked <see cref="Parameter.PerBatch"/> (and those named in
    /// <paramref name="extra"/>) over the batches of <paramref name="batchIds"/>.</summary>
    /// <param name="model">The model.</param>
    /// <param name="batchIds">The batches, in the data's order.</param>
    /// <param name="extra">More parameters to treat as per-batch, by index; null for none.</param>
    public static BatchParameterLayout ForModel(ReactionNetwork model, IReadOnlyList<string> batchIds, IEnumerable<int>? extra = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        var indices = Enumerable.Range(0, model.Parameters.Count).Where(k => model.Parameters[k].PerBatch).Concat(extra ?? []).Distinct().Order().ToArray();
        return new BatchParameterLayout(model, indices, batchIds);
    }

    /// <summary>The name of parameter <paramref name="parameter"/>'s copy for batch <paramref name="batch"/>.</summary>
    public static string CopyName(string parameter, string batch) => $"{parameter}@{batch}";

    /// <summary>The model.</summary>
    public ReactionNetwork Model { get; }

    /// <summary>θ⁺'s parameters: the model's (per-batch ones no longer estimated), then the copies.</summary>
    public IReadOnlyList<Parameter> Parameters { get; }

    /// <summary>Indices into the model's θ of the per-batch parameters.</summary>
    public IReadOnlyList<int> PerBatch => _perBatch;

    /// <summary>The batches, in order.</summary>
    public IReadOnlyList<string> Batches => _batches;

    /// <summary>True when there is at least one per-batch parameter.</summary>
    public bool IsEmpty => _perBatch.Length == 0;

    /// <summary>Index into θ⁺ of the copy of per-batch parameter slot <paramref name="slot"/> (its position in
    /// <see cref="PerBatch"/>) for batch number <paramref name="batch"/>.</summary>
    public int CopyIndex(int slot, int batch) => Model.Parameters.Count + (slot * _batches.Length) + batch;

    /// <summary>The model's parameter that θ⁺_k stands for: k itself for a model parameter, the per-batch parameter
    /// for a copy; and the copy's batch number (−1 for a model parameter).</summary>
    public (int Parameter, int Batch) Source(int k)
    {
        int p = Model.Parameters.Count;
        if (k < p)
        {
            return (k, -1);
        }

        int slot = Math.DivRem(k - p, _batches.Length, out int batch);
        return (_perBatch[slot], batch);
    }

    /// <summary>θ⁺ with every copy at its parameter's value in <paramref name="theta"/> (the model's vector).</summary>
    public double[] Extend(ReadOnlySpan<double> theta)
    {
        var extended = new double[Parameters.Count];
        theta[..Model.Parameters.Count].CopyTo(extended);
        for (int s = 0; s < _perBatch.Length; s++)
        {
            for (int b = 0; b < _batches.Length; b++)
            {
                extended[CopyIndex(s, b)] = theta[_perBatch[s]];
            }
        }

        return extended;
    }

    /// <summary>Writes θ^(b), the model's vector for batch <paramref name="batch"/>, from θ⁺. Allocation-free.</summary>
    public void ForBatch(ReadOnlySpan<double> extended, int batch, Span<double> theta)
    {
        extended[..Model.Parameters.Count].CopyTo(theta);
        for (int s = 0; s < _perBatch.Length; s++)
        {
            theta[_perBatch[s]] = extended[CopyIndex(s, batch)];
        }
    }
}
