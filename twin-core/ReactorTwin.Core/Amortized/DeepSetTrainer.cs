using System.Globalization;
using ReactorTwin.Core.Estimation;
using ReactorTwin.Core.Models;

namespace ReactorTwin.Core.Amortized;

/// <summary>
/// Trains a <see cref="DeepSetNetwork"/> on simulated experiments by minimising the mean Gaussian NLL of the true
/// standardised parameters (<see cref="DeepSetGradient"/>) with Adam (Kingma and Ba; β₁ = 0.9, β₂ = 0.999, ε = 1e−8,
/// the same update as seed 001 eq. 11) on seeded shuffled mini-batches, the step size decaying exponentially from
/// <see cref="AmortizedTrainingOptions.LearningRate"/> to its final fraction. The last part of the set is held out:
/// its loss after each epoch is the loss curve, and the weights of the epoch where it was lowest are kept.
/// Input scaling: T = the design's horizon, m_c and s_c the mean and sd of channel c's values in the training part.
/// Initial weights: Glorot-uniform, the output layer scaled by 0.1 so that training starts near the prior
/// (μ ≈ 0, sd ≈ 1). Single-threaded with a fixed order of summation: repeatable bit for bit.
/// </summary>
public static class DeepSetTrainer
{
    private const double Beta1 = 0.9;
    private const double Beta2 = 0.999;
    private const double Epsilon = 1e-8;

    /// <summary>Trains a network on <paramref name="set"/>.</summary>
    /// <param name="model">The model simulated (its name and state names go into the result).</param>
    /// <param name="design">The design the set was simulated with.</param>
    /// <param name="standardization">The prior map the set's z come from.</param>
    /// <param name="set">The simulated experiments (at least 2, so that one can be held out).</param>
    /// <param name="options">Settings; null for defaults.</param>
    /// <param name="cancellationToken">Stops training after the current mini-batch with <see cref="OperationCanceledException"/>.</param>
    public static AmortizedTrainingResult Train(ReactionNetwork model, ObservationDesign design, PriorStandardization standardization, TrainingSet set, AmortizedTrainingOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(design);
        ArgumentNullException.ThrowIfNull(standardization);
        ArgumentNullException.ThrowIfNull(set);
        options ??= new AmortizedTrainingOptions();
        options.Validate();
        design.Validate(model);
        if (set.ParameterCount != standardization.Dimension)
        {
            throw new ArgumentException($"the set has {set.ParameterCount} parameters, the prior map {standardization.Dimension}", nameof(set));
        }

        int heldOut = Math.Max(1, (int)Math.Round(set.Count * options.HeldOutFraction));
        int training = set.Count - heldOut;
        if (training < 1)
        {
            throw new ArgumentException($"{set.Count} experiments leave none to train on after holding out {heldOut}", nameof(set));
        }

        var (offset, scale) = ValueScaling(set, training, design.ChannelCount);
        var random = new Random(options.Seed);
        int c = design.ChannelCount, h = options.Hidden, p = set.ParameterCount;
        var weights = new double[DeepSetNetwork.WeightCount(c, h, p)];
        var network = new DeepSetNetwork(c, h, p, design.HorizonHours, offset, scale, weights);
        Initialise(network, random);
        var gradient = new DeepSetGradient(network);
        var g = new double[weights.Length];
        var m = new double[weights.Length];
        var v = new double[weights.Length];
        var best = (double[])weights.Clone();
        double bestLoss = double.PositiveInfinity;
        int bestEpoch = 0;
        var trainLoss = new double[options.Epochs];
        var heldLoss = new double[options.Epochs];
        var order = new int[training];
        for (int i = 0; i < training; i++)
        {
            order[i] = i;
        }

        long step = 0;
        double decay = Math.Log(options.FinalLearningRateFraction) / Math.Max(1, options.Epochs - 1);
        for (int epoch = 0; epoch < options.Epochs; epoch++)
        {
            random.Shuffle(order);
            double lr = options.LearningRate * Math.Exp(decay * epoch);
            double sum = 0;
            for (int start = 0; start < training; start += options.BatchSize)
            {
                cancellationToken.ThrowIfCancellationRequested();
                int end = Math.Min(training, start + options.BatchSize);
                Array.Clear(g);
                for (int b = start; b < end; b++)
                {
                    int k = order[b];
                    sum += gradient.Accumulate(set.TimesOf(k), set.ChannelsOf(k), set.ValuesOf(k), set.ZOf(k), g);
                }

                step++;
                AdamStep(weights, g, m, v, 1.0 / (end - start), lr, step);
            }

            trainLoss[epoch] = sum / training;
            heldLoss[epoch] = MeanLoss(network, set, training, set.Count);
            if (heldLoss[epoch] < bestLoss)
            {
                bestLoss = heldLoss[epoch];
                bestEpoch = epoch;
                Array.Copy(weights, best, weights.Length);
            }

            options.Progress?.Report(new EstimationProgress("train", epoch + 1, options.Epochs, "epochs",
                string.Create(CultureInfo.InvariantCulture, $"held-out NLL {heldLoss[epoch]:F3} (best {bestLoss:F3} at epoch {bestEpoch + 1})")));
        }

        Array.Copy(best, weights, weights.Length);
        var channelNames = design.Channels.Select(i => model.StateNames[i]).ToArray();
        return new AmortizedTrainingResult(new AmortizedNetwork(model.Name, channelNames, design, standardization, network), trainLoss, heldLoss, bestEpoch, training, heldOut);
    }

