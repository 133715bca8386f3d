using System.Net;

namespace ReactorTwin.Host.Dashboard;

/// <summary>The <c>ReactorTwin:Dashboard</c> section: the live page served by the runtime. Off unless
/// <see cref="Port"/> or <see cref="Urls"/> is set.</summary>
public sealed class DashboardOptions
{
    /// <summary>The section's path.</summary>
    public const string Section = "ReactorTwin:Dashboard";

    /// <summary>TCP port to serve plain HTTP on, on every network interface (<c>http://0.0.0.0:PORT</c>), or null.</summary>
    public int? Port { get; set; }

    /// <summary>Addresses to serve on, separated by <c>;</c>: <c>http://ADDRESS:PORT</c> or <c>https://ADDRESS:PORT</c>
    /// with an IP address, <c>0.0.0.0</c> / <c>*</c> (every interface) or <c>localhost</c>; or null.</summary>
    public string? Urls { get; set; }

    /// <summary>PEM certificate file for the <c>https://</c> addresses, or null.</summary>
    public string? CertificatePath { get; set; }

    /// <summary>PEM private key file of <see cref="CertificatePath"/>, or null when the certificate file holds it.</summary>
    public string? CertificateKeyPath { get; set; }

    /// <summary>Who may accept a proposal on the page (name and password hash, made by <c>reactortwin
    /// dashboard-password</c>). Empty (default): the page is read-only and accepting is disabled.</summary>
    public List<DashboardUser> Users { get; set; } = [];

    /// <summary>Batches per reactor the page keeps (for its charts and downloads), ≥ 1; default 10.</summary>
    public int KeepBatches { get; set; } = 10;

    /// <summary>Rejected messages per reactor the page lists, ≥ 1; default 50.</summary>
    public int KeepRejections { get; set; } = 50;

    /// <summary>True when the page is to be served.</summary>
    public bool Enabled => Port is not null || !string.IsNullOrWhiteSpace(Urls);

    /// <summary>The endpoints to listen on: <see cref="Port"/>, then every entry of <see cref="Urls"/>.</summary>
    /// <exception cref="FormatException">An entry of <see cref="Urls"/> is not one (the message says why).</exception>
    public IReadOnlyList<DashboardEndpoint> Endpoints()
    {
        var list = new List<DashboardEndpoint>();
        if (Port is int port)
        {
            list.Add(new DashboardEndpoint(IPAddress.Any, port, Https: false, Localhost: false));
        }

        foreach (string url in (Urls ?? "").Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            list.Add(DashboardEndpoint.Parse(url));
        }

        return list;
    }

    /// <summary>Adds every problem to <paramref name="errors"/>, each named by its configuration path.</summary>
    public void Validate(List<string> errors)
    {
        ArgumentNullException.ThrowIfNull(errors);
        if (!Enabled)
        {
            return;
        }

        string p = Section;
        if (Port is < 0 or > 65535)
        {
            errors.Add($"{p}:Port: {Port} is not a TCP port");
        }

        bool https = false;
        foreach (string url in (Urls ?? "").Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            try
            {
                https |= DashboardEndpoint.Parse(url).Https;
            }
            catch (FormatException ex)
            {
                errors.Add($"{p}:Urls: '{url}': {ex.Message}");
            }
        }

        if (https && string.IsNullOrWhiteSpace(CertificatePath))
        {
            errors.Add($"{p}:CertificatePath: an https:// address needs a PEM certificate (and CertificateKeyPath for its key)");
        }

        foreach (var (name, path) in new[] { ("CertificatePath", CertificatePath), ("CertificateKeyPath", CertificateKeyPath) })
        {
            if (!string.IsNullOrWhiteSpace(path) && !File.Exists(path))
            {
                errors.Add($"{p}:{name}: '{path}' does not exist");
            }
        }

        var names = new HashSet<string>(StringComparer.Ordinal);
        for (int i = 0; i < Users.Count; i++)
        {
            var u = Users[i];
            if (!DashboardUser.IsValidName(u.Name))
            {
                errors.Add($"{p}:Users:{i}:Name: '{u.Name}' must be 1–64 letters, digits, '-', '_' or '.'");
            }
            else if (!names.Add(u.Name))
            {
                errors.Add($"{p}:Users:{i}:Name: '{u.Name}' is used twice");
            }

            if (PasswordHash.Parse(u.PasswordHash, out string? why) is null)
            {
                errors.Add($"{p}:Users:{i}:PasswordHash: {why} (make one with 'reactortwin dashboard-password --user {u.Name}')");
            }
        }

        if (KeepBatches < 1)
        {
            errors.Add($"{p}:KeepBatches: {KeepBatches} must be ≥ 1");
        }

        if (KeepRejections < 1)
        {
            errors.Add($"{p}:KeepRejections: {KeepRejections} must be ≥ 1");
        }
    }
}

