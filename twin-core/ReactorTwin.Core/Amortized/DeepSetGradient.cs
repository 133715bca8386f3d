namespace ReactorTwin.Core.Amortized;

/// <summary>
/// The Gaussian negative log-likelihood of true standardised parameters z under a <see cref="DeepSetNetwork"/>'s output,
/// NLL = Σ_j [ℓ_j + ½ r_j²], r_j = (z_j − μ_j) e^{−ℓ_j} (the constant p/2 · ln 2π dropped), and its exact gradient with
/// respect to every weight by reverse-mode differentiation written out layer by layer: ∂NLL/∂μ_j = −r_j e^{−ℓ_j},
/// ∂NLL/∂ℓ_j = 1 − r_j² (0 where ℓ is clipped), then back through W₄, tanh, W₃, the mean pooling (each reading gets
/// 1/n of ∂/∂h̄), W₂, tanh and W₁. Buffers grow to the largest n seen and are then reused; not thread-safe.
/// </summary>
public sealed class DeepSetGradient
{
    private readonly DeepSetNetwork _net;
    private double[] _h1 = [];
    private double[] _h2 = [];
    private readonly double[] _pooled;
    private readonly double[] _h3;
    private readonly double[] _mean;
    private readonly double[] _logSd;
    private readonly double[] _dOut;
    private readonly double[] _dH3;
    private readonly double[] _dPooled;
    private readonly double[] _dA2;
    private readonly double[] _dA1;

    /// <summary>Creates the workspace for one network.</summary>
    public DeepSetGradient(DeepSetNetwork network)
    {
        ArgumentNullException.ThrowIfNull(network);
        _net = network;
        int h = network.Hidden, p = network.Outputs;
        _pooled = new double[h];
        _h3 = new double[h];
        _mean = new double[p];
        _logSd = new double[p];
        _dOut = new double[2 * p];
        _dH3 = new double[h];
        _dPooled = new double[h];
        _dA2 = new double[h];
        _dA1 = new double[h];
    }

    /// <summary>The network differentiated.</summary>
    public DeepSetNetwork Network => _net;

    /// <summary>Computes the NLL of <paramref name="z"/> given the readings and adds its gradient to
    /// <paramref name="gradient"/> (length <see cref="DeepSetNetwork.WeightCount"/>; not cleared).</summary>
    /// <returns>The NLL (without the constant).</returns>
    public double Accumulate(ReadOnlySpan<double> times, ReadOnlySpan<int> channels, ReadOnlySpan<double> values, ReadOnlySpan<double> z, Span<double> gradient)
    {
        var net = _net;
        DeepSetNetwork.CheckReadings(times.Length, channels.Length, values.Length);
        int n = times.Length, hidden = net.Hidden, p = net.Outputs, d = net.InputDimension;
        if (z.Length != p || gradient.Length != net.Weights.Length)
        {
            throw new ArgumentException($"z needs {p} values and the gradient {net.Weights.Length}");
        }

        if (_h1.Length < n * hidden)
        {
            _h1 = new double[n * hidden];
            _h2 = new double[n * hidden];
        }

        // Forward, keeping each reading's activations.
        Array.Clear(_pooled);
        for (int i = 0; i < n; i++)
        {
            var h1 = _h1.AsSpan(i * hidden, hidden);
            var h2 = _h2.AsSpan(i * hidden, hidden);
            net.Encode(times[i], channels[i], values[i], h1, h2);
            for (int h = 0; h < hidden; h++)
            {
                _pooled[h] += h2[h];
            }
        }

        double inv = 1.0 / n;
        for (int h = 0; h < hidden; h++)
        {
            _pooled[h] *= inv;
        }

        net.Head(_pooled, _h3, _mean, _logSd);
        var w = net.Weights;

        // Loss and ∂/∂o.
        double loss = 0;
        for (int j = 0; j < p; j++)
        {
            double ell = _logSd[j];
            double precisionRoot = Math.Exp(-ell);
            double r = (z[j] - _mean[j]) * precisionRoot;
            loss += ell + (0.5 * r * r);
            _dOut[j] = -r * precisionRoot;
            double raw = RawOutput(w, p + j);
            _dOut[p + j] = raw > DeepSetNetwork.MinLogSd && raw < DeepSetNetwork.MaxLogSd ? 1.0 - (r * r) : 0.0;
        }

        // Head: o = W4 h3 + b4; h3 = tanh(W3 pooled + b3).
        Array.Clear(_dH3);
        for (int j = 0; j < 2 * p; j++)
        {
            double g = _dOut[j];
            int row = net.OffsetW4 + (j * hidden);
            gradient[net.OffsetB4 + j] += g;
            for (int h = 0; h < hidden; h++)
            {
                gradient[row + h] += g * _h3[h];
                _dH3[h] += w[row + h] * g;
            }
        }

        Array.Clear(_dPooled);
        for (int r = 0; r < hidden; r++)
        {
            double da3 = _dH3[r] * (1.0 - (_h3[r] * _h3[r]));
            int row = net.OffsetW3 + (r * hidden);
            gradient[net.OffsetB3 + r] += da3;
            for (int h = 0; h < hidden; h++)
            {
                gradient[row + h] += da3 * _pooled[h];
                _dPooled[h] += w[row + h] * da3;
            }
        }

        // Encoder, per reading: ∂/∂h2_i = ∂/∂h̄ / n.
        for (int i = 0; i < n; i++)
        {
            var h1 = _h1.AsSpan(i * hidden, hidden);
            var h2 = _h2.AsSpan(i * hidden, hidden);
            Array.Clear(_dA1);
            for (int r = 0; r < hidden; r++)
            {
                double da2 = _dPooled[r] * inv * (1.0 - (h2[r] * h2[r]));
                _dA2[r] = da2;
                int row = net.OffsetW2 + (r * hidden);
                gradient[net.OffsetB2 + r] += da2;
                for (int h = 0; h < hidden; h++)
                {
                    gradient[row + h] += da2 * h1[h];
                    _dA1[h] += w[row + h] * da2;
                }
            }

            int c = channels[i];
            double x0 = times[i] / net.TimeScale;
            double xv = (values[i] - net.ValueOffset[c]) / net.ValueScale[c];
            for (int h = 0; h < hidden; h++)
            {
                double da1 = _dA1[h] * (1.0 - (h1[h] * h1[h]));
                int row = net.OffsetW1 + (h * d);
                gradient[row] += da1 * x0;
                gradient[row + 1 + c] += da1;
                gradient[row + d - 1] += da1 * xv;
                gradient[net.OffsetB1 + h] += da1;
            }
        }

        return loss;
    }

    /// <summary>Output j of the head before the clip, recomputed from h3.</summary>
    private double RawOutput(double[] w, int j)
    {
        int hidden = _net.Hidden;
        int row = _net.OffsetW4 + (j * hidden);
        double s = w[_net.OffsetB4 + j];
        for (int h = 0; h < hidden; h++)
        {
            s += w[row + h] * _h3[h];
        }

        return s;
    }
}
