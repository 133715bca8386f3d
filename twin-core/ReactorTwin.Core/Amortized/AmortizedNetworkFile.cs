using System.Text;
using ReactorTwin.Core.Models;

namespace ReactorTwin.Core.Amortized;

/// <summary>
/// The weight file of an <see cref="AmortizedNetwork"/> (".rtnet"), little-endian binary, documented field by field in
/// docs/amortized-inference.md: the magic <c>RTDEEPS1</c>, format version 1, the model name, the channels (state
/// name, noise sd, value offset and scale), readings per experiment, horizon and time scale, the parameters (name,
/// prior kind, centre, scale, bounds, log scale), the hidden width and the float64 weights in
/// <see cref="DeepSetNetwork"/>'s order. Strings are a 32-bit byte count and UTF-8 bytes. Reading checks every field
/// and names the first bad one.
/// </summary>
public static class AmortizedNetworkFile
{
    /// <summary>The file's first 8 bytes.</summary>
    public const string Magic = "RTDEEPS1";

    /// <summary>The format version written.</summary>
    public const int Version = 1;

    /// <summary>Writes the network to <paramref name="stream"/> (left open).</summary>
    /// <param name="network">The network.</param>
    /// <param name="stream">A writable stream.</param>
    /// <param name="model">The model, for the channels' state indices; its name must be the network's.</param>
    public static void Write(AmortizedNetwork network, ReactionNetwork model, Stream stream)
    {
        ArgumentNullException.ThrowIfNull(network);
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(stream);
        using var w = new BinaryWriter(stream, Encoding.UTF8, leaveOpen: true);
        w.Write(Encoding.ASCII.GetBytes(Magic));
        w.Write(Version);
        WriteString(w, network.ModelName);
        var net = network.Network;
        var design = network.Design;
        w.Write(net.Channels);
        for (int c = 0; c < net.Channels; c++)
        {
            WriteString(w, network.ChannelNames[c]);
            w.Write(design.NoiseSd[c]);
            w.Write(net.ValueOffset[c]);
            w.Write(net.ValueScale[c]);
        }

        w.Write(design.Count);
        w.Write(design.HorizonHours);
        w.Write(net.TimeScale);
        w.Write(net.Outputs);
        foreach (var p in network.Standardization.Parameters)
        {
            WriteString(w, p.Name);
            w.Write((int)p.Kind);
            w.Write(p.Center);
            w.Write(p.Scale);
            w.Write(p.Lower);
            w.Write(p.Upper);
            w.Write(p.LogScale);
        }

        w.Write(net.Hidden);
        w.Write(net.Weights.Length);
        foreach (double x in net.Weights)
        {
            w.Write(x);
        }
    }

