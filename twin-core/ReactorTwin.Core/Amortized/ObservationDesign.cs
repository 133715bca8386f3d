using ReactorTwin.Core.Models;

namespace ReactorTwin.Core.Amortized;

/// <summary>
/// The experiments a network is trained for (seed 002 section 2.2): <see cref="Count"/> readings at times drawn
/// uniformly on [0, <see cref="HorizonHours"/>], each of one channel drawn uniformly among <see cref="Channels"/> (the
/// channels are not aligned), with Gaussian noise of sd <see cref="NoiseSd"/> in that channel's unit.
/// </summary>
/// <param name="Channels">Measured state components (indices into the model's state), distinct.</param>
/// <param name="NoiseSd">Measurement noise sd of each channel (state unit), &gt; 0.</param>
/// <param name="Count">Readings per experiment, ≥ 1 (seed 002: 14 for MMK, 30 for E. coli).</param>
/// <param name="HorizonHours">Length of the experiment in hours, &gt; 0 (seed 002: 2 h for MMK, 6 h for E. coli).</param>
public sealed record ObservationDesign(int[] Channels, double[] NoiseSd, int Count, double HorizonHours)
{
    /// <summary>Number of channels C.</summary>
    public int ChannelCount => Channels.Length;

    /// <summary>Seed 002's MMK design on the built-in <c>mmk</c> model: S and P, 14 readings over 2 h, noise sd
    /// 0.1 mM on both (the seed does not state its noise).</summary>
    public static ObservationDesign Seed002Mmk(ReactionNetwork model)
    {
        ArgumentNullException.ThrowIfNull(model);
        return new ObservationDesign([IndexOf(model, "S"), IndexOf(model, "P")], [0.1, 0.1], 14, 2.0);
    }

    /// <summary>Seed 002's E. coli design on the built-in <c>ecoli-batch</c> model (Anane et al. 2017 as a batch): X, S, A
    /// and the probe's DOTm (seed 002, Figure 3), 30 readings over 6 h, noise sd 0.05 g/L (X), 0.1 g/L (S), 0.01 g/L (A)
    /// and 1 % of air saturation (DOTm) (the seed does not state its noise).</summary>
    public static ObservationDesign Seed002Ecoli(ReactionNetwork model)
    {
        ArgumentNullException.ThrowIfNull(model);
        return new ObservationDesign([IndexOf(model, "X"), IndexOf(model, "S"), IndexOf(model, "A"), IndexOf(model, "DOTm")], [0.05, 0.1, 0.01, 1.0], 30, 6.0);
    }

    /// <summary>Checks the design against a model.</summary>
    /// <exception cref="ArgumentException">Names what is wrong.</exception>
    public void Validate(ReactionNetwork model)
    {
        ArgumentNullException.ThrowIfNull(model);
        if (Channels is null || Channels.Length == 0)
        {
            throw new ArgumentException("the observation design measures no channel");
        }

        if (NoiseSd is null || NoiseSd.Length != Channels.Length)
        {
            throw new ArgumentException($"the observation design has {Channels.Length} channels but {NoiseSd?.Length ?? 0} noise sds");
        }

        for (int c = 0; c < Channels.Length; c++)
        {
            if (Channels[c] < 0 || Channels[c] >= model.StateDimension)
            {
                throw new ArgumentException($"channel {c}: state index {Channels[c]} is not in model '{model.Name}' (0..{model.StateDimension - 1})");
            }

            if (Array.IndexOf(Channels, Channels[c]) != c)
            {
                throw new ArgumentException($"channel {model.StateNames[Channels[c]]} is listed twice");
            }

            if (!(NoiseSd[c] > 0) || double.IsInfinity(NoiseSd[c]))
            {
                throw new ArgumentException($"channel {model.StateNames[Channels[c]]}: noise sd must be finite and > 0 (got {NoiseSd[c]})");
            }
        }

        if (Count < 1)
        {
            throw new ArgumentException($"readings per experiment must be ≥ 1 (got {Count})");
        }

        if (!(HorizonHours > 0) || double.IsInfinity(HorizonHours))
        {
            throw new ArgumentException($"the horizon must be finite and > 0 h (got {HorizonHours})");
        }
    }

    private static int IndexOf(ReactionNetwork model, string name)
    {
        int i = model.StateNames.ToList().IndexOf(name);
        return i >= 0 ? i : throw new ArgumentException($"model '{model.Name}' has no state '{name}'");
    }
}
