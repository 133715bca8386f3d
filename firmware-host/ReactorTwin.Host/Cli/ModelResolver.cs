using ReactorTwin.Core.Models;

namespace ReactorTwin.Host.Cli;

/// <summary>Turns a <c>--model</c> argument (built-in name or JSON path) into a validated model.</summary>
internal static class ModelResolver
{
    /// <exception cref="CliException">Neither a built-in model nor a readable, valid model file.</exception>
    public static ReactionNetwork Resolve(string nameOrPath)
    {
        if (BuiltInModels.Contains(nameOrPath))
        {
            return BuiltInModels.Load(nameOrPath);
        }

        if (!File.Exists(nameOrPath))
        {
            throw new CliException($"--model '{nameOrPath}' is neither a built-in model ({string.Join(", ", BuiltInModels.Names)}) nor an existing file");
        }

        string text;
        try
        {
            text = File.ReadAllText(nameOrPath);
        }
        catch (IOException ex)
        {
            throw new CliException($"cannot read model file '{nameOrPath}': {ex.Message}", ex);
        }
        catch (UnauthorizedAccessException ex)
        {
            throw new CliException($"cannot read model file '{nameOrPath}': {ex.Message}", ex);
        }

        try
        {
            return ModelJson.Parse(text, nameOrPath);
        }
        catch (ModelDefinitionException ex)
        {
            throw new CliException(ex.Message, ex);
        }
    }
}
