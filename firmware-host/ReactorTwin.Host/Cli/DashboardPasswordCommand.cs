using ReactorTwin.Host.Dashboard;

namespace ReactorTwin.Host.Cli;

/// <summary><c>reactortwin dashboard-password --user NAME</c>: reads a password (typed, not echoed, twice; or one line
/// of a pipe) and prints the <c>Users</c> entry for <c>ReactorTwin:Dashboard</c> with its hash.</summary>
internal static class DashboardPasswordCommandRunner
{
    /// <summary>Shortest password accepted.</summary>
    public const int MinimumLength = 8;

    public static int Run(string user, TextReader stdin, TextWriter stdout, TextWriter stderr)
    {
        if (!DashboardUser.IsValidName(user))
        {
            throw new CliException($"--user: '{user}' must be 1–64 letters, digits, '-', '_' or '.'");
        }

        bool typed = ReferenceEquals(stdin, Console.In) && !Console.IsInputRedirected;
        string? password = typed ? ReadHidden(stderr, "password: ") : stdin.ReadLine();
        if (typed && password is not null && ReadHidden(stderr, "again: ") != password)
        {
            throw new CliException("the two passwords differ");
        }

        if (password is null || password.Length < MinimumLength)
        {
            throw new CliException($"the password must have at least {MinimumLength} characters");
        }

        stdout.WriteLine($"{{ \"Name\": \"{user}\", \"PasswordHash\": \"{PasswordHash.Create(password)}\" }}");
        stderr.WriteLine("put this entry in the \"Users\" list of the \"Dashboard\" section of appsettings.json (see docs/dashboard.md)");
        return 0;
    }

    private static string ReadHidden(TextWriter stderr, string prompt)
    {
        stderr.Write(prompt);
        var text = new System.Text.StringBuilder();
        while (true)
        {
            var key = Console.ReadKey(intercept: true);
            if (key.Key == ConsoleKey.Enter)
            {
                stderr.WriteLine();
                return text.ToString();
            }

            if (key.Key == ConsoleKey.Backspace)
            {
                if (text.Length > 0)
                {
                    text.Length--;
                }
            }
            else if (!char.IsControl(key.KeyChar))
            {
                text.Append(key.KeyChar);
            }
        }
    }
}
