using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace ReactorTwin.Host.Dashboard;

/// <summary>
/// Password hashes of dashboard users: PBKDF2 with HMAC-SHA-256 (<see cref="Rfc2898DeriveBytes.Pbkdf2(byte[], byte[], int, HashAlgorithmName, int)"/>),
/// a random 16-byte salt and a 32-byte key, written <c>pbkdf2-sha256$ITERATIONS$SALT$KEY</c> (Base64). The
/// configuration holds only the hash; verification compares in constant time.
/// </summary>
public sealed class PasswordHash
{
    /// <summary>Iterations of a new hash (OWASP's 2023 figure for PBKDF2-HMAC-SHA-256).</summary>
    public const int DefaultIterations = 600_000;

    /// <summary>The fewest iterations a configured hash may have.</summary>
    public const int MinimumIterations = 10_000;

    private const string Prefix = "pbkdf2-sha256";
    private readonly byte[] _salt;
    private readonly byte[] _key;

    private PasswordHash(int iterations, byte[] salt, byte[] key)
    {
        Iterations = iterations;
        _salt = salt;
        _key = key;
    }

    /// <summary>PBKDF2 iterations.</summary>
    public int Iterations { get; }

    /// <summary>Hashes a password with a new random salt.</summary>
    /// <returns>The text to put in the configuration.</returns>
    public static string Create(string password, int iterations = DefaultIterations)
    {
        ArgumentNullException.ThrowIfNull(password);
        ArgumentOutOfRangeException.ThrowIfLessThan(iterations, MinimumIterations);
        byte[] salt = RandomNumberGenerator.GetBytes(16);
        byte[] key = Rfc2898DeriveBytes.Pbkdf2(Encoding.UTF8.GetBytes(password), salt, iterations, HashAlgorithmName.SHA256, 32);
        return string.Create(CultureInfo.InvariantCulture, $"{Prefix}${iterations}${Convert.ToBase64String(salt)}${Convert.ToBase64String(key)}");
    }

    /// <summary>Reads a hash made by <see cref="Create"/>.</summary>
    /// <returns>The hash, or null with <paramref name="error"/> saying what is wrong.</returns>
    public static PasswordHash? Parse(string? text, out string? error)
    {
        error = null;
        var parts = (text ?? "").Split('$');
        if (parts.Length != 4 || parts[0] != Prefix)
        {
            error = "not a password hash (pbkdf2-sha256$ITERATIONS$SALT$HASH)";
            return null;
        }

        if (!int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out int iterations) || iterations < MinimumIterations)
        {
            error = $"the iteration count must be a number ≥ {MinimumIterations}";
            return null;
        }

        try
        {
            byte[] salt = Convert.FromBase64String(parts[2]), key = Convert.FromBase64String(parts[3]);
            if (salt.Length < 8 || key.Length != 32)
            {
                error = "the salt (≥ 8 bytes) or the hash (32 bytes) has the wrong length";
                return null;
            }

            return new PasswordHash(iterations, salt, key);
        }
        catch (FormatException)
        {
            error = "the salt or the hash is not Base64";
            return null;
        }
    }

    /// <summary>True if <paramref name="password"/> is the one hashed (constant-time comparison).</summary>
    public bool Verify(string password)
    {
        ArgumentNullException.ThrowIfNull(password);
        byte[] key = Rfc2898DeriveBytes.Pbkdf2(Encoding.UTF8.GetBytes(password), _salt, Iterations, HashAlgorithmName.SHA256, _key.Length);
        return CryptographicOperations.FixedTimeEquals(key, _key);
    }
}
