using BenchmarkDotNet.Running;

namespace ReactorTwin.Benchmarks;

/// <summary>
/// Entry point: <c>dotnet run -c Release --project benchmarks/ReactorTwin.Benchmarks -- --filter '*'</c> for the
/// benchmarks, <c>-- load --reactors 1000 --minutes 10</c> for the runtime load test (docs/runtime.md), or
/// <c>-- study NAME</c> for an estimation study (cho-mle, calibration, ess; docs/estimation.md) or the same-run
/// comparisons with the SciPy peers (scipy, monod-lsq; docs/benchmarks.md).
/// </summary>
public static class Program
{
    public static void Main(string[] args)
    {
        if (args.Length > 0 && args[0] == "load")
        {
            LoadTest.Run(args[1..]);
            return;
        }

        if (args.Length >= 2 && args[0] == "study")
        {
            switch (args[1])
            {
                case "cho-mle": ChoStudy.Run(args); return;
                case "calibration": CalibrationStudy.Run(args); return;
                case "ess": SamplingStudy.Run(args); return;
                case "monod-lsq": MonodLeastSquaresStudy.Run(args); return;
                case "scipy": ScipyComparison.Run(args); return;
                default: throw new ArgumentException($"unknown study '{args[1]}'");
            }
        }

        BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
    }
}
