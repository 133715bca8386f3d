namespace ReactorTwin.Host.Dashboard;

/// <summary>
/// Slows down password guessing: a client (remote address) with <see cref="MaxFailures"/> wrong credentials within
/// <see cref="Window"/> is refused for <see cref="Lockout"/> without its credentials being checked. Thread-safe; time
/// from the injected clock.
/// </summary>
internal sealed class FailureThrottle(TimeProvider time)
{
    /// <summary>Wrong credentials allowed per window.</summary>
    public const int MaxFailures = 5;

    /// <summary>The window failures are counted in.</summary>
    public static readonly TimeSpan Window = TimeSpan.FromMinutes(5);

    /// <summary>How long a client is refused after too many failures.</summary>
    public static readonly TimeSpan Lockout = TimeSpan.FromMinutes(1);

    private readonly Dictionary<string, (int Count, DateTimeOffset First, DateTimeOffset? LockedUntil)> _clients = new(StringComparer.Ordinal);
    private readonly object _gate = new();

    /// <summary>How much longer <paramref name="client"/> is refused, or null when it may try.</summary>
    public TimeSpan? Refusal(string client)
    {
        lock (_gate)
        {
            var now = time.GetUtcNow();
            return _clients.TryGetValue(client, out var c) && c.LockedUntil is { } until && until > now ? until - now : null;
        }
    }

    /// <summary>Counts a wrong credential of <paramref name="client"/>.</summary>
    public void Failed(string client)
    {
        lock (_gate)
        {
            var now = time.GetUtcNow();
            var c = _clients.TryGetValue(client, out var known) && now - known.First < Window ? known : (0, now, null);
            c.Count++;
            if (c.Count >= MaxFailures)
            {
                c = (0, now, now + Lockout);
            }

            _clients[client] = c;
            if (_clients.Count > 10_000)
            {
                // Forget clients whose window and lockout are over (bounded memory under a scan of many addresses).
                foreach (var key in _clients.Where(kv => now - kv.Value.First >= Window && !(kv.Value.LockedUntil > now)).Select(kv => kv.Key).ToArray())
                {
                    _clients.Remove(key);
                }
            }
        }
    }

    /// <summary>Forgets <paramref name="client"/>'s failures after a correct credential.</summary>
    public void Succeeded(string client)
    {
        lock (_gate)
        {
            _clients.Remove(client);
        }
    }
}
