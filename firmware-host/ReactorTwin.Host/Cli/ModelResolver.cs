using System.Globalization;
using ReactorTwin.Core.Models;
using ReactorTwin.Runtime;

namespace ReactorTwin.Host.Cli;

/// <summary>Resolves <c>--model</c> arguments (<see cref="ModelCatalog"/>), as a command-line error when it fails.</summary>
internal static class ModelResolver
{
    /// <exception cref="CliException">Neither a built-in model nor a readable, valid model file.</exception>
    public static ReactionNetwork Resolve(string nameOrPath)
    {
        try
        {
            return ModelCatalog.Resolve(nameOrPath);
        }
        catch (ModelDefinitionException ex)
        {
            throw new CliException(ex.Message.StartsWith('\'') ? "--model " + ex.Message : ex.Message, ex);
        }
    }

    /// <summary>The model with <c>--omega</c> applied: its system size Ω replaced when <paramref name="systemSize"/> is
    /// given (finite and &gt; 0; the noise covariance of the LNA, CLE and SSA scales as 1/Ω).</summary>
    /// <exception cref="CliException">The model cannot be resolved, or Ω is not finite and &gt; 0.</exception>
    public static ReactionNetwork Resolve(string nameOrPath, double? systemSize)
    {
        if (systemSize is double omega && (!(omega > 0) || !double.IsFinite(omega)))
        {
            throw new CliException($"--omega must be finite and > 0, not {omega.ToString(CultureInfo.InvariantCulture)}");
        }

        var model = Resolve(nameOrPath);
        return systemSize is double o ? model.WithSystemSize(o) : model;
    }
}
