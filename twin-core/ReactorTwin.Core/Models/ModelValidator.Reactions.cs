using ReactorTwin.Core.Expressions;

namespace ReactorTwin.Core.Models;

/// <summary>One channel of the compiled model before compilation: its stoichiometry column, rate and noise status.</summary>
/// <param name="Name">Channel name (the reaction's, <c>from-&gt;to</c> for a transition, <c>name:reverse</c> for a backward channel).</param>
/// <param name="Column">Change of each state component per unit extent (length n; constants or formulas of θ).</param>
/// <param name="Rate">The rate a_r.</param>
/// <param name="Deterministic">True for channels that carry no intrinsic noise even though they change species (dilution, feeds).</param>
/// <param name="Reversible">The reaction's <see cref="Reaction.Reversible"/> (null for transitions and automatic splitting).</param>
internal sealed record ChannelDraft(string Name, Expr[] Column, Expr Rate, bool Deterministic = false, bool? Reversible = null);

/// <summary>The reaction and transition rules of <see cref="ModelValidator"/>, and how they become channels.</summary>
internal static partial class ModelValidator
{
    private static List<ChannelDraft> Channels(ModelDraft d, Dictionary<string, int> stateIndex, FormulaBinder binder, Action<string, string> err)
    {
        int n = d.Species.Count + d.Phases.Count;
        var channels = new List<ChannelDraft>();
        var reactionNames = new HashSet<string>(StringComparer.Ordinal);
        var phaseNames = d.Phases.Select(p => p.Name).ToList();
        for (int r = 0; r < d.Reactions.Count; r++)
        {
            var rx = d.Reactions[r];
            string at = $"$.reactions[{r}]";
            if (string.IsNullOrEmpty(rx.Name) || !IsIdentifier(rx.Name))
            {
                err(at + ".name", $"'{rx.Name}' is not a valid reaction name");
            }
            else if (!reactionNames.Add(rx.Name))
            {
                err(at + ".name", $"the reaction name '{rx.Name}' is used twice");
            }

            var column = Column(rx, at, n, stateIndex, binder, err);
            var rate = ReactionRate(rx, at, d.Species.Count, phaseNames, binder, err);
            if (rate is not null && column is not null)
            {
                channels.Add(new ChannelDraft(rx.Name, column, rate, rx.Deterministic, rx.Reversible));
                if (rx.Reversible == true && Algebra.IsZero(SignedParts(rate).Negative))
                {
                    err(at + ".reversible", $"reaction '{rx.Name}' is marked reversible but its rate is not a difference forward − backward (such as \"kf*A - kr*B\"), so it cannot be split into two channels");
                }
            }
        }

        for (int t = 0; t < d.Transitions.Count; t++)
        {
            var tr = d.Transitions[t];
            string at = $"$.transitions[{t}]";
            int from = phaseNames.IndexOf(tr.From);
            int to = phaseNames.IndexOf(tr.To);
            if (from < 0)
            {
                err(at + ".from", $"'{tr.From}' is not a cell phase of this model");
            }

            if (to < 0)
            {
                err(at + ".to", $"'{tr.To}' is not a cell phase of this model");
            }

            if (from >= 0 && from == to)
            {
                err(at + ".to", $"a transition must go to another phase, not from '{tr.From}' to itself");
            }

            var rate = binder.Bind(tr.Rate, at + ".rate", FormulaScope.Dynamic);
            if (from >= 0 && to >= 0 && from != to && rate is not null)
            {
                var column = Zeros(n);
                column[d.Species.Count + from] = new Const(-1.0);
                column[d.Species.Count + to] = Expr.One;
                channels.Add(new ChannelDraft($"{tr.From}->{tr.To}", column, Algebra.Mul(rate, new Sym(tr.From, SymbolKind.State, d.Species.Count + from))));
            }
        }

        SplitReversible(channels, d.Reactions.Count);
        return channels;
    }

