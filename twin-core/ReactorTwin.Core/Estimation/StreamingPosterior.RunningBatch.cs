using ReactorTwin.Core.Inference;
using ReactorTwin.Core.Lna;

namespace ReactorTwin.Core.Estimation;

/// <summary>The running batch's readings and input changes: how they enter the live filter and the batch's data.</summary>
public sealed partial class StreamingPosterior
{
    /// <summary>
    /// Absorbs one measurement of the running batch (a new batch id completes the previous batch first): a species or
    /// cell phase, or an observable of the model. States measured at t = 0 set the batch's initial state (the others
    /// start from the model's initial values, or from θ̂ where the initial value is a parameter); every other
    /// measurement, an observable at t = 0 included, is filtered. Returns the log predictive density of the measurement
    /// (0 for initial values).
    /// </summary>
    /// <exception cref="ArgumentException">Unknown component, non-finite value, or time earlier than the last one.</exception>
    public double AddMeasurement(string batch, double timeHours, string component, double value)
    {
        ArgumentNullException.ThrowIfNull(batch);
        int c = _space.Model.IndexOfChannel(component);
        if (c < 0)
        {
            throw new ArgumentException($"'{component}' is not a species, cell phase or observable of model '{_space.Model.Name}'", nameof(component));
        }

        if (!double.IsFinite(value) || !double.IsFinite(timeHours) || timeHours < 0)
        {
            throw new ArgumentException($"batch {batch}: {component} at {timeHours} h = {value} is not a finite measurement at a time ≥ 0");
        }

        EnterBatch(batch, timeHours);
        _current.Add(new DataRow(batch, timeHours, component, value));
        if (IsInitialValue(_current[^1]))
        {
            return 0.0;
        }

        EnsureFilterStarted();
        return Assimilate(_current.Count - 1);
    }

    /// <summary>
    /// Sets input <paramref name="input"/> of the running batch (a feed rate, a temperature setpoint) to
    /// <paramref name="value"/> from <paramref name="timeHours"/> on, as a setpoint changed then: the live filter
    /// predicts with it from there, and the point joins the batch's data, so that its refit integrates the same inputs
    /// (an input row of the data, docs/model-format.md). A new batch id completes the previous batch first.
    /// </summary>
    /// <exception cref="ArgumentException">Unknown input, non-finite value, or a time earlier than the batch's last row.</exception>
    public void SetInput(string batch, double timeHours, string input, double value)
    {
        ArgumentNullException.ThrowIfNull(batch);
        if (_space.Model.IndexOfInput(input) < 0)
        {
            throw new ArgumentException($"'{input}' is not an input of model '{_space.Model.Name}' (inputs: {(_space.Model.Inputs.Count == 0 ? "none" : string.Join(", ", _space.Model.Inputs.Select(u => u.Name)))})", nameof(input));
        }

        if (!double.IsFinite(value) || !double.IsFinite(timeHours) || timeHours < 0)
        {
            throw new ArgumentException($"batch {batch}: input {input} at {timeHours} h = {value} is not a finite value at a time ≥ 0");
        }

        EnterBatch(batch, timeHours);
        _inputs = (_inputs ?? Models.InputSchedule.Constant(_space.Model)).WithPoint(input, timeHours, value);
        _current.Add(new DataRow(batch, timeHours, input, value));
        _lastInputTime = timeHours;
        if (_filterStarted)
        {
            _filter.Inputs = _inputs;
            _ensemble?.SetInputs(_inputs);
        }
    }

    /// <summary>Completes the running batch when <paramref name="batch"/> is another, starts it when none runs, and
    /// refuses a time before the running batch's last reading or input change.</summary>
    private void EnterBatch(string batch, double timeHours)
    {
        if (_batch is not null && batch != _batch)
        {
            CompleteBatch();
        }

        if (_batch is null)
        {
            _batch = batch;
            _filterStarted = false;
            _inputs = null;
            _lastInputTime = 0;
        }

        if (_filterStarted && timeHours < _filter.CurrentTime)
        {
            throw new ArgumentException($"batch {batch}: time {timeHours} h is earlier than the last measurement at {_filter.CurrentTime} h", nameof(timeHours));
        }

        if (timeHours < _lastInputTime)
        {
            throw new ArgumentException($"batch {batch}: time {timeHours} h is earlier than the last input change at {_lastInputTime} h", nameof(timeHours));
        }
    }

    private Models.InputSchedule? _inputs;
    private double _lastInputTime;

    /// <summary>The running batch's rows so far (initial values, readings and input points, in order); empty between
    /// batches. Do not modify.</summary>
    public IReadOnlyList<DataRow> RunningBatchRows => _current;

    /// <summary>True for a state measured at t = 0: the batch's initial value, not a reading to filter.</summary>
    private bool IsInitialValue(DataRow row) => row.TimeHours == 0.0 && _space.Model.IndexOfState(row.Name) >= 0;

    /// <summary>Starts the live filter of the running batch from its t = 0 values (the model's initial values for the
    /// rest, or θ̂ where an initial value is a parameter).</summary>
    private void EnsureFilterStarted()
    {
        if (_filterStarted)
        {
            return;
        }

        var model = _space.Model;
        var z0 = model.DefaultInitialState();
        var measured = new List<int>();
        foreach (var r in _current)
        {
            if (IsInitialValue(r))
            {
                int i = model.IndexOfState(r.Name);
                z0[i] = r.Value;
                if (!measured.Contains(i))
                {
                    measured.Add(i);
                }
            }
        }

        _initialState = z0;
        _initiallyMeasured = [.. measured];
        _absorbed.Clear();
        _filterConsistent = true;
        StartFilter(_filter, _inputs);
        _ensemble?.BeginBatch(z0, _initiallyMeasured, _inputs);
        _filterStarted = true;
    }

    /// <summary>Starts <paramref name="filter"/> at the running batch's t = 0 under θ̂ with <paramref name="inputs"/>.</summary>
    private void StartFilter(KalmanLnaLikelihood filter, Models.InputSchedule? inputs) => filter.BeginBatch(_initialState, inputs, _theta, _initiallyMeasured);
}
