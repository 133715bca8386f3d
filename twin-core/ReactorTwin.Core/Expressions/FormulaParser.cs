using System.Globalization;

namespace ReactorTwin.Core.Expressions;

/// <summary>
/// Recursive-descent parser of model formulas.
/// Grammar (usual precedence, <c>^</c> right-associative and binding tighter than unary minus; comparisons bind
/// looser than arithmetic, <c>&amp;&amp;</c> tighter than <c>||</c>):
/// <code>
/// cond    := and ('||' and)*
/// and     := compare ('&amp;&amp;' compare)*
/// compare := expr (('&lt;' | '&lt;=' | '&gt;' | '&gt;=' | '==' | '!=') expr)?
/// expr    := term (('+' | '-') term)*
/// term    := unary (('*' | '/') unary)*
/// unary   := ('-' | '+' | '!') unary | power
/// power   := primary ('^' unary)?
/// primary := number | name | name '(' cond (',' cond)* ')' | '(' cond ')'
/// </code>
/// Functions: <c>exp</c>, <c>log</c> (natural), <c>sqrt</c>, <c>pow(a, b)</c>, <c>hill(x, K, n)</c> = xⁿ/(Kⁿ+xⁿ),
/// <c>mm(x, K)</c> = x/(K+x), <c>min</c> and <c>max</c> (two or more arguments), <c>abs</c>,
/// <c>if(condition, then, else)</c>, <c>piecewise(v1, c1, v2, c2, …, otherwise)</c> (the first value whose
/// condition holds), <c>and</c>, <c>or</c>, <c>not</c>. A comparison is 1 where it holds and 0 elsewhere.
/// </summary>
internal sealed class FormulaParser
{
    private readonly string _text;
    private int _pos;

    private FormulaParser(string text) => _text = text;

    /// <summary>Parses a formula into an unbound expression tree.</summary>
    /// <exception cref="FormulaException">The formula is empty or not well formed.</exception>
    public static Expr Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var p = new FormulaParser(text);
        p.SkipSpace();
        if (p._pos >= text.Length)
        {
            throw new FormulaException(text, 0, "the formula is empty");
        }

        var e = p.ParseCondition();
        p.SkipSpace();
        if (p._pos < text.Length)
        {
            throw p.Error($"unexpected '{text[p._pos]}'");
        }