    /// <summary>Reads a network written by <see cref="Write"/>.</summary>
    /// <param name="stream">The file's bytes.</param>
    /// <param name="model">The model the network must belong to (its channels are looked up by name).</param>
    /// <param name="source">The file's name, for messages.</param>
    /// <exception cref="InvalidDataException">The file is not a network file, is truncated, has a bad field, or was
    /// trained for another model; the message names the file and the field.</exception>
    public static AmortizedNetwork Read(Stream stream, ReactionNetwork model, string source)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentNullException.ThrowIfNull(model);
        using var r = new BinaryReader(stream, Encoding.UTF8, leaveOpen: true);
        string field = "magic";
        try
        {
            var magic = r.ReadBytes(Magic.Length);
            if (Encoding.ASCII.GetString(magic) != Magic)
            {
                throw Bad(source, field, $"not a ReactorTwin network file (expected '{Magic}')");
            }

            field = "version";
            int version = r.ReadInt32();
            if (version != Version)
            {
                throw Bad(source, field, $"format version {version}; this build reads version {Version}");
            }

            field = "model name";
            string modelName = ReadString(r, source, field);
            if (modelName != model.Name)
            {
                throw Bad(source, field, $"trained for model '{modelName}', not '{model.Name}'");
            }

            field = "channel count";
            int channels = Positive(r.ReadInt32(), source, field, 1 << 16);
            var names = new string[channels];
            var indices = new int[channels];
            var noise = new double[channels];
            var offset = new double[channels];
            var scale = new double[channels];
            for (int c = 0; c < channels; c++)
            {
                field = $"channel {c} name";
                names[c] = ReadString(r, source, field);
                indices[c] = model.StateNames.ToList().IndexOf(names[c]);
                if (indices[c] < 0)
                {
                    throw Bad(source, field, $"model '{model.Name}' has no state '{names[c]}'");
                }

                field = $"channel {names[c]} noise sd";
                noise[c] = r.ReadDouble();
                field = $"channel {names[c]} value offset";
                offset[c] = r.ReadDouble();
                field = $"channel {names[c]} value scale";
                scale[c] = r.ReadDouble();
            }

            field = "readings per experiment";
            int readings = Positive(r.ReadInt32(), source, field, int.MaxValue);
            field = "horizon";
            double horizon = r.ReadDouble();
            field = "time scale";
            double timeScale = r.ReadDouble();
            field = "parameter count";
            int p = Positive(r.ReadInt32(), source, field, 1 << 16);
            var parameters = new StandardizedParameter[p];
            for (int j = 0; j < p; j++)
            {
                field = $"parameter {j} name";
                string name = ReadString(r, source, field);
                if (!model.Parameters.Any(q => q.Name == name))
                {
                    throw Bad(source, field, $"model '{model.Name}' has no parameter '{name}'");
                }

                field = $"parameter {name} prior kind";
                int kind = r.ReadInt32();
                if (!Enum.IsDefined((PriorKind)kind))
                {
                    throw Bad(source, field, $"unknown prior kind {kind}");
                }

                field = $"parameter {name} prior";
                parameters[j] = new StandardizedParameter(name, (PriorKind)kind, r.ReadDouble(), r.ReadDouble(), r.ReadDouble(), r.ReadDouble(), r.ReadBoolean());
            }

            field = "hidden width";
            int hidden = Positive(r.ReadInt32(), source, field, 1 << 14);
            field = "weight count";
            int count = r.ReadInt32();
            int expected = DeepSetNetwork.WeightCount(channels, hidden, p);
            if (count != expected)
            {
                throw Bad(source, field, $"{count} weights; C = {channels}, H = {hidden}, p = {p} needs {expected}");
            }

            var weights = new double[count];
            for (int i = 0; i < count; i++)
            {
                field = $"weight {i}";
                weights[i] = r.ReadDouble();
            }

            field = "end of file";
            if (stream.CanSeek && stream.Position != stream.Length)
            {
                throw Bad(source, field, $"{stream.Length - stream.Position} bytes after the last weight");
            }

            field = "design";
            var design = new ObservationDesign(indices, noise, readings, horizon);
            design.Validate(model);
            field = "priors";
            var standardization = new PriorStandardization(parameters);
            field = "network";
            var network = new DeepSetNetwork(channels, hidden, p, timeScale, offset, scale, weights);
            return new AmortizedNetwork(modelName, names, design, standardization, network);
        }
        catch (EndOfStreamException)
        {
            throw Bad(source, field, "the file ends here (truncated)");
        }
        catch (ArgumentException ex)
        {
            throw Bad(source, field, ex.Message);
        }
    }

    private static void WriteString(BinaryWriter w, string s)
    {
        var bytes = Encoding.UTF8.GetBytes(s);
        w.Write(bytes.Length);
        w.Write(bytes);
    }

    private static string ReadString(BinaryReader r, string source, string field)
    {
        int length = r.ReadInt32();
        if (length < 0 || length > 4096)
        {
            throw Bad(source, field, $"string length {length} out of range");
        }

        var bytes = r.ReadBytes(length);
        if (bytes.Length != length)
        {
            throw new EndOfStreamException();
        }

        return Encoding.UTF8.GetString(bytes);
    }

    private static int Positive(int value, string source, string field, int max) =>
        value >= 1 && value <= max ? value : throw Bad(source, field, $"{value} is out of range [1, {max}]");

    private static InvalidDataException Bad(string source, string field, string problem) => new($"{source}: {field}: {problem}");
}
