using BenchmarkDotNet.Running;

namespace ReactorTwin.Benchmarks;

/// <summary>Entry point: <c>dotnet run -c Release --project benchmarks/ReactorTwin.Benchmarks -- --filter '*'</c>, or
/// <c>-- load --reactors 1000 --minutes 10</c> for the runtime load test.</summary>
public static class Program
{
    public static void Main(string[] args)
    {
        if (args.Length > 0 && args[0] == "load")
        {
            LoadTest.Run(args[1..]);
            return;
        }

        BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
    }
}
