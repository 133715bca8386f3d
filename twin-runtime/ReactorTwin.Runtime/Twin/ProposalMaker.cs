using System.Globalization;
using ReactorTwin.Core.Design;
using ReactorTwin.Core.Estimation;
using ReactorTwin.Runtime.Contracts;

namespace ReactorTwin.Runtime.Twin;

/// <summary>
/// The twin's design of the next batch: the configured policy (D-optimal from the LNA Fisher information, or random)
/// proposes setpoints at the current estimate; each is clamped to its safety bounds (the clamp is noted); the proposal
/// is applied at once (auto-apply) or waits for <see cref="Accept"/> with its id.
/// </summary>
internal sealed class ProposalMaker
{
    private readonly TwinOptions _o;
    private readonly ParameterSpace _space;
    private readonly IDesignPolicy? _policy;

    public ProposalMaker(TwinOptions options, ParameterSpace space)
    {
        _o = options;
        _space = space;
        if (options.Design is { } design)
        {
            _policy = options.Policy switch
            {
                "d-optimal" => new FisherInformationDesignPolicy(design, space.Indices, [12, 24, 36, 48, 60, 72]),
                _ => new RandomDesignPolicy(),
            };
        }
    }

    /// <summary>Proposals made so far.</summary>
    public int Count { get; private set; }

    /// <summary>The proposal waiting for acceptance, or null.</summary>
    public PendingProposal? Pending { get; private set; }

    /// <summary>The policy's state for the checkpoint (the D-optimal policy's accumulated information), or null.</summary>
    public double[]? PolicyState => (_policy as IDesignPolicyState)?.SaveState();

    public void Restore(int count, double[]? policyState, PendingProposal? pending)
    {
        Count = count;
        Pending = pending;
        if (policyState is not null && _policy is IDesignPolicyState restorable)
        {
            restorable.RestoreState(policyState);
        }
    }

    /// <summary>Proposes the next batch at <paramref name="theta"/> (nothing without a design space).</summary>
    public void Propose(double[] theta, ICollection<TwinOutput> outputs)
    {
        if (_policy is null || _o.Design is null)
        {
            return;
        }

        Count++;
        // A generator per proposal, seeded by (seed, proposal number): a restarted twin draws what an uninterrupted one would.
        var random = new Random(unchecked((_o.Seed * 1_000_003) + Count));
        var context = new DesignContext(_o.Design, _space.Indices, theta, new AdamOptimizer(Enumerable.Repeat(1.0, _space.Dimension).ToArray()), [], Count, random);
        var p = _policy.Propose(context);
        var setpoints = new Dictionary<string, double>(StringComparer.Ordinal);
        var notes = new List<string>();
        for (int j = 0; j < p.Design.Length; j++)
        {
            string name = _o.Design.Variables[j].Name;
            double value = p.Design[j];
            if (_o.SafetyBounds.TryGetValue(name, out var b) && (value < b.Min || value > b.Max))
            {
                double clamped = Math.Clamp(value, b.Min, b.Max);
                notes.Add(string.Create(CultureInfo.InvariantCulture, $"{name} {value:G5} clamped to the safety bounds [{b.Min:G5}, {b.Max:G5}]"));
                value = clamped;
            }

            setpoints[name] = value;
        }

        double? predicted = p.PredictedObjective is double v && double.IsFinite(v) ? v : null;
        var payload = new ProposalPayload(Count, _policy.Name, setpoints, predicted, p.ObjectiveName, _o.AutoApply, notes);
        outputs.Add(new ProposalOutput(payload));
        if (_o.AutoApply)
        {
            outputs.Add(new SetpointsOutput(setpoints, Count, Accepted: false));
            Pending = null;
        }
        else
        {
            Pending = new PendingProposal(Count, setpoints, payload);
        }
    }

    /// <summary>Applies the waiting proposal if <paramref name="id"/> is its id; otherwise outputs why not.</summary>
    public void Accept(int? id, string topic, string payload, ICollection<TwinOutput> outputs)
    {
        if (id is null)
        {
            outputs.Add(new TwinError(topic, "accept: expected {\"id\": N} with the id of the waiting proposal", payload));
            return;
        }

        if (Pending is not { } pending)
        {
            outputs.Add(new TwinError(topic, $"accept: no proposal is waiting (proposal {id} was applied already, or none was made)", payload));
            return;
        }

        if (pending.Id != id)
        {
            outputs.Add(new TwinError(topic, $"accept: proposal {id} is not the one waiting ({pending.Id})", payload));
            return;
        }

        // Safety bounds are checked again where the command acts: the bounds may have changed since the proposal.
        if (SafetyCheck.Violation(pending.Setpoints, _o.SafetyBounds) is { } violation)
        {
            outputs.Add(new TwinError(topic, $"accept: {violation}; not applied", payload));
            return;
        }

        Pending = null;
        outputs.Add(new SetpointsOutput(pending.Setpoints, pending.Id, Accepted: true));
        outputs.Add(new ProposalOutput(pending.Proposal with { Applied = true }));
    }
}
