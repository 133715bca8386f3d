using ReactorTwin.Core.Models;

namespace ReactorTwin.Core.Estimation;

/// <summary>
/// The map between the model's parameter vector θ (natural scale, all p parameters) and the unconstrained vector
/// u ∈ ℝ^d that estimators move: u_j = log θ_k for log-scale parameters, u_j = θ_k otherwise, for the d estimated
/// parameters k (those marked <see cref="Parameter.Estimate"/>, or an explicit list); the others stay at their
/// base values. Gradients follow the chain rule ∂ℓ/∂u_j = θ_k ∂ℓ/∂θ_k on log scale.
/// </summary>
public sealed class ParameterSpace
{
    private readonly int[] _indices;
    private readonly bool[] _log;
    private readonly double[] _base;

    /// <summary>Creates the space over the model's own parameters.</summary>
    /// <param name="model">The model.</param>
    /// <param name="baseValues">θ for the parameters not estimated (and the default start); null for the nominal values.</param>
    /// <param name="estimated">Indices into θ to estimate; null for those marked <c>estimate</c>.</param>
    public ParameterSpace(ReactionNetwork model, double[]? baseValues = null, IReadOnlyList<int>? estimated = null)
        : this(model, model?.Parameters!, baseValues, estimated)
    {
    }

    /// <summary>
    /// Creates the space over a parameter list that extends the model's: the model's parameters first, then others
    /// that a likelihood maps onto them (per-batch copies, <see cref="BatchParameterLayout"/>).
    /// </summary>
    /// <param name="model">The model.</param>
    /// <param name="parameters">The parameters θ indexes: the model's, in order (their flags and bounds may differ), then any more.</param>
    /// <param name="baseValues">θ for the parameters not estimated (and the default start); null for the values of <paramref name="parameters"/>.</param>
    /// <param name="estimated">Indices into θ to estimate; null for those marked <c>estimate</c>.</param>
    public ParameterSpace(ReactionNetwork model, IReadOnlyList<Parameter> parameters, double[]? baseValues = null, IReadOnlyList<int>? estimated = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(parameters);
        if (parameters.Count < model.Parameters.Count || !model.Parameters.Select(p => p.Name).SequenceEqual(parameters.Take(model.Parameters.Count).Select(p => p.Name), StringComparer.Ordinal))
        {
            throw new ArgumentException("the parameter list must start with the model's parameters, in order", nameof(parameters));
        }

        Model = model;
        Parameters = parameters;
        _base = (baseValues ?? parameters.Select(p => p.Value).ToArray()).ToArray();
        if (_base.Length != parameters.Count)
        {
            throw new ArgumentException($"{_base.Length} base values for {parameters.Count} parameters", nameof(baseValues));
        }

        _indices = estimated is null
            ? Enumerable.Range(0, parameters.Count).Where(k => parameters[k].Estimate).ToArray()
            : [.. estimated];
        _log = _indices.Select(k => parameters[k].LogScale).ToArray();
        Lower = new double[_indices.Length];
        Upper = new double[_indices.Length];
        for (int j = 0; j < _indices.Length; j++)
        {
            var p = parameters[_indices[j]];
            Lower[j] = _log[j] ? Math.Log(p.Lower) : p.Lower;
            Upper[j] = _log[j] ? Math.Log(p.Upper) : p.Upper;
        }
    }

    /// <summary>The parameters θ indexes (the model's, then any per-batch copies); θ has this many components.</summary>
    public IReadOnlyList<Parameter> Parameters { get; }

    /// <summary>True when θ has components beyond the model's (per-batch copies): a likelihood maps them onto the
    /// model's parameters per batch, and methods that simulate the model with θ directly cannot use this space.</summary>
    public bool ExtendsModel => Parameters.Count > Model.Parameters.Count;

    /// <summary>The model.</summary>
    public ReactionNetwork Model { get; }

    /// <summary>d, the number of estimated parameters.</summary>
    public int Dimension => _indices.Length;

    /// <summary>Indices into θ of the estimated parameters, in u order.</summary>
    public IReadOnlyList<int> Indices => _indices;

    /// <summary>Names of the estimated parameters, in u order.</summary>
    public IEnumerable<string> Names => _indices.Select(k => Parameters[k].Name);

    /// <summary>Lower bounds in u (log of the natural bound for log-scale parameters).</summary>
    public double[] Lower { get; }

    /// <summary>Upper bounds in u.</summary>
    public double[] Upper { get; }

    /// <summary>True when u_j is the logarithm of its parameter.</summary>
    public bool IsLogScale(int j) => _log[j];

    /// <summary>Writes the full θ for <paramref name="u"/> (fixed parameters at their base values).</summary>
    public void ToNatural(ReadOnlySpan<double> u, Span<double> theta)
    {
        _base.CopyTo(theta);
        for (int j = 0; j < _indices.Length; j++)
        {
            theta[_indices[j]] = _log[j] ? Math.Exp(u[j]) : u[j];
        }
    }

    /// <summary>Writes u for a full θ.</summary>
    public void ToUnconstrained(ReadOnlySpan<double> theta, Span<double> u)
    {
        for (int j = 0; j < _indices.Length; j++)
        {
            double v = theta[_indices[j]];
            u[j] = _log[j] ? Math.Log(v) : v;
        }
    }

    /// <summary>u at the base values (the default starting point).</summary>
    public double[] BaseUnconstrained()
    {
        var u = new double[Dimension];
        ToUnconstrained(_base, u);
        return u;
    }

    /// <summary>∂/∂u from ∂/∂θ_k of the estimated parameters (<paramref name="gradTheta"/> in u order).</summary>
    public void ChainRule(ReadOnlySpan<double> u, ReadOnlySpan<double> gradTheta, Span<double> gradU)
    {
        for (int j = 0; j < _indices.Length; j++)
        {
            gradU[j] = _log[j] ? gradTheta[j] * Math.Exp(u[j]) : gradTheta[j];
        }
    }

    /// <summary>True when every component of u lies within its bounds.</summary>
    public bool InBounds(ReadOnlySpan<double> u)
    {
        for (int j = 0; j < u.Length; j++)
        {
            if (!(u[j] >= Lower[j] && u[j] <= Upper[j]))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>
    /// A copy of u with every component moved into [lower + margin, upper − margin] (margin ≥ 0, for example to
    /// start a sampler strictly inside the support of a bounded prior).
    /// </summary>
    public double[] Clamp(ReadOnlySpan<double> u, double margin = 0.0)
    {
        var result = new double[u.Length];
        for (int j = 0; j < u.Length; j++)
        {
            result[j] = Math.Clamp(u[j], Lower[j] + margin, Upper[j] - margin);
        }

        return result;
    }
}
