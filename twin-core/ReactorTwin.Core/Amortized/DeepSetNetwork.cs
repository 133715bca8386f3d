using System.Numerics;

namespace ReactorTwin.Core.Amortized;

/// <summary>
/// Seed 002's inference network: a Deep Set (Zaheer et al.) over triplet-encoded readings (Yalavarthi et al.) with a
/// Gaussian head. Reading i = (t_i, c_i, y_i) becomes x_i = (t_i / T, one-hot_C(c_i), (y_i − m_c)/s_c) ∈ ℝ^{C+2};
/// the encoder φ(x) = tanh(W₂ tanh(W₁ x + b₁) + b₂) ∈ ℝ^H is averaged over the readings,
/// h̄ = (1/n) Σ_i φ(x_i), and the head o = W₄ tanh(W₃ h̄ + b₃) + b₄ ∈ ℝ^{2p} gives the posterior mean μ = o[0..p) and
/// log-sd ℓ = clip(o[p..2p), −7, 3) of the parameters in the prior-standardised space (z = g(θ),
/// <see cref="PriorStandardization"/>). The output does not depend on the order of the readings, and any n ≥ 1 works.
/// Weights are one flat array in the order W₁ (H × (C+2), row-major), b₁, W₂ (H × H), b₂, W₃ (H × H), b₃,
/// W₄ (2p × H), b₄ (the order of the weight file, docs/amortized-inference.md). After construction
/// <see cref="Forward"/> allocates nothing; not thread-safe (one instance per thread, <see cref="Clone"/>).
/// </summary>
public sealed class DeepSetNetwork
{
    /// <summary>Lower clip of the log-sd output.</summary>
    public const double MinLogSd = -7.0;

    /// <summary>Upper clip of the log-sd output.</summary>
    public const double MaxLogSd = 3.0;

    private readonly double[] _a1;
    private readonly double[] _h2;
    private readonly double[] _pooled;
    private readonly double[] _h3;

