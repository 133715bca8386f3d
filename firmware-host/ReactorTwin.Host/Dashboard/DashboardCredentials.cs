namespace ReactorTwin.Host.Dashboard;

/// <summary>The users who may accept proposals (<see cref="DashboardOptions.Users"/>), checked against their password
/// hashes. An unknown name costs as much as a wrong password, so the answer's timing does not tell which names exist.</summary>
internal sealed class DashboardCredentials
{
    private readonly Dictionary<string, PasswordHash> _users = new(StringComparer.Ordinal);
    private readonly PasswordHash _nobody;

    /// <summary>Reads the configured users (their hashes validated beforehand).</summary>
    public DashboardCredentials(IEnumerable<DashboardUser> users)
    {
        ArgumentNullException.ThrowIfNull(users);
        int iterations = PasswordHash.MinimumIterations;
        foreach (var u in users)
        {
            var hash = PasswordHash.Parse(u.PasswordHash, out string? why) ?? throw new ArgumentException($"user '{u.Name}': {why}", nameof(users));
            _users[u.Name] = hash;
            iterations = Math.Max(iterations, hash.Iterations);
        }

        _nobody = PasswordHash.Parse(PasswordHash.Create(Guid.NewGuid().ToString("N"), iterations), out _)!;
    }

    /// <summary>False when no user is configured: accepting is disabled.</summary>
    public bool Enabled => _users.Count > 0;

    /// <summary>True if <paramref name="user"/> is configured and <paramref name="password"/> is theirs.</summary>
    public bool Check(string user, string password)
    {
        ArgumentNullException.ThrowIfNull(user);
        ArgumentNullException.ThrowIfNull(password);
        if (_users.TryGetValue(user, out var hash))
        {
            return hash.Verify(password);
        }

        _nobody.Verify(password);
        return false;
    }
}
