using System.Text;
using ReactorTwin.Adapters.Mqtt;
using ReactorTwin.Runtime.Contracts;
using ReactorTwin.Runtime.Twin;

namespace ReactorTwin.Runtime.Pipeline;

/// <summary>Encode: the twin's outputs and the item's rejection become typed messages on their topics
/// (<see cref="Topics"/>, <see cref="ContractJson"/>), and events for observers. An attached sensor's accepted reading is
/// mirrored on its sensor topic for dashboards. While replaying nothing is published.</summary>
internal sealed class EncodeStage(string reactor) : IPipelineStage
{
    public string Name => "encode";

    public void Apply(PipelineItem item)
    {
        if (item.Replaying)
        {
            return;
        }

        if (item.Rejection is { } r)
        {
            item.Outbound.Add(Message(Topics.ErrorsFor(reactor, r.Topic), ContractCodec.Encode(new ErrorPayload(r.Topic, r.Reason, r.Payload), ContractJson.Wire.ErrorPayload), retain: false));
            item.Events.Add(new TwinEvent("rejection", "", double.NaN, "", double.NaN, double.NaN, double.NaN, r.Reason));
            return;
        }

        if (item.Inbound is LocalReading && item.Measurement is not null)
        {
            item.Outbound.Add(Message(item.Topic, ContractCodec.Encode(item.Reading!, ContractJson.Wire.SensorReadingPayload), retain: false));
        }

        foreach (var output in item.Outputs)
        {
            Encode(output, item);
        }
    }

    private void Encode(TwinOutput output, PipelineItem item)
    {
        switch (output)
        {
            case MeasurementAbsorbed m:
                item.Events.Add(new TwinEvent("measurement", m.Batch, m.TimeHours, m.Component, m.Value, double.NaN, double.NaN, ""));
                break;
            case PredictionOutput p:
                item.Outbound.Add(Message(Topics.Prediction(reactor, p.Batch, p.Component, p.AtBatchEnd), ContractCodec.Encode(p.Payload, ContractJson.Wire.PredictionPayload), retain: true));
                item.Events.Add(new TwinEvent(p.AtBatchEnd ? "prediction-end" : "prediction", p.Batch, p.Payload.HorizonHours, p.Component, p.Payload.Mean, p.Payload.Lo95, p.Payload.Hi95, p.Payload.Band, p.Payload.Measurement.Lo95, p.Payload.Measurement.Hi95));
                break;
            case ForecastOutput f:
                item.Outbound.Add(Message(Topics.Forecast(reactor, f.Batch), ContractCodec.Encode(f.Payload, ContractJson.Default.ForecastPayload), retain: true));
                break;
            case RefitRequest q:
                item.Events.Add(new TwinEvent("refit-started", q.Batch, double.NaN, "", q.Refit.CompletedBatches, double.NaN, double.NaN, ""));
                break;
            case ParametersOutput ps:
                item.Outbound.Add(Message(Topics.Parameters(reactor), ContractCodec.Encode(ps.Payload, ContractJson.Wire.ParameterEstimatesPayload), retain: true));
                foreach (var (name, e) in ps.Payload.Parameters)
                {
                    item.Events.Add(new TwinEvent("refit", ps.Payload.Batch, double.NaN, name, e.Value, e.Lo95 ?? double.NaN, e.Hi95 ?? double.NaN, ps.Payload.Refit));
                    if (!e.Identified)
                    {
                        item.Events.Add(new TwinEvent("unidentified", ps.Payload.Batch, double.NaN, name, e.Value, e.Lo95 ?? double.NaN, e.Hi95 ?? double.NaN, e.Note ?? ""));
                    }
                }

                break;
            case AmortizedParametersOutput a:
                item.Outbound.Add(Message(Topics.AmortizedParameters(reactor), ContractCodec.Encode(a.Payload, ContractJson.Wire.ParameterEstimatesPayload), retain: true));
                break;
            case ProposalOutput p:
                item.Outbound.Add(Message(Topics.Proposal(reactor), ContractCodec.Encode(p.Payload, ContractJson.Wire.ProposalPayload), retain: true));
                if (!p.Payload.Applied || item.Kind != ItemKind.Accept)
                {
                    foreach (var (name, value) in p.Payload.Setpoints)
                    {
                        item.Events.Add(new TwinEvent("proposal", "", double.NaN, name, value, double.NaN, double.NaN, p.Payload.Objective));
                    }
                }

                break;
            case SetpointsOutput s:
                item.Outbound.Add(Message(Topics.BatchSetpoints(reactor), ContractCodec.Encode(new Dictionary<string, double>(s.Setpoints), ContractJson.Wire.DictionaryStringDouble), retain: false));
                if (s.Accepted)
                {
                    item.Events.Add(new TwinEvent("proposal-accepted", "", double.NaN, "", s.ProposalId, double.NaN, double.NaN, Encoding.UTF8.GetString(ContractCodec.Encode(new Dictionary<string, double>(s.Setpoints), ContractJson.Wire.DictionaryStringDouble))));
                }

                break;
            case TwinError e:
                item.Outbound.Add(Message(Topics.ErrorsFor(reactor, e.Topic), ContractCodec.Encode(new ErrorPayload(e.Topic, e.Reason, e.Payload), ContractJson.Wire.ErrorPayload), retain: false));
                item.Events.Add(new TwinEvent("error", "", double.NaN, "", double.NaN, double.NaN, double.NaN, e.Reason));
                break;
        }
    }

    private static MqttMessage Message(string topic, byte[] payload, bool retain) => new(topic, payload, MqttQualityOfService.AtLeastOnce, retain);
}