    private static Expr[]? Column(Reaction rx, string at, int n, Dictionary<string, int> stateIndex, FormulaBinder binder, Action<string, string> err)
    {
        int given = (rx.Stoichiometry?.Count ?? 0) + (rx.StoichiometryFormulas?.Count ?? 0);
        if (given == 0)
        {
            err(at + ".stoichiometry", $"reaction '{rx.Name}' changes nothing: its stoichiometry is empty");
            return null;
        }

        var column = Zeros(n);
        bool ok = true;
        foreach (var (component, coefficient) in rx.Stoichiometry ?? new Dictionary<string, double>())
        {
            string sp = $"{at}.stoichiometry.{component}";
            if (!stateIndex.TryGetValue(component, out int zi))
            {
                err(sp, $"reaction '{rx.Name}' names '{component}', which is not a species or cell phase of this model");
                ok = false;
            }
            else if (!double.IsFinite(coefficient) || coefficient == 0.0)
            {
                err(sp, $"the stoichiometric coefficient of '{component}' in reaction '{rx.Name}' must be finite and non-zero, not {coefficient}");
                ok = false;
            }
            else
            {
                column[zi] = new Const(coefficient);
            }
        }

        foreach (var (component, formula) in rx.StoichiometryFormulas ?? new Dictionary<string, string>())
        {
            string sp = $"{at}.stoichiometry.{component}";
            if (!stateIndex.TryGetValue(component, out int zi))
            {
                err(sp, $"reaction '{rx.Name}' names '{component}', which is not a species or cell phase of this model");
                ok = false;
                continue;
            }

            if (rx.Stoichiometry?.ContainsKey(component) == true)
            {
                err(sp, $"reaction '{rx.Name}' gives the coefficient of '{component}' twice");
                ok = false;
                continue;
            }

            var e = binder.Bind(formula, sp, FormulaScope.Parameters, "stoichiometric coefficient");
            if (e is null)
            {
                ok = false;
            }
            else if (e is Const { Value: var v } && (v == 0.0 || !double.IsFinite(v)))
            {
                err(sp, $"the stoichiometric coefficient of '{component}' in reaction '{rx.Name}' must be finite and non-zero, not {v}");
                ok = false;
            }
            else
            {
                column[zi] = e;
            }
        }

        return ok ? column : null;
    }

    private static Expr? ReactionRate(Reaction rx, string at, int speciesCount, List<string> phaseNames, FormulaBinder binder, Action<string, string> err)
    {
        bool hasRate = rx.Rate is not null;
        bool hasPerPhase = rx.PerPhaseRates is { Count: > 0 };
        if (hasRate == hasPerPhase)
        {
            err(at, $"reaction '{rx.Name}' needs exactly one of 'rate' and 'perPhaseRates'");
            return null;
        }

        if (hasRate)
        {
            return binder.Bind(rx.Rate, at + ".rate", FormulaScope.Dynamic);
        }

        Expr? total = Expr.Zero;
        foreach (var (phase, formula) in rx.PerPhaseRates!)
        {
            string pp = $"{at}.perPhaseRates.{phase}";
            int pj = phaseNames.IndexOf(phase);
            var specific = binder.Bind(formula, pp, FormulaScope.Dynamic);
            if (pj < 0)
            {
                err(pp, $"reaction '{rx.Name}' gives a rate for '{phase}', which is not a cell phase of this model");
                total = null;
            }
            else if (specific is null)
            {
                total = null;
            }
            else if (total is not null)
            {
                var x = new Sym(phase, SymbolKind.State, speciesCount + pj);
                total = Algebra.Add(total, Algebra.Mul(x, specific));
            }
        }

        return total;
    }

