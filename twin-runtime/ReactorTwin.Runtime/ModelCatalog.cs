using ReactorTwin.Core.Models;

namespace ReactorTwin.Runtime;

/// <summary>Finds a model by the name a user gives: a built-in model (<see cref="BuiltInModels"/>) or the path of a
/// model file (docs/model-format.md).</summary>
public static class ModelCatalog
{
    /// <summary>Loads the model.</summary>
    /// <param name="nameOrPath">A built-in model's name, or a model file's path.</param>
    /// <exception cref="ModelDefinitionException">Neither a built-in model nor a readable, valid model file; the message
    /// says which (and, for a bad file, every problem with its line).</exception>
    public static ReactionNetwork Resolve(string nameOrPath)
    {
        ArgumentNullException.ThrowIfNull(nameOrPath);
        if (BuiltInModels.Contains(nameOrPath))
        {
            return BuiltInModels.Load(nameOrPath);
        }

        if (!File.Exists(nameOrPath))
        {
            throw new ModelDefinitionException($"'{nameOrPath}' is neither a built-in model ({string.Join(", ", BuiltInModels.Names)}) nor an existing file");
        }

        string text;
        try
        {
            text = File.ReadAllText(nameOrPath);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new ModelDefinitionException($"cannot read model file '{nameOrPath}': {ex.Message}");
        }

        return ModelJson.Parse(text, nameOrPath);
    }
}
