using ReactorTwin.Core.Inference;
using ReactorTwin.Core.Models;
using ReactorTwin.Core.Numerics;
using ReactorTwin.Core.Simulation;

namespace ReactorTwin.Simulator.Plant;

/// <summary>
/// The simulated culture's true state through a batch: a chemical Langevin (or exact Gillespie) path under the
/// plant's true parameters and the batch's inputs, read at the instruments' times. A model whose rates read the time or
/// an input, or that has events, is simulated as one path over the whole batch from its start (its clock, its inputs
/// and its event times are those of the batch); an autonomous model is advanced reading by reading (the same law: a
/// Markov path restarted from its state). Concentrations are truncated at 0 where the instruments read them.
/// </summary>
internal sealed class PlantDynamics
{
    private readonly ReactionNetwork _model;
    private readonly double[] _theta, _z;
    private readonly ChemicalLangevinSimulator _cle;
    private readonly GillespieSimulator? _ssa;
    private readonly GaussianSource _noise;
    private readonly Random _plantRandom;
    private readonly bool _wholeBatch;
    private ObservablePredictor? _observables;
    private double[]? _observableValues;
    private double[] _pathTimes = [], _path = [];
    private InputSchedule? _inputs;
    private double _time;

    public PlantDynamics(ReactionNetwork model, double[] theta, double stepHours, bool exact, GaussianSource noise, Random plantRandom)
    {
        _model = model;
        _theta = theta;
        _z = new double[model.StateDimension];
        _cle = new ChemicalLangevinSimulator(model, stepHours);
        _ssa = exact ? new GillespieSimulator(model) : null;
        _noise = noise;
        _plantRandom = plantRandom;
        _wholeBatch = model.Compiled.IsTimeDependent || model.Events.Count > 0;
    }

    /// <summary>The true state z now.</summary>
    public double[] State => _z;

    /// <summary>The batch's inputs (null: the model's values).</summary>
    public InputSchedule? Inputs => _inputs;

    /// <summary>Starts a batch at <paramref name="initialState"/> with <paramref name="inputs"/>; for a time-dependent
    /// model the whole path to the instruments' times <paramref name="readingTimes"/> (ascending, distinct) is drawn now.</summary>
    public void BeginBatch(double[] initialState, InputSchedule? inputs, IReadOnlyList<double> readingTimes)
    {
        initialState.AsSpan().CopyTo(_z);
        _inputs = inputs;
        _time = 0;
        if (!_wholeBatch || readingTimes.Count == 0)
        {
            return;
        }

        int n = _z.Length;
        _pathTimes = [.. readingTimes];
        _path = new double[_pathTimes.Length * n];
        if (_ssa is not null)
        {
            _ssa.Simulate(initialState, _theta, _pathTimes, _path, _plantRandom, inputs);
        }
        else
        {
            _cle.Simulate(initialState, _theta, _pathTimes, _path, _noise, inputs);
        }
    }

    /// <summary>Moves the state to culture time <paramref name="hours"/> (≥ the current time; for a time-dependent
    /// model one of the reading times).</summary>
    public void AdvanceTo(double hours)
    {
        if (hours <= _time)
        {
            return;
        }

        if (_wholeBatch)
        {
            int j = Array.IndexOf(_pathTimes, hours);
            if (j < 0)
            {
                throw new InvalidOperationException($"the plant's path has no point at {hours} h");
            }

            _path.AsSpan(j * _z.Length, _z.Length).CopyTo(_z);
        }
        else
        {
            var start = _z.ToArray();
            if (_ssa is not null)
            {
                _ssa.Simulate(start, _theta, [hours - _time], _z, _plantRandom, _inputs);
            }
            else
            {
                _cle.Simulate(start, _theta, [hours - _time], _z, _noise, _inputs);
            }
        }

        for (int i = 0; i < _z.Length; i++)
        {
            _z[i] = Math.Max(_z[i], 0.0);
        }

        _time = hours;
    }

    /// <summary>What channel <paramref name="name"/> truly reads now: a state component, an observable's formula at the
    /// state (OD600 of the biomass), or an input's value (a pump's rate).</summary>
    public double TrueValue(string name)
    {
        int input = _model.IndexOfInput(name);
        if (input >= 0)
        {
            return _inputs?.Value(name, _time) ?? _model.Inputs[input].Value;
        }

        int index = _model.IndexOfChannel(name);
        int n = _model.StateDimension;
        if (index < n)
        {
            return _z[index];
        }

        _observables ??= new ObservablePredictor(_model);
        _observableValues ??= new double[_observables.Count];
        _observables.Values(_theta, _time, _inputs, _z, _observableValues);
        return _observableValues[index - n];
    }
}
