using ReactorTwin.Core.Estimation;

namespace ReactorTwin.Core.Amortized;

/// <summary>Settings of <see cref="DeepSetTrainer"/>.</summary>
public sealed record AmortizedTrainingOptions
{
    /// <summary>Width H of every hidden layer (default 32).</summary>
    public int Hidden { get; init; } = 32;

    /// <summary>Passes over the training part (default 60).</summary>
    public int Epochs { get; init; } = 60;

    /// <summary>Experiments per Adam step (default 64).</summary>
    public int BatchSize { get; init; } = 64;

    /// <summary>Adam's initial step size (default 2e−3).</summary>
    public double LearningRate { get; init; } = 2e-3;

    /// <summary>The step size decays exponentially to this fraction of <see cref="LearningRate"/> at the last epoch
    /// (default 0.05).</summary>
    public double FinalLearningRateFraction { get; init; } = 0.05;

    /// <summary>Fraction of the experiments held out for the loss curve and the choice of the kept epoch (default 0.1).</summary>
    public double HeldOutFraction { get; init; } = 0.1;

    /// <summary>Seed of the initial weights and the shuffles.</summary>
    public int Seed { get; init; } = 1;

    /// <summary>Receives "train" progress in epochs (detail: the held-out loss); null for none.</summary>
    public IProgress<EstimationProgress>? Progress { get; init; }

    /// <summary>Throws when a setting is out of range, naming it.</summary>
    public void Validate()
    {
        if (Hidden < 1)
        {
            throw new ArgumentException($"Hidden must be ≥ 1 (got {Hidden})");
        }

        if (Epochs < 1)
        {
            throw new ArgumentException($"Epochs must be ≥ 1 (got {Epochs})");
        }

        if (BatchSize < 1)
        {
            throw new ArgumentException($"BatchSize must be ≥ 1 (got {BatchSize})");
        }

        if (!(LearningRate > 0) || double.IsInfinity(LearningRate))
        {
            throw new ArgumentException($"LearningRate must be finite and > 0 (got {LearningRate})");
        }

        if (!(FinalLearningRateFraction > 0 && FinalLearningRateFraction <= 1))
        {
            throw new ArgumentException($"FinalLearningRateFraction must be in (0, 1] (got {FinalLearningRateFraction})");
        }

        if (!(HeldOutFraction > 0 && HeldOutFraction < 1))
        {
            throw new ArgumentException($"HeldOutFraction must be in (0, 1) (got {HeldOutFraction})");
        }
    }
}

/// <summary>What training produced.</summary>
/// <param name="Network">The network at the epoch with the lowest held-out loss.</param>
/// <param name="TrainingLoss">Mean NLL per experiment over the training part, per epoch (during the epoch).</param>
/// <param name="HeldOutLoss">Mean NLL per experiment over the held-out part, after each epoch.</param>
/// <param name="BestEpoch">The kept epoch (0-based).</param>
/// <param name="TrainingCount">Experiments trained on.</param>
/// <param name="HeldOutCount">Experiments held out.</param>
public sealed record AmortizedTrainingResult(AmortizedNetwork Network, double[] TrainingLoss, double[] HeldOutLoss, int BestEpoch, int TrainingCount, int HeldOutCount);
