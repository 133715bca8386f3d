using ReactorTwin.Core.Design;
using ReactorTwin.Core.Models;

namespace ReactorTwin.Runtime.Twin;

/// <summary>One sensor channel the twin accepts: which state component, its measurement noise and its plausible range.</summary>
/// <param name="Component">State component (species or cell phase) of the model.</param>
/// <param name="NoiseSd">Absolute measurement noise SD (model units) for the Kalman–LNA filter.</param>
/// <param name="NoiseRelative">Relative measurement noise SD (fraction of the value).</param>
/// <param name="Min">Smallest plausible value (model units); below is rejected.</param>
/// <param name="Max">Largest plausible value (model units); above is rejected.</param>
public sealed record TwinChannel(string Component, double NoiseSd, double NoiseRelative, double Min, double Max);

/// <summary>Settings of one reactor's twin.</summary>
public sealed record TwinOptions
{
    /// <summary>Reactor id (topic level).</summary>
    public required string ReactorId { get; init; }

    /// <summary>The twin's model.</summary>
    public required ReactionNetwork Model { get; init; }

    /// <summary>Accepted sensor channels.</summary>
    public required IReadOnlyList<TwinChannel> Channels { get; init; }

    /// <summary>The twin's initial parameter guess (full vector); null for the model's nominal values.</summary>
    public double[]? InitialParameters { get; init; }

    /// <summary>Priors to use instead of the model's, by parameter name (for example centred on a lab's own prior
    /// knowledge); null uses the model's (<see cref="ReactorTwin.Core.Models.Parameter.EffectivePrior"/>).</summary>
    public IReadOnlyDictionary<string, ReactorTwin.Core.Models.PriorSpec>? Priors { get; init; }

    /// <summary>The design space of the next batch's setpoints; null disables proposals.</summary>
    public DesignSpace? Design { get; init; }

    /// <summary>Design policy: d-optimal (default) or random.</summary>
    public string Policy { get; init; } = "d-optimal";

    /// <summary>Apply proposals automatically (publish them on the set topic) instead of waiting for a person.</summary>
    public bool AutoApply { get; init; } = true;

    /// <summary>Safety bounds applied setpoints are clamped to (component → [min, max]); proposals outside are clamped
    /// and the clamp is reported.</summary>
    public IReadOnlyDictionary<string, (double Min, double Max)> SafetyBounds { get; init; } = new Dictionary<string, (double, double)>();

    /// <summary>Seed of the policy's randomness.</summary>
    public int Seed { get; init; } = 1;

    /// <summary>Least culture time (h) between two published predictions of the same batch; 0 publishes after every
    /// measurement. Each prediction costs an LNA solve to the end of the batch, so a high-rate sensor (e.g. one reading
    /// per second) needs a throttle; the filter itself absorbs every measurement regardless.</summary>
    public double MinPredictionIntervalHours { get; init; }

    /// <summary>Step (culture hours) of the forecast grid published with every prediction (<see cref="ForecastOutput"/>:
    /// from the latest measurement to the batch's planned end, at every multiple of the step between, and at both
    /// ends); 0 (default) publishes no forecast. Each grid time costs one more prediction (an LNA solve, and one per
    /// point of the parameter ensemble once a batch has completed), so a step of a few hours is plenty.</summary>
    public double ForecastStepHours { get; init; }

    /// <summary>A trained amortized network of this model (seed 002; <c>reactortwin amortize</c>), or null for none.
    /// With one, the twin publishes the network's posterior of the running batch after every reading (the posterior
    /// to go by while a refit runs) and starts each batch-end refit from the better of the current estimate and the
    /// network's, by the refit's own log posterior.</summary>
    public Core.Amortized.AmortizedNetwork? Amortized { get; init; }

    /// <summary>Run the batch-end refit in the background (true: readings of the next batch are journaled and filtered
    /// under the previous estimate while it runs, and its result, parameters and proposal are published when it ends),
    /// or inline in the handling of the batch's end (false, default: deterministic in virtual time, for the demo and
    /// tests).</summary>
    public bool BackgroundRefit { get; init; }

    /// <summary>Time allowed for one batch-end refit (on the runtime's clock), &gt; 0; default 60 s. A refit that runs
    /// out publishes the best point it reached, marked partial; the next batch's refit continues from there.</summary>
    public TimeSpan RefitTimeBudget { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>Update the parameter posterior after every accepted reading (default true): a Fisher-scoring step on the
    /// reading's Kalman–LNA log predictive density from the priors on (batch 1 included), re-anchored at every batch-end
    /// refit, so that predictions carry the parameters' uncertainty from the first reading on. False keeps the
    /// parameters at their last refit between refits (the posterior predictive then starts after the first refit).</summary>
    public bool OnlinePosterior { get; init; } = true;

    /// <summary>Quasi-Newton iterations allowed per refit (one warm-started start), ≥ 1; default 500.</summary>
    public int RefitMaxIterations { get; init; } = 500;

    /// <summary>Throws when an option is out of range or names something the model does not have.</summary>
    public void Validate()
    {
        ArgumentNullException.ThrowIfNull(Model);
        ArgumentNullException.ThrowIfNull(Channels);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(RefitTimeBudget, TimeSpan.Zero);
        ArgumentOutOfRangeException.ThrowIfLessThan(RefitMaxIterations, 1);
        if (!(ForecastStepHours >= 0) || !double.IsFinite(ForecastStepHours))
        {
            throw new ArgumentOutOfRangeException(nameof(ForecastStepHours), ForecastStepHours, "the forecast step must be a finite number of hours ≥ 0");
        }
        foreach (var c in Channels)
        {
            if (Model.IndexOfChannel(c.Component) < 0 && Model.IndexOfInput(c.Component) < 0)
            {
                throw new ArgumentException($"channel '{c.Component}' is not a state component, observable or input of model '{Model.Name}'", nameof(Channels));
            }
        }

        if (Policy is not ("d-optimal" or "random"))
        {
            throw new ArgumentException($"runtime policy '{Policy}' is not supported (d-optimal, random)", nameof(Policy));
        }
    }
}