    /// <summary>
    /// Reactions whose rate is a difference, a = a⁺ − a⁻ (<see cref="SignedParts"/>), become a forward channel with
    /// rate a⁺ and a backward one with rate a⁻ and the opposite column, appended after all others: the drift is
    /// unchanged, and the stochastic methods see two non-negative propensities instead of a clipped net rate.
    /// A rate that is only negative (a⁺ = 0) is turned around in place.
    /// </summary>
    private static void SplitReversible(List<ChannelDraft> channels, int reactionCount)
    {
        int count = Math.Min(reactionCount, channels.Count);
        for (int r = 0; r < count; r++)
        {
            var c = channels[r];
            var (forward, backward) = SignedParts(c.Rate);
            if (Algebra.IsZero(backward) || c.Reversible == false)
            {
                continue;
            }

            var reversed = c.Column.Select(Algebra.Neg).ToArray();
            if (Algebra.IsZero(forward))
            {
                channels[r] = c with { Column = reversed, Rate = backward };
                continue;
            }

            channels[r] = c with { Rate = forward };
            channels.Add(new ChannelDraft(c.Name + ":reverse", reversed, backward, c.Deterministic));
        }
    }

    /// <summary>
    /// Splits e into e⁺ − e⁻ through sums, differences, negations, products and quotients by an unsplit
    /// denominator, so that for mass-action and reversible Michaelis–Menten laws both parts are non-negative
    /// propensities (<c>k1*A - k2*B</c> → k1·A, k2·B; <c>c*(kf*A - kr*B)/(1 + A)</c> → c·kf·A/(1 + A), c·kr·B/(1 + A)).
    /// Anything else is left whole (e⁻ = 0), as are formulas written with min, max or if.
    /// </summary>
    internal static (Expr Positive, Expr Negative) SignedParts(Expr e)
    {
        switch (e)
        {
            case Const c:
                return c.Value >= 0 ? (c, Expr.Zero) : (Expr.Zero, new Const(-c.Value));
            case Unary { Op: UnaryOp.Negate } u:
            {
                var (p, m) = SignedParts(u.Operand);
                return (m, p);
            }

            case Binary { Op: BinaryOp.Add or BinaryOp.Subtract } b:
            {
                var (p1, m1) = SignedParts(b.Left);
                var (p2, m2) = SignedParts(b.Right);
                return b.Op == BinaryOp.Add
                    ? (Algebra.Add(p1, p2), Algebra.Add(m1, m2))
                    : (Algebra.Add(p1, m2), Algebra.Add(m1, p2));
            }

            case Binary { Op: BinaryOp.Multiply } b:
            {
                var (p1, m1) = SignedParts(b.Left);
                var (p2, m2) = SignedParts(b.Right);
                if (Algebra.IsZero(m1) && Algebra.IsZero(m2))
                {
                    return (e, Expr.Zero);
                }

                return (Algebra.Add(Algebra.Mul(p1, p2), Algebra.Mul(m1, m2)), Algebra.Add(Algebra.Mul(p1, m2), Algebra.Mul(m1, p2)));
            }

            case Binary { Op: BinaryOp.Divide } b:
            {
                var (p1, m1) = SignedParts(b.Left);
                if (Algebra.IsZero(m1) || !Algebra.IsZero(SignedParts(b.Right).Negative))
                {
                    return (e, Expr.Zero);
                }

                return (Algebra.Div(p1, b.Right), Algebra.Div(m1, b.Right));
            }

            default:
                return (e, Expr.Zero);
        }
    }

    private static CompiledModel Compile(ModelDraft d, List<ChannelDraft> channels)
    {
        int n = d.Species.Count + d.Phases.Count;
        int m = channels.Count;
        var stoichiometry = new Expr[n * m];
        for (int i = 0; i < n; i++)
        {
            for (int r = 0; r < m; r++)
            {
                stoichiometry[(i * m) + r] = channels[r].Column[i];
            }
        }

        return new CompiledModel(
            new CompiledModel.Shape(d.Species.Count, d.Phases.Count, d.Parameters.Count, d.Inputs.Count),
            [.. channels.Select(c => c.Name)],
            stoichiometry,
            [.. channels.Select(c => c.Rate)],
            [.. channels.Select(c => c.Deterministic)]);
    }

    private static Expr[] Zeros(int n)
    {
        var column = new Expr[n];
        Array.Fill(column, Expr.Zero);
        return column;
    }
}