        return e;
    }

    private FormulaException Error(string problem) => new(_text, _pos + 1, problem);

    private void SkipSpace()
    {
        while (_pos < _text.Length && char.IsWhiteSpace(_text[_pos]))
        {
            _pos++;
        }
    }

    private bool Accept(char c)
    {
        SkipSpace();
        if (_pos < _text.Length && _text[_pos] == c)
        {
            _pos++;
            return true;
        }

        return false;
    }

    private Expr ParseCondition()
    {
        var left = ParseAnd();
        while (AcceptPair('|', '|'))
        {
            left = new Logical(LogicalOp.Or, left, ParseAnd());
        }

        return left;
    }

    private Expr ParseAnd()
    {
        var left = ParseCompare();
        while (AcceptPair('&', '&'))
        {
            left = new Logical(LogicalOp.And, left, ParseCompare());
        }

        return left;
    }

    private Expr ParseCompare()
    {
        var left = ParseExpr();
        SkipSpace();
        CompareOp? op = null;
        if (AcceptPair('<', '='))
        {
            op = CompareOp.LessOrEqual;
        }
        else if (AcceptPair('>', '='))
        {
            op = CompareOp.GreaterOrEqual;
        }
        else if (AcceptPair('=', '='))
        {
            op = CompareOp.Equal;
        }
        else if (AcceptPair('!', '='))
        {
            op = CompareOp.NotEqual;
        }
        else if (Accept('<'))
        {
            op = CompareOp.Less;
        }
        else if (Accept('>'))
        {
            op = CompareOp.Greater;
        }
        else if (_pos < _text.Length && _text[_pos] == '=')
        {
            throw Error("'=' is not an operator; write '==' to compare");
        }

        if (op is null)
        {
            return left;
        }

        var right = ParseExpr();
        SkipSpace();
        if (_pos < _text.Length && _text[_pos] is '<' or '>' or '=')
        {
            throw Error("comparisons cannot be chained; combine them with && or and(…)");
        }

        return new Compare(op.Value, left, right);
    }

    private bool AcceptPair(char first, char second)
    {
        SkipSpace();
        if (_pos + 1 < _text.Length && _text[_pos] == first && _text[_pos + 1] == second)
        {
            _pos += 2;
            return true;
        }

        return false;
    }

    private Expr ParseExpr()
    {
        var left = ParseTerm();
        while (true)
        {
            if (Accept('+'))
            {
                left = new Binary(BinaryOp.Add, left, ParseTerm());
            }
            else if (Accept('-'))
            {
                left = new Binary(BinaryOp.Subtract, left, ParseTerm());
            }
            else
            {
                return left;
            }
        }
    }

    private Expr ParseTerm()
    {
        var left = ParseUnary();
        while (true)
        {
            if (Accept('*'))
            {
                left = new Binary(BinaryOp.Multiply, left, ParseUnary());
            }
            else if (Accept('/'))
            {
                left = new Binary(BinaryOp.Divide, left, ParseUnary());
            }
            else
            {
                return left;
            }
        }
    }

    private Expr ParseUnary()
    {
        if (Accept('-'))
        {
            var operand = ParseUnary();
            return operand is Const c ? new Const(-c.Value) : new Unary(UnaryOp.Negate, operand);
        }

        SkipSpace();
        if (_pos + 1 < _text.Length && _text[_pos] == '!' && _text[_pos + 1] != '=')
        {
            _pos++;
            return new Logical(LogicalOp.Not, ParseUnary());
        }

        return Accept('+') ? ParseUnary() : ParsePower();
    }

    private Expr ParsePower()
    {
        var b = ParsePrimary();
        return Accept('^') ? new Binary(BinaryOp.Power, b, ParseUnary()) : b;
    }

    private Expr ParsePrimary()
    {
        SkipSpace();
        if (_pos >= _text.Length)
        {
            throw Error("the formula ends where a number, name or '(' was expected");
        }

        char c = _text[_pos];
        if (c == '(')
        {
            _pos++;
            var inner = ParseCondition();
            if (!Accept(')'))
            {
                throw Error("missing ')'");
            }

            return inner;
        }

        if (char.IsAsciiDigit(c) || c == '.')
        {
            return ParseNumber();
        }

        if (char.IsAsciiLetter(c) || c == '_')
        {
            int start = _pos;
            while (_pos < _text.Length && (char.IsAsciiLetterOrDigit(_text[_pos]) || _text[_pos] == '_'))
            {
                _pos++;
            }

            string name = _text[start.._pos];
            if (Accept('('))
            {
                return ParseCall(name, start);
            }

            return new Sym(name);
        }

        throw Error($"unexpected '{c}'");
    }

    private Const ParseNumber()
    {
        int start = _pos;
        while (_pos < _text.Length && (char.IsAsciiDigit(_text[_pos]) || _text[_pos] == '.'))
        {
            _pos++;
        }

        if (_pos < _text.Length && (_text[_pos] == 'e' || _text[_pos] == 'E'))
        {
            int save = _pos;
            _pos++;
            if (_pos < _text.Length && (_text[_pos] == '+' || _text[_pos] == '-'))
            {
                _pos++;
            }

            if (_pos < _text.Length && char.IsAsciiDigit(_text[_pos]))
            {
                while (_pos < _text.Length && char.IsAsciiDigit(_text[_pos]))
                {
                    _pos++;
                }
            }
            else
            {
                _pos = save;
            }
        }

        string s = _text[start.._pos];
        if (!double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out double v) || !double.IsFinite(v))
        {
            _pos = start;
            throw Error($"'{s}' is not a valid number");
        }

        return new Const(v);
    }

    private Expr ParseCall(string name, int nameStart)
    {
        var args = new List<Expr> { ParseCondition() };
        while (Accept(','))
        {
            args.Add(ParseCondition());
        }

        if (!Accept(')'))
        {
            throw Error($"missing ')' after the arguments of {name}");
        }

        (int min, int max) = name switch
        {
            "exp" or "log" or "ln" or "sqrt" or "abs" or "not" => (1, 1),
            "pow" or "mm" => (2, 2),
            "hill" or "if" => (3, 3),
            "min" or "max" or "and" or "or" => (2, int.MaxValue),
            "piecewise" => (2, int.MaxValue),
            _ => (-1, -1),
        };
        if (min < 0)
        {
            _pos = nameStart;
            throw Error($"unknown function '{name}' (known: {KnownFunctions})");
        }

        if (args.Count < min || args.Count > max)
        {
            _pos = nameStart;
            string count = min == max ? $"{min}" : $"at least {min}";
            throw Error($"{name} takes {count} argument(s), not {args.Count}");
        }

        if (name == "piecewise" && args.Count % 2 == 0)
        {
            _pos = nameStart;
            throw Error("piecewise(v1, c1, v2, c2, …, otherwise) needs a final value for when no condition holds");
        }

        return name switch
        {
            "exp" => new Unary(UnaryOp.Exp, args[0]),
            "log" or "ln" => new Unary(UnaryOp.Log, args[0]),
            "sqrt" => new Unary(UnaryOp.Sqrt, args[0]),
            "pow" => new Binary(BinaryOp.Power, args[0], args[1]),
            "mm" => new Binary(BinaryOp.Divide, args[0], new Binary(BinaryOp.Add, args[1], args[0])),
            "hill" => Hill(args[0], args[1], args[2]),
            "abs" => new Conditional(new Compare(CompareOp.GreaterOrEqual, args[0], Expr.Zero), args[0], new Unary(UnaryOp.Negate, args[0])),
            "not" => new Logical(LogicalOp.Not, args[0]),
            "if" => new Conditional(args[0], args[1], args[2]),
            "min" => Fold(args, (a, b) => new Conditional(new Compare(CompareOp.LessOrEqual, a, b), a, b)),
            "max" => Fold(args, (a, b) => new Conditional(new Compare(CompareOp.GreaterOrEqual, a, b), a, b)),
            "and" => Fold(args, (a, b) => new Logical(LogicalOp.And, a, b)),
            "or" => Fold(args, (a, b) => new Logical(LogicalOp.Or, a, b)),
            _ => Piecewise(args, 0),
        };
    }

    /// <summary>The function names the parser knows, for messages.</summary>
    internal const string KnownFunctions = "exp, log, sqrt, pow, mm, hill, min, max, abs, if, piecewise, and, or, not";

    private static Expr Fold(List<Expr> args, Func<Expr, Expr, Expr> combine)
    {
        var e = args[0];
        for (int i = 1; i < args.Count; i++)
        {
            e = combine(e, args[i]);
        }

        return e;
    }

    private static Expr Piecewise(List<Expr> args, int from) =>
        from == args.Count - 1 ? args[from] : new Conditional(args[from + 1], args[from], Piecewise(args, from + 2));

    private static Binary Hill(Expr x, Expr k, Expr n)
    {
        var xn = new Binary(BinaryOp.Power, x, n);
        return new Binary(BinaryOp.Divide, xn, new Binary(BinaryOp.Add, new Binary(BinaryOp.Power, k, n), xn));
    }
}
