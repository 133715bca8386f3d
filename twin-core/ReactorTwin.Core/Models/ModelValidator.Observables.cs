using ReactorTwin.Core.Expressions;

namespace ReactorTwin.Core.Models;

/// <summary>The observable rules of <see cref="ModelValidator"/>: formulas and noise models, compiled.</summary>
internal static partial class ModelValidator
{
    private static CompiledObservables Observables(ModelDraft d, int stateCount, FormulaBinder binder, Action<string, string> err)
    {
        var values = new Expr[d.Observables.Count];
        var sd = new Expr?[d.Observables.Count];
        for (int o = 0; o < d.Observables.Count; o++)
        {
            var ob = d.Observables[o];
            string at = $"$.observables[{o}]";
            var h = binder.Bind(ob.Formula, at + ".formula", FormulaScope.Dynamic, "observable formula");
            values[o] = h ?? Expr.Zero;
            if (ob.Noise is not { } noise)
            {
                continue;
            }

            if (!(noise.Absolute >= 0) || !double.IsFinite(noise.Absolute) || !(noise.Relative >= 0) || !double.IsFinite(noise.Relative))
            {
                err(at + ".noise", $"observable '{ob.Name}': the noise SDs must be finite and ≥ 0, not sd = {noise.Absolute}, relative = {noise.Relative}");
            }

            if (noise.Distribution == NoiseDistribution.LogNormal && noise.Relative > 0)
            {
                err(at + ".noise.relative", $"observable '{ob.Name}' has log-normal noise, whose sd is already relative (on the log scale); give 'sd' (for example 0.05 for about 5 %), not 'relative'");
            }

            if (noise.Formula is not null)
            {
                sd[o] = binder.Bind(noise.Formula, at + ".noise.sd", FormulaScope.Dynamic, "noise SD formula", name => name == ob.Name ? h : null);
            }
            else if (noise.Absolute == 0 && noise.Relative == 0)
            {
                err(at + ".noise", $"observable '{ob.Name}': a noise model needs an 'sd' (absolute, or a formula) or a 'relative' SD greater than 0");
            }
        }

        return new CompiledObservables(stateCount, d.Parameters.Count, values, sd, d.Observables);
    }
}
