using BenchmarkDotNet.Attributes;
using ReactorTwin.Core.Estimation;
using ReactorTwin.Core.Inference;
using ReactorTwin.Core.Lna;
using ReactorTwin.Core.Models;
using ReactorTwin.Core.Numerics;
using ReactorTwin.Core.Simulation;

namespace ReactorTwin.Benchmarks;

/// <summary>
/// The twin's work per reading on the demo's CHO culture (GLC and LAC every 4 h, mAb every 12 h: 42 readings in a 72 h
/// batch, 7 estimated parameters), reported per reading: the online step (Kalman–LNA predict and update with forward
/// sensitivities, and the parameter posterior's Fisher-scoring step) against the fixed-parameter filter it replaces and
/// against the fixed filter plus the 2q-point parameter ensemble that carried the parameters' uncertainty before; and
/// the cubature forecast to the batch's end from mid-batch.
/// </summary>
[MemoryDiagnoser]
[MedianColumn]
public class OnlinePosteriorBenchmarks
{
    private const int Readings = 42;
    private List<DataRow> _rows = null!;
    private StreamingPosterior _online = null!, _fixed = null!, _ensemble = null!, _forecaster = null!;
    private StreamingSnapshot _onlineStart = null!, _fixedStart = null!, _ensembleStart = null!;
    private LnaState _destination = null!;

    [GlobalSetup]
    public void Setup()
    {
        var cho = BuiltInModels.Load("cho");
        var space = new ParameterSpace(cho);
        var noise = new MeasurementNoise(cho.StateDimension);
        foreach (var (name, sd, rel) in new[] { ("GLC", 0.2, 0.01), ("LAC", 0.2, 0.01), ("mAb", 0.005, 0.02) })
        {
            noise.SetAbsolute(cho.IndexOfState(name), sd).SetRelative(cho.IndexOfState(name), rel);
        }

        var times = Enumerable.Range(0, 19).Select(i => i * 4.0).ToArray();
        var path = new double[times.Length * cho.StateDimension];
        new ChemicalLangevinSimulator(cho, 0.01).Simulate(cho.DefaultInitialState(), cho.NominalParameters(), times, path, new GaussianSource(new Random(7)));
        _rows = [];
        for (int j = 0; j < times.Length; j++)
        {
            foreach (var name in times[j] % 12 == 0 ? new[] { "GLC", "LAC", "mAb" } : ["GLC", "LAC"])
            {
                _rows.Add(new DataRow("b1", times[j], name, path[(j * cho.StateDimension) + cho.IndexOfState(name)]));
            }
        }

        var priors = ModelPriors.For(space);
        StreamingPosterior Make(bool online, bool ensemble) => new(space, d => new KalmanLnaDataLikelihood(new KalmanLnaLikelihood(cho, space.Indices), d, noise), noise, new StreamingOptions { OnlinePosterior = online, ParameterUncertainty = ensemble, Priors = priors });
        _online = Make(online: true, ensemble: false);
        _fixed = Make(online: false, ensemble: false);
        _ensemble = Make(online: false, ensemble: true);
        int q = space.Dimension;
        var prior = _online.OnlineCovariance.ToArray();
        _onlineStart = new StreamingSnapshot(_online.Estimate, [], 0, prior);
        _fixedStart = new StreamingSnapshot(_fixed.Estimate, [], 0, null);
        _ensembleStart = new StreamingSnapshot(_ensemble.Estimate, [], 0, prior);
        _forecaster = Make(online: true, ensemble: false);
        foreach (var r in _rows.Take(_rows.Count / 2))
        {
            _forecaster.AddMeasurement(r.Batch, r.TimeHours, r.Name, r.Value);
        }

        _destination = _forecaster.CreateState();
        if (_rows.Count(r => r.TimeHours > 0) != Readings || q != 7)
        {
            throw new InvalidOperationException("the benchmark's batch is not the demo's");
        }
    }

    private static double Feed(StreamingPosterior posterior, StreamingSnapshot start, List<DataRow> rows)
    {
        posterior.Restore(start);
        double sum = 0;
        foreach (var r in rows)
        {
            sum += posterior.AddMeasurement(r.Batch, r.TimeHours, r.Name, r.Value);
        }

        return sum;
    }

    [Benchmark(Baseline = true, OperationsPerInvoke = Readings, Description = "per reading: Kalman-LNA filter, parameters fixed")]
    public double FixedFilter() => Feed(_fixed, _fixedStart, _rows);

    [Benchmark(OperationsPerInvoke = Readings, Description = "per reading: fixed filter + 14-point parameter ensemble")]
    public double FilterAndEnsemble() => Feed(_ensemble, _ensembleStart, _rows);

    [Benchmark(OperationsPerInvoke = Readings, Description = "per reading: online step (filter with sensitivities + posterior update)")]
    public double OnlineStep() => Feed(_online, _onlineStart, _rows);

    [Benchmark(Description = "forecast to 72 h from 36 h with parameter uncertainty (14-point cubature)")]
    public double Forecast()
    {
        _forecaster.PredictWithParameterUncertainty(72, _destination);
        return _destination.Mean[0];
    }

    private static readonly double[] Grid = [36, 42, 48, 54, 60, 66, 72];
    private LnaState _predictionAt = null!;

    /// <summary>The dashboard's forecast grid the way the twin computed it before: every horizon predicted from the
    /// filter's time (the estimate's trajectory and the 14 cubature points each time).</summary>
    [Benchmark(Description = "forecast grid 36..72 h every 6 h, each horizon from the reading's time (before)")]
    public double ForecastGridHorizonByHorizon()
    {
        _predictionAt ??= _forecaster.CreateState();
        double sum = 0;
        foreach (double h in Grid)
        {
            _forecaster.Predict(h, _predictionAt);
            _forecaster.PredictWithParameterUncertainty(h, _destination);
            sum += _destination.Mean[0] + _predictionAt.Mean[0];
        }

        return sum;
    }

    /// <summary>The same grid in one pass (<see cref="StreamingPosterior.PredictGrid"/>).</summary>
    [Benchmark(Description = "forecast grid 36..72 h every 6 h in one pass")]
    public double ForecastGridOnePass()
    {
        _forecaster.PredictGrid(Grid, out var states, out var predictive);
        return predictive[^1].Mean[0] + states[^1].Mean[0];
    }
}
