using ReactorTwin.Core.Models;

namespace ReactorTwin.Core.Estimation;

/// <summary>The priors of a parameter space's estimated parameters, from the model (<see cref="Parameter.EffectivePrior"/>:
/// stated in the model file, or weakly informative by default).</summary>
public static class ModelPriors
{
    /// <summary>One prior per estimated parameter of <paramref name="space"/>, in its order.</summary>
    /// <param name="space">The estimated parameters.</param>
    /// <param name="overrides">Priors to use instead of the model's, by parameter name; null for none.</param>
    public static ParameterPrior[] For(ParameterSpace space, IReadOnlyDictionary<string, PriorSpec>? overrides = null)
    {
        ArgumentNullException.ThrowIfNull(space);
        var priors = new ParameterPrior[space.Dimension];
        for (int j = 0; j < space.Dimension; j++)
        {
            var p = space.Parameters[space.Indices[j]];
            var spec = overrides is not null && overrides.TryGetValue(p.Name, out var o) ? o : p.EffectivePrior;
            priors[j] = spec.Kind switch
            {
                PriorKind.Uniform => new BoundedUniformPrior(),
                PriorKind.LogNormal => new LogNormalPrior(spec.Center, spec.Scale),
                _ => new NormalPrior(spec.Center, spec.Scale),
            };
        }

        return priors;
    }

    /// <summary>The prior standard deviation of each estimated parameter in u (log θ on log scale), ignoring truncation.</summary>
    public static double[] ScalesInU(ParameterSpace space, IReadOnlyDictionary<string, PriorSpec>? overrides = null)
    {
        ArgumentNullException.ThrowIfNull(space);
        var scales = new double[space.Dimension];
        for (int j = 0; j < space.Dimension; j++)
        {
            var p = space.Parameters[space.Indices[j]];
            var spec = overrides is not null && overrides.TryGetValue(p.Name, out var o) ? o : p.EffectivePrior;
            scales[j] = spec.ScaleInEstimationCoordinate(p);
        }

        return scales;
    }
}
