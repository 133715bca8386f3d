namespace ReactorTwin.Runtime.Contracts;

/// <summary>
/// The MQTT topic tree of ReactorTwin, in one place (after the Pioreactor convention: one subtree per reactor, batch
/// below it, <c>…/set</c> for commands, <c>$state</c> for availability). Ids are topic levels: letters, digits, '-' and
/// '_'.
/// </summary>
public static class Topics
{
    /// <summary>The first level of every ReactorTwin topic.</summary>
    public const string Root = "reactortwin";

    /// <summary>Home Assistant's birth/last-will topic (<c>online</c>/<c>offline</c>).</summary>
    public const string HomeAssistantStatus = "homeassistant/status";

    /// <summary>Retained batch announcement (in): <see cref="BatchAnnouncement"/>, again with its end time when it ends.</summary>
    public static string Batch(string reactor, string batch) => $"{Root}/{reactor}/{batch}/batch";

    /// <summary>Every batch announcement of a reactor.</summary>
    public static string BatchFilter(string reactor) => $"{Root}/{reactor}/+/batch";

    /// <summary>A sensor reading (in): <see cref="SensorReadingPayload"/> of a state component.</summary>
    public static string Sensor(string reactor, string batch, string component) => $"{Root}/{reactor}/{batch}/sensors/{component}";

    /// <summary>Every sensor reading of a reactor.</summary>
    public static string SensorFilter(string reactor) => $"{Root}/{reactor}/+/sensors/+";

    /// <summary>Retained prediction (out): <see cref="PredictionPayload"/> of a component now, or at the batch's end.</summary>
    public static string Prediction(string reactor, string batch, string component, bool atBatchEnd) =>
        $"{Root}/{reactor}/{batch}/twin/{component}{(atBatchEnd ? "/end" : "")}";

    /// <summary>Retained forecast (out): <see cref="ForecastPayload"/> of every channel from the latest measurement to
    /// the batch's planned end.</summary>
    public static string Forecast(string reactor, string batch) => $"{Root}/{reactor}/{batch}/forecast";

    /// <summary>The forecasts of every batch of a reactor.</summary>
    public static string ForecastFilter(string reactor) => $"{Root}/{reactor}/+/forecast";

    /// <summary>Every prediction of a batch.</summary>
    public static string PredictionFilter(string reactor, string batch) => $"{Root}/{reactor}/{batch}/twin/#";

    /// <summary>Every prediction of every batch of a reactor (now and at the batch's end).</summary>
    public static string PredictionsFilter(string reactor) => $"{Root}/{reactor}/+/twin/#";

    /// <summary>The predictions of a component now in every batch (Home Assistant's state topic).</summary>
    public static string PredictionOfEveryBatch(string reactor, string component) => $"{Root}/{reactor}/+/twin/{component}";

    /// <summary>Errors (out): <see cref="ErrorPayload"/> for a rejected message of a batch (or <c>unknown</c>).</summary>
    public static string BatchErrors(string reactor, string batch) => $"{Root}/{reactor}/{batch}/errors";

    /// <summary>The errors of every batch of a reactor (and of <c>unknown</c>).</summary>
    public static string BatchErrorsFilter(string reactor) => $"{Root}/{reactor}/+/errors";

    /// <summary>Errors that belong to no batch (out): setpoint and sensor problems of the reactor.</summary>
    public static string Errors(string reactor) => $"{Root}/{reactor}/errors";

    /// <summary>Retained parameter estimates (out): <see cref="ParameterEstimatesPayload"/>.</summary>
    public static string Parameters(string reactor) => $"{Root}/{reactor}/twin/parameters";

    /// <summary>Retained amortized network's estimate of the running batch (out): <see cref="ParameterEstimatesPayload"/>
    /// with refit <c>amortized</c>, after every reading when the twin has a network.</summary>
    public static string AmortizedParameters(string reactor) => $"{Root}/{reactor}/twin/amortized";

