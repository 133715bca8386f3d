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
}