/// <summary>Someone who may accept proposals on the dashboard.</summary>
public sealed class DashboardUser
{
    /// <summary>User name (letters, digits, '-', '_', '.'): the journal records <c>dashboard:NAME</c>.</summary>
    public string Name { get; set; } = "";

    /// <summary>The password's hash, <c>pbkdf2-sha256$ITERATIONS$SALT$HASH</c> (never the password itself).</summary>
    public string PasswordHash { get; set; } = "";

    /// <summary>True for 1–64 letters, digits, '-', '_' or '.'.</summary>
    public static bool IsValidName(string? name) =>
        !string.IsNullOrEmpty(name) && name.Length <= 64 && name.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.');
}

/// <summary>One address the dashboard listens on.</summary>
/// <param name="Address">IP address (<see cref="IPAddress.Any"/> for every interface).</param>
/// <param name="Port">TCP port (0: one the system chooses).</param>
/// <param name="Https">TLS with the configured certificate.</param>
/// <param name="Localhost">Loopback only, IPv4 and IPv6 (<c>localhost</c>).</param>
public sealed record DashboardEndpoint(IPAddress Address, int Port, bool Https, bool Localhost)
{
    /// <summary>Parses <c>http[s]://ADDRESS:PORT</c> (ADDRESS: an IP, <c>0.0.0.0</c>, <c>*</c>, <c>+</c> or
    /// <c>localhost</c>; no path).</summary>
    /// <exception cref="FormatException">It is not one; the message says why.</exception>
    public static DashboardEndpoint Parse(string url)
    {
        ArgumentNullException.ThrowIfNull(url);
        int scheme = url.IndexOf("://", StringComparison.Ordinal);
        string kind = scheme < 0 ? "" : url[..scheme].ToLowerInvariant();
        if (kind is not ("http" or "https"))
        {
            throw new FormatException("must start with http:// or https://");
        }

        string rest = url[(scheme + 3)..].TrimEnd('/');
        int colon = rest.LastIndexOf(':');
        if (colon < 0 || !int.TryParse(rest[(colon + 1)..], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out int port) || port > 65535)
        {
            throw new FormatException("needs a port (http://0.0.0.0:8080)");
        }

        string host = rest[..colon].Trim('[', ']');
        if (host.Contains('/', StringComparison.Ordinal))
        {
            throw new FormatException("must not have a path");
        }

        bool https = kind == "https";
        if (host is "*" or "+" or "0.0.0.0")
        {
            return new DashboardEndpoint(IPAddress.Any, port, https, Localhost: false);
        }

        if (host.Equals("localhost", StringComparison.OrdinalIgnoreCase))
        {
            return new DashboardEndpoint(IPAddress.Loopback, port, https, Localhost: true);
        }

        return IPAddress.TryParse(host, out var ip)
            ? new DashboardEndpoint(ip, port, https, Localhost: false)
            : throw new FormatException($"'{host}' is not an IP address, 0.0.0.0, * or localhost");
    }
}
