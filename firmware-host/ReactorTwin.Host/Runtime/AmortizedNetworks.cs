using ReactorTwin.Core.Amortized;
using ReactorTwin.Core.Models;

namespace ReactorTwin.Host.Runtime;

/// <summary>Loads a reactor's amortized network (<c>ReactorTwin:Reactors:N:Amortized</c>).</summary>
internal static class AmortizedNetworks
{
    /// <summary>Reads the network file at <paramref name="path"/> for <paramref name="model"/>.</summary>
    /// <exception cref="IOException">The file cannot be read.</exception>
    /// <exception cref="InvalidDataException">It is not a network of this model (the message says what is wrong).</exception>
    public static AmortizedNetwork Load(string path, ReactionNetwork model)
    {
        using var stream = File.OpenRead(path);
        return AmortizedNetworkFile.Read(stream, model, path);
    }
}