    /// <summary>Mean NLL per experiment of experiments [from, to) (the constant p/2 · ln 2π dropped).</summary>
    public static double MeanLoss(DeepSetNetwork network, TrainingSet set, int from, int to)
    {
        ArgumentNullException.ThrowIfNull(network);
        ArgumentNullException.ThrowIfNull(set);
        int p = network.Outputs;
        var mean = new double[p];
        var logSd = new double[p];
        double sum = 0;
        for (int k = from; k < to; k++)
        {
            network.Forward(set.TimesOf(k), set.ChannelsOf(k), set.ValuesOf(k), mean, logSd);
            var z = set.ZOf(k);
            for (int j = 0; j < p; j++)
            {
                double r = (z[j] - mean[j]) * Math.Exp(-logSd[j]);
                sum += logSd[j] + (0.5 * r * r);
            }
        }

        return sum / (to - from);
    }

    /// <summary>One Adam update of w with gradient g·<paramref name="gradientScale"/>.</summary>
    internal static void AdamStep(double[] w, double[] g, double[] m, double[] v, double gradientScale, double lr, long step)
    {
        double c1 = 1.0 - Math.Pow(Beta1, step), c2 = 1.0 - Math.Pow(Beta2, step);
        for (int i = 0; i < w.Length; i++)
        {
            double gi = g[i] * gradientScale;
            m[i] = (Beta1 * m[i]) + ((1 - Beta1) * gi);
            v[i] = (Beta2 * v[i]) + ((1 - Beta2) * gi * gi);
            w[i] -= lr * (m[i] / c1) / (Math.Sqrt(v[i] / c2) + Epsilon);
        }
    }

    /// <summary>Glorot-uniform weights, zero biases, the output layer ×0.1.</summary>
    internal static void Initialise(DeepSetNetwork network, Random random)
    {
        var w = network.Weights;
        Array.Clear(w);
        int h = network.Hidden, d = network.InputDimension, o = 2 * network.Outputs;
        Fill(w, network.OffsetW1, h * d, d, h, 1.0, random);
        Fill(w, network.OffsetW2, h * h, h, h, 1.0, random);
        Fill(w, network.OffsetW3, h * h, h, h, 1.0, random);
        Fill(w, network.OffsetW4, o * h, h, o, 0.1, random);
    }

    private static void Fill(double[] w, int offset, int count, int fanIn, int fanOut, double gain, Random random)
    {
        double limit = gain * Math.Sqrt(6.0 / (fanIn + fanOut));
        for (int i = 0; i < count; i++)
        {
            w[offset + i] = ((2 * random.NextDouble()) - 1) * limit;
        }
    }

    /// <summary>Mean and sd of each channel's values over the first <paramref name="training"/> experiments
    /// (sd 1 for a channel with fewer than two readings or no spread).</summary>
    private static (double[] Offset, double[] Scale) ValueScaling(TrainingSet set, int training, int channels)
    {
        var sum = new double[channels];
        var sq = new double[channels];
        var count = new long[channels];
        int readings = training * set.Readings;
        for (int i = 0; i < readings; i++)
        {
            int c = set.Channels[i];
            sum[c] += set.Values[i];
            count[c]++;
        }

        var offset = new double[channels];
        var scale = new double[channels];
        for (int c = 0; c < channels; c++)
        {
            offset[c] = count[c] > 0 ? sum[c] / count[c] : 0.0;
        }

        for (int i = 0; i < readings; i++)
        {
            int c = set.Channels[i];
            double e = set.Values[i] - offset[c];
            sq[c] += e * e;
        }

        for (int c = 0; c < channels; c++)
        {
            double sd = count[c] > 1 ? Math.Sqrt(sq[c] / (count[c] - 1)) : 0.0;
            scale[c] = sd > 0 ? sd : 1.0;
        }

        return (offset, scale);
    }
}