    /// <summary>Creates a network from its sizes, input scaling and weights.</summary>
    /// <param name="channels">Channels C ≥ 1.</param>
    /// <param name="hidden">Width H ≥ 1 of every hidden layer.</param>
    /// <param name="outputs">Parameters p ≥ 1.</param>
    /// <param name="timeScale">T &gt; 0 (h): times are divided by it.</param>
    /// <param name="valueOffset">m_c per channel.</param>
    /// <param name="valueScale">s_c &gt; 0 per channel.</param>
    /// <param name="weights"><see cref="WeightCount"/> finite weights (kept, not copied).</param>
    /// <exception cref="ArgumentException">A size, scale or weight is invalid.</exception>
    public DeepSetNetwork(int channels, int hidden, int outputs, double timeScale, double[] valueOffset, double[] valueScale, double[] weights)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(channels, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(hidden, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(outputs, 1);
        ArgumentNullException.ThrowIfNull(valueOffset);
        ArgumentNullException.ThrowIfNull(valueScale);
        ArgumentNullException.ThrowIfNull(weights);
        if (!(timeScale > 0) || double.IsInfinity(timeScale))
        {
            throw new ArgumentException($"the time scale must be finite and > 0 (got {timeScale})", nameof(timeScale));
        }

        if (valueOffset.Length != channels || valueScale.Length != channels)
        {
            throw new ArgumentException($"{channels} channels need {channels} value offsets and scales (got {valueOffset.Length}, {valueScale.Length})", nameof(valueScale));
        }

        for (int c = 0; c < channels; c++)
        {
            if (!double.IsFinite(valueOffset[c]) || !(valueScale[c] > 0) || double.IsInfinity(valueScale[c]))
            {
                throw new ArgumentException($"channel {c}: value offset {valueOffset[c]} and scale {valueScale[c]} must be finite, the scale > 0", nameof(valueScale));
            }
        }

        int count = WeightCount(channels, hidden, outputs);
        if (weights.Length != count)
        {
            throw new ArgumentException($"a network with C = {channels}, H = {hidden}, p = {outputs} has {count} weights, not {weights.Length}", nameof(weights));
        }

        for (int w = 0; w < weights.Length; w++)
        {
            if (!double.IsFinite(weights[w]))
            {
                throw new ArgumentException($"weight {w} is not finite ({weights[w]})", nameof(weights));
            }
        }

        Channels = channels;
        Hidden = hidden;
        Outputs = outputs;
        TimeScale = timeScale;
        ValueOffset = valueOffset;
        ValueScale = valueScale;
        Weights = weights;
        int d = InputDimension;
        OffsetW1 = 0;
        OffsetB1 = hidden * d;
        OffsetW2 = OffsetB1 + hidden;
        OffsetB2 = OffsetW2 + (hidden * hidden);
        OffsetW3 = OffsetB2 + hidden;
        OffsetB3 = OffsetW3 + (hidden * hidden);
        OffsetW4 = OffsetB3 + hidden;
        OffsetB4 = OffsetW4 + (2 * outputs * hidden);
        _a1 = new double[hidden];
        _h2 = new double[hidden];
        _pooled = new double[hidden];
        _h3 = new double[hidden];
    }

    /// <summary>Number of weights of a network with C channels, width H and p parameters.</summary>
    public static int WeightCount(int channels, int hidden, int outputs) =>
        (hidden * (channels + 2)) + hidden + (2 * ((hidden * hidden) + hidden)) + (2 * outputs * hidden) + (2 * outputs);

    /// <summary>Channels C.</summary>
    public int Channels { get; }

    /// <summary>Hidden width H.</summary>
    public int Hidden { get; }

    /// <summary>Parameters p.</summary>
    public int Outputs { get; }

    /// <summary>Triplet dimension C + 2.</summary>
    public int InputDimension => Channels + 2;

    /// <summary>T (h).</summary>
    public double TimeScale { get; }

    /// <summary>m_c.</summary>
    public IReadOnlyList<double> ValueOffset { get; }

    /// <summary>s_c.</summary>
    public IReadOnlyList<double> ValueScale { get; }

    /// <summary>The flat weights (shared with the trainer, which updates them in place).</summary>
    public double[] Weights { get; }

    internal int OffsetW1 { get; }

    internal int OffsetB1 { get; }

    internal int OffsetW2 { get; }

    internal int OffsetB2 { get; }

    internal int OffsetW3 { get; }

    internal int OffsetB3 { get; }

    internal int OffsetW4 { get; }

    internal int OffsetB4 { get; }

    /// <summary>A network with the same weights (copied) and its own buffers, for another thread.</summary>
    public DeepSetNetwork Clone() => new(Channels, Hidden, Outputs, TimeScale, [.. ValueOffset], [.. ValueScale], [.. Weights]);

    /// <summary>Evaluates the network on n readings.</summary>
    /// <param name="times">t_i in hours.</param>
    /// <param name="channels">c_i ∈ [0, C).</param>
    /// <param name="values">y_i in the channel's unit.</param>
    /// <param name="mean">p outputs: posterior mean μ in z.</param>
    /// <param name="logSd">p outputs: posterior log-sd ℓ in z.</param>
    /// <exception cref="ArgumentException">No reading, lengths differ, or a channel is out of range.</exception>
    public void Forward(ReadOnlySpan<double> times, ReadOnlySpan<int> channels, ReadOnlySpan<double> values, Span<double> mean, Span<double> logSd)
    {
        CheckReadings(times.Length, channels.Length, values.Length);
        if (mean.Length < Outputs || logSd.Length < Outputs)
        {
            throw new ArgumentException($"the outputs need {Outputs} values each");
        }

        int n = times.Length;
        Array.Clear(_pooled);
        for (int i = 0; i < n; i++)
        {
            Encode(times[i], channels[i], values[i], _a1, _h2);
            for (int h = 0; h < Hidden; h++)
            {
                _pooled[h] += _h2[h];
            }
        }

        double inv = 1.0 / n;
        for (int h = 0; h < Hidden; h++)
        {
            _pooled[h] *= inv;
        }

        Head(_pooled, _h3, mean, logSd);
    }

    /// <summary>Throws unless n ≥ 1 and the three lengths agree (channels are checked as they are read).</summary>
    internal static void CheckReadings(int times, int channels, int values)
    {
        if (times == 0)
        {
            throw new ArgumentException("the network needs at least one reading");
        }

        if (channels != times || values != times)
        {
            throw new ArgumentException($"{times} times, {channels} channels and {values} values: the lengths must agree");
        }
    }

    /// <summary>h1 = tanh(W₁x + b₁), h2 = tanh(W₂h1 + b₂) for one reading (the one-hot part read as one column).</summary>
    internal void Encode(double time, int channel, double value, Span<double> h1, Span<double> h2)
    {
        if ((uint)channel >= (uint)Channels)
        {
            throw new ArgumentException($"channel {channel} is not in [0, {Channels})");
        }

        var w = Weights;
        int d = InputDimension;
        double x0 = time / TimeScale;
        double xv = (value - ValueOffset[channel]) / ValueScale[channel];
        for (int h = 0; h < Hidden; h++)
        {
            int row = OffsetW1 + (h * d);
            h1[h] = Tanh((w[row] * x0) + w[row + 1 + channel] + (w[row + d - 1] * xv) + w[OffsetB1 + h]);
        }

        Dense(w, OffsetW2, OffsetB2, Hidden, Hidden, h1, h2);
        for (int h = 0; h < Hidden; h++)
        {
            h2[h] = Tanh(h2[h]);
        }
    }

    /// <summary>h3 = tanh(W₃ h̄ + b₃), o = W₄ h3 + b₄ split into μ and the clipped ℓ.</summary>
    internal void Head(ReadOnlySpan<double> pooled, Span<double> h3, Span<double> mean, Span<double> logSd)
    {
        var w = Weights;
        Dense(w, OffsetW3, OffsetB3, Hidden, Hidden, pooled, h3);
        for (int h = 0; h < Hidden; h++)
        {
            h3[h] = Tanh(h3[h]);
        }

        for (int j = 0; j < 2 * Outputs; j++)
        {
            int row = OffsetW4 + (j * Hidden);
            double s = w[OffsetB4 + j];
            for (int h = 0; h < Hidden; h++)
            {
                s += w[row + h] * h3[h];
            }

            if (j < Outputs)
            {
                mean[j] = s;
            }
            else
            {
                logSd[j - Outputs] = Math.Clamp(s, MinLogSd, MaxLogSd);
            }
        }
    }

    /// <summary>y = W x + b with W (rows × cols) at <paramref name="offsetW"/>, b at <paramref name="offsetB"/>.</summary>
    internal static void Dense(double[] w, int offsetW, int offsetB, int rows, int cols, ReadOnlySpan<double> x, Span<double> y)
    {
        for (int r = 0; r < rows; r++)
        {
            var row = w.AsSpan(offsetW + (r * cols), cols);
            var acc = Vector<double>.Zero;
            int k = 0;
            for (; k <= cols - Vector<double>.Count; k += Vector<double>.Count)
            {
                acc += new Vector<double>(row.Slice(k)) * new Vector<double>(x.Slice(k));
            }

            double s = w[offsetB + r] + Vector.Sum(acc);
            for (; k < cols; k++)
            {
                s += row[k] * x[k];
            }

            y[r] = s;
        }
    }

    /// <summary>tanh x = (e^{2x} − 1)/(e^{2x} + 1), ±1 beyond |x| = 20 (where tanh is 1 to double precision); absolute
    /// error about 1e−16, and faster than <see cref="Math.Tanh"/>.</summary>
    internal static double Tanh(double x)
    {
        if (x > 20)
        {
            return 1.0;
        }

        if (x < -20)
        {
            return -1.0;
        }

        double e = Math.Exp(2 * x);
        return (e - 1) / (e + 1);
    }
}