    /// <summary>Retained proposal for the next batch (out): <see cref="ProposalPayload"/>.</summary>
    public static string Proposal(string reactor) => $"{Root}/{reactor}/proposal";

    /// <summary>Command (in): <see cref="AcceptCommand"/> applies the waiting proposal.</summary>
    public static string ProposalAccept(string reactor) => $"{Root}/{reactor}/proposal/accept/set";

    /// <summary>Command: the next batch's setpoints (component → initial value), from the twin or a person to the reactor.</summary>
    public static string BatchSetpoints(string reactor) => $"{Root}/{reactor}/control/batch/set";

    /// <summary>Retained availability of a reactor's twin: init, ready, sleeping.</summary>
    public static string ReactorState(string reactor) => $"{Root}/{reactor}/$state";

    /// <summary>Retained availability of a host (its last will sets <c>lost</c>).</summary>
    public static string HostState(string clientId) => $"{Root}/host/{clientId}/$state";

    /// <summary>Retained reading of an auxiliary instrument (out): <see cref="InstrumentPayload"/>.</summary>
    public static string Instrument(string reactor, string channel) => $"{Root}/{reactor}/instruments/{channel}";

    /// <summary>Retained Home Assistant MQTT discovery config of one entity.</summary>
    public static string HomeAssistantDiscovery(string uniqueId) => $"homeassistant/sensor/{uniqueId}/config";

    /// <summary>Splits <c>reactortwin/&lt;reactor&gt;/&lt;batch&gt;/sensors/&lt;component&gt;</c>.</summary>
    /// <returns>False if the topic has another shape or belongs to another reactor.</returns>
    public static bool TryParseSensor(string topic, string reactor, out string batch, out string component)
    {
        ArgumentNullException.ThrowIfNull(topic);
        var parts = topic.Split('/');
        bool ok = parts.Length == 5 && parts[0] == Root && parts[1] == reactor && parts[3] == "sensors";
        batch = ok ? parts[2] : "";
        component = ok ? parts[4] : "";
        return ok;
    }

    /// <summary>Splits <c>reactortwin/&lt;reactor&gt;/&lt;batch&gt;/twin/&lt;component&gt;[/end]</c>.</summary>
    /// <returns>False if the topic has another shape or belongs to another reactor.</returns>
    public static bool TryParsePrediction(string topic, string reactor, out string batch, out string component, out bool atBatchEnd)
    {
        ArgumentNullException.ThrowIfNull(topic);
        var parts = topic.Split('/');
        bool ok = parts.Length is 5 or 6 && parts[0] == Root && parts[1] == reactor && parts[3] == "twin" && (parts.Length == 5 || parts[5] == "end");
        batch = ok ? parts[2] : "";
        component = ok ? parts[4] : "";
        atBatchEnd = ok && parts.Length == 6;
        return ok;
    }

    /// <summary>True for <c>reactortwin/&lt;reactor&gt;/&lt;batch&gt;/batch</c>.</summary>
    public static bool IsBatch(string topic, string reactor)
    {
        ArgumentNullException.ThrowIfNull(topic);
        var parts = topic.Split('/');
        return parts.Length == 4 && parts[0] == Root && parts[1] == reactor && parts[3] == "batch";
    }

    /// <summary>The errors topic for a problem with a message on <paramref name="topic"/>: its batch's, when the topic
    /// names one (<c>reactortwin/&lt;reactor&gt;/&lt;batch&gt;/…</c>), else <c>unknown</c>'s.</summary>
    public static string ErrorsFor(string reactor, string topic)
    {
        ArgumentNullException.ThrowIfNull(topic);
        var parts = topic.Split('/');
        string batch = parts.Length > 3 && parts[0] == Root && parts[1] == reactor && parts[2] is not ("proposal" or "control" or "twin" or "instruments" or "$state") ? parts[2] : "unknown";
        return BatchErrors(reactor, batch);
    }
}
