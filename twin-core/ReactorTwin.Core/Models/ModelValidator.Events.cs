using ReactorTwin.Core.Expressions;

namespace ReactorTwin.Core.Models;

/// <summary>The event rules of <see cref="ModelValidator"/>: times, triggers and assignments, compiled.</summary>
internal static partial class ModelValidator
{
    private static CompiledEvents Events(ModelDraft d, Dictionary<string, int> stateIndex, FormulaBinder binder, Action<string, string> err)
    {
        int n = stateIndex.Count;
        var assignments = new Expr[d.Events.Count][];
        var triggers = new Expr?[d.Events.Count];
        var names = new HashSet<string>(StringComparer.Ordinal);
        var stateNames = stateIndex.OrderBy(kv => kv.Value).Select(kv => kv.Key).ToArray();
        for (int e = 0; e < d.Events.Count; e++)
        {
            var ev = d.Events[e];
            string at = $"$.events[{e}]";
            if (string.IsNullOrEmpty(ev.Name) || !IsIdentifier(ev.Name))
            {
                err(at + ".name", $"'{ev.Name}' is not a valid event name");
            }
            else if (!names.Add(ev.Name))
            {
                err(at + ".name", $"the event name '{ev.Name}' is used twice");
            }

            if ((ev.Times is null) == (ev.Trigger is null))
            {
                err(at, $"event '{ev.Name}' needs exactly one of 'at' (times) and 'trigger' (a condition)");
            }

            for (int k = 0; k < (ev.Times?.Count ?? 0); k++)
            {
                if (!double.IsFinite(ev.Times![k]) || ev.Times[k] < 0)
                {
                    err($"{at}.at[{k}]", $"an event time must be finite and ≥ 0 h, not {ev.Times[k]}");
                }
            }

            if (ev.Trigger is not null)
            {
                triggers[e] = Trigger(ev, at + ".trigger", binder, err);
            }

            var h = new Expr[n];
            for (int i = 0; i < n; i++)
            {
                h[i] = new Sym(stateNames[i], SymbolKind.State, i);
            }

            if (ev.Assignments is null || ev.Assignments.Count == 0)
            {
                err(at + ".assign", $"event '{ev.Name}' changes nothing: give at least one assignment such as {{\"S\": \"S + 5\"}}");
            }

            foreach (var (target, formula) in ev.Assignments ?? new Dictionary<string, string>())
            {
                string ap = $"{at}.assign.{target}";
                var value = binder.Bind(formula, ap, FormulaScope.Dynamic, "event assignment");
                if (!stateIndex.TryGetValue(target, out int zi))
                {
                    err(ap, $"event '{ev.Name}' assigns '{target}', which is not a species, cell phase or volume of this model (events change the state only)");
                }
                else if (value is not null)
                {
                    h[zi] = value;
                }
            }

            assignments[e] = h;
        }

        return new CompiledEvents(n, d.Parameters.Count, d.Inputs.Count, binder.TimeSlot, assignments, triggers);
    }

    /// <summary>The root function g of a trigger: one comparison, true where g ≥ 0.</summary>
    private static Expr? Trigger(ModelEvent ev, string path, FormulaBinder binder, Action<string, string> err)
    {
        var condition = binder.Bind(ev.Trigger, path, FormulaScope.Dynamic, "trigger");
        switch (condition)
        {
            case null:
                return null;
            case Compare { Op: CompareOp.Less or CompareOp.LessOrEqual } c:
                return Algebra.Sub(c.Right, c.Left);
            case Compare { Op: CompareOp.Greater or CompareOp.GreaterOrEqual } c:
                return Algebra.Sub(c.Left, c.Right);
            default:
                err(path, $"the trigger of event '{ev.Name}' must be one comparison with <, <=, > or >= (such as \"S < 0.1\" or \"t >= tFeed\"), not \"{ev.Trigger}\"");
                return null;
        }
    }
}
