using ReactorTwin.Core.Estimation;
using ReactorTwin.Core.Inference;
using ReactorTwin.Core.Models;

namespace ReactorTwin.Core.Tests.Estimation;

/// <summary>
/// Inputs set live (a feed rate changed at the batch's start and mid-batch): the live filter must predict with them,
/// so that the log predictive densities of the readings sum to the offline Kalman–LNA log-likelihood of the batch's
/// rows with the same input points (the refit's data), and differ from a filter that ignores the change.
/// </summary>
public sealed class StreamingInputTests
{
    private const string Json = """
        {
          "name": "fed",
          "systemSize": 100,
          "species": [ { "name": "S", "unit": "mM", "initial": 2 } ],
          "parameters": [ { "name": "k", "value": 0.4, "lower": 0.01, "upper": 5 } ],
          "inputs": [ { "name": "F", "unit": "mM/h", "value": 0 } ],
          "reactions": [
            { "name": "feed", "stoichiometry": { "S": 1 }, "rate": "F" },
            { "name": "use", "stoichiometry": { "S": -1 }, "rate": "k*S" }
          ]
        }
        """;

    private static readonly (double Time, double S)[] Readings = [(1, 2.6), (2, 3.0), (3, 3.4), (4, 3.1), (5, 2.7), (6, 2.2)];

    [Fact]
    public void Live_inputs_give_the_offline_likelihood_of_the_same_rows()
    {
        var model = ModelJson.Parse(Json, "fed.json");
        var space = new ParameterSpace(model);
        var noise = MeasurementNoise.ForModel(model).SetAbsolute(0, 0.1);
        var twin = new StreamingPosterior(space, d => new KalmanLnaDataLikelihood(new KalmanLnaLikelihood(model, space.Indices), d, noise), noise);
        var rows = new List<DataRow> { new("b1", 0, "S", 2), new("b1", 0, "F", 2.0) };
        twin.AddMeasurement("b1", 0, "S", 2);
        twin.SetInput("b1", 0, "F", 2.0);
        double live = 0;
        foreach (var (t, s) in Readings)
        {
            if (t == 4)
            {
                twin.SetInput("b1", 3.5, "F", 0.2); // the feed turned down between readings
                rows.Add(new DataRow("b1", 3.5, "F", 0.2));
            }

            live += twin.AddMeasurement("b1", t, "S", s);
            rows.Add(new DataRow("b1", t, "S", s));
        }

        var data = ObservationSet.FromRows(model, rows, "fed.csv");
        var offline = new LikelihoodResult(0);
        new KalmanLnaLikelihood(model, []).Evaluate(data, model.NominalParameters(), noise, offline);
        Assert.Equal(offline.LogLikelihood, live, 6);

        var ignoring = new StreamingPosterior(space, d => new KalmanLnaDataLikelihood(new KalmanLnaLikelihood(model, space.Indices), d, noise), noise);
        ignoring.AddMeasurement("b1", 0, "S", 2);
        ignoring.SetInput("b1", 0, "F", 2.0);
        double stale = Readings.Sum(r => ignoring.AddMeasurement("b1", r.Time, "S", r.S));
        Assert.True(live - stale > 5, $"the turned-down feed explains the fall of S: {live:G6} vs {stale:G6} without it");

        var e = Assert.Throws<ArgumentException>(() => twin.SetInput("b1", 5, "F", 1));
        Assert.Contains("earlier than the last measurement at 6 h", e.Message, StringComparison.Ordinal);
        e = Assert.Throws<ArgumentException>(() => twin.SetInput("b1", 7, "G", 1));
        Assert.Contains("'G' is not an input of model 'fed' (inputs: F)", e.Message, StringComparison.Ordinal);
    }
}
