using System.Collections.Concurrent;
using System.Globalization;
using System.Text;
using ReactorTwin.Adapters.Mqtt;
using ReactorTwin.Runtime.Contracts;
using ReactorTwin.Runtime.Twin;

namespace ReactorTwin.Host.Dashboard;

/// <summary>How the dashboard sends a command: onto the runtime's bus (<c>run</c>), or to the demo's clock thread.</summary>
/// <param name="message">The command.</param>
internal delegate Task CommandSink(MqttMessage message);

/// <summary>
/// Accepting a proposal from the page, checked here before anything is sent: accepting must be enabled (a user is
/// configured), the client must not be locked out (<see cref="FailureThrottle"/>), the credential must be right, the
/// proposal shown must be the one waiting, and its setpoints must lie within the reactor's safety bounds
/// (<see cref="SafetyCheck"/>, the check the twin makes again where it acts). Then <see cref="AcceptCommand"/> with
/// <c>by = dashboard:USER</c> goes to <see cref="Topics.ProposalAccept"/> like any MQTT command, and the twin journals
/// it with who sent it and the outcome. Requests for one reactor are handled one at a time, so a double click sends
/// one command.
/// </summary>
internal sealed class ProposalAcceptance(DashboardStore store, DashboardCredentials credentials, FailureThrottle throttle, CommandSink send, TimeProvider time)
{
    /// <summary>How long a request waits for the twin's answer before it reports the command as sent.</summary>
    public static readonly TimeSpan OutcomeWait = TimeSpan.FromSeconds(10);

    private readonly ConcurrentDictionary<string, SemaphoreSlim> _oneAtATime = new(StringComparer.Ordinal);

    /// <summary>Handles one request.</summary>
    /// <param name="reactor">Reactor id from the address.</param>
    /// <param name="request">The body, or null when it was not one.</param>
    /// <param name="client">The client's address (for the lockout).</param>
    /// <param name="cancellationToken">The request's cancellation.</param>
    /// <returns>The HTTP status and the answer.</returns>
    public async Task<(int Status, AcceptResponse Response)> AcceptAsync(string reactor, AcceptRequest? request, string client, CancellationToken cancellationToken)
    {
        if (!credentials.Enabled)
        {
            return (403, Refused("accepting proposals is disabled on this dashboard: no user is configured (ReactorTwin:Dashboard:Users)"));
        }

        if (throttle.Refusal(client) is { } wait)
        {
            return (429, Refused(string.Create(CultureInfo.InvariantCulture, $"too many wrong passwords from this address; try again in {Math.Ceiling(wait.TotalSeconds)} s")));
        }

        if (request is null || string.IsNullOrEmpty(request.User) || request.Password is null)
        {
            return (400, Refused("body: expected {\"id\": N, \"user\": \"name\", \"password\": \"…\"}"));
        }

        if (!credentials.Check(request.User, request.Password))
        {
            throttle.Failed(client);
            return (401, Refused("wrong user name or password"));
        }

        throttle.Succeeded(client);
        if (store.ProposalOf(reactor) is not { } known)
        {
            return (404, Refused($"no reactor '{reactor}' on this dashboard"));
        }

        var gate = _oneAtATime.GetOrAdd(reactor, _ => new SemaphoreSlim(1, 1));
        await gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            return await SendAsync(reactor, request, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            gate.Release();
        }
    }

    private async Task<(int, AcceptResponse)> SendAsync(string reactor, AcceptRequest request, CancellationToken cancellationToken)
    {
        var (proposal, bounds) = store.ProposalOf(reactor)!.Value;
        if (proposal is null || proposal.Applied)
        {
            return (409, Refused(proposal is null ? "no proposal is waiting" : $"no proposal is waiting (proposal {proposal.Id} was applied already)", proposal));
        }

        if (proposal.Id != request.Id)
        {
            return (409, Refused($"proposal {request.Id} is not the one waiting ({proposal.Id})", proposal));
        }

        if (SafetyCheck.Violation(proposal.Setpoints, bounds) is { } violation)
        {
            return (422, Refused($"{violation}; not sent", proposal));
        }

        byte[] payload = ContractCodec.Encode(new AcceptCommand(proposal.Id, $"dashboard:{request.User}"), ContractJson.Default.AcceptCommand);
        string text = Encoding.UTF8.GetString(payload);
        var outcome = new TaskCompletionSource<(int, AcceptResponse)>(TaskCreationOptions.RunContinuationsAsynchronously);
        void OnProposal(string r, ProposalPayload p)
        {
            if (r == reactor && p.Id == proposal.Id && p.Applied)
            {
                outcome.TrySetResult((200, new AcceptResponse("applied", $"proposal {p.Id} applied, accepted by dashboard:{request.User}", p)));
            }
        }

        void OnError(string r, ErrorPayload e)
        {
            if (r == reactor && e.Topic == Topics.ProposalAccept(reactor) && e.Payload == text)
            {
                outcome.TrySetResult((409, Refused($"the twin refused it: {e.Reason}", store.ProposalOf(reactor)?.Proposal)));
            }
        }

        store.ProposalChanged += OnProposal;
        store.ErrorReported += OnError;
        try
        {
            await send(new MqttMessage(Topics.ProposalAccept(reactor), payload, MqttQualityOfService.AtLeastOnce, retain: false)).ConfigureAwait(false);
            try
            {
                return await outcome.Task.WaitAsync(OutcomeWait, time, cancellationToken).ConfigureAwait(false);
            }
            catch (TimeoutException)
            {
                return (202, new AcceptResponse("sent", "sent to the twin, which has not answered yet (is the broker reachable?); the page shows the proposal as applied when it is", proposal));
            }
        }
        finally
        {
            store.ProposalChanged -= OnProposal;
            store.ErrorReported -= OnError;
        }
    }

    private static AcceptResponse Refused(string message, ProposalPayload? proposal = null) => new("refused", message, proposal);
}
