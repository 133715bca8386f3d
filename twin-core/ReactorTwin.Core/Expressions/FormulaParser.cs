using System.Globalization;

namespace ReactorTwin.Core.Expressions;

/// <summary>
/// Recursive-descent parser of rate-law formulas.
/// Grammar (usual precedence, <c>^</c> right-associative and binding tighter than unary minus):
/// <code>
/// expr    := term (('+' | '-') term)*
/// term    := unary (('*' | '/') unary)*
/// unary   := ('-' | '+') unary | power
/// power   := primary ('^' unary)?
/// primary := number | name | name '(' expr (',' expr)* ')' | '(' expr ')'
/// </code>
/// Functions: <c>exp</c>, <c>log</c> (natural), <c>sqrt</c>, <c>pow(a, b)</c>, <c>hill(x, K, n)</c> = xⁿ/(Kⁿ+xⁿ),
/// <c>mm(x, K)</c> = x/(K+x).
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

        var e = p.ParseExpr();
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
            var inner = ParseExpr();
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
        var args = new List<Expr> { ParseExpr() };
        while (Accept(','))
        {
            args.Add(ParseExpr());
        }

        if (!Accept(')'))
        {
            throw Error($"missing ')' after the arguments of {name}");
        }

        int expected = name switch
        {
            "exp" or "log" or "ln" or "sqrt" => 1,
            "pow" or "mm" => 2,
            "hill" => 3,
            _ => -1,
        };
        if (expected < 0)
        {
            _pos = nameStart;
            throw Error($"unknown function '{name}' (known: exp, log, sqrt, pow, mm, hill)");
        }

        if (args.Count != expected)
        {
            _pos = nameStart;
            throw Error($"{name} takes {expected} argument(s), not {args.Count}");
        }

        return name switch
        {
            "exp" => new Unary(UnaryOp.Exp, args[0]),
            "log" or "ln" => new Unary(UnaryOp.Log, args[0]),
            "sqrt" => new Unary(UnaryOp.Sqrt, args[0]),
            "pow" => new Binary(BinaryOp.Power, args[0], args[1]),
            "mm" => new Binary(BinaryOp.Divide, args[0], new Binary(BinaryOp.Add, args[1], args[0])),
            _ => Hill(args[0], args[1], args[2]),
        };
    }

    private static Binary Hill(Expr x, Expr k, Expr n)
    {
        var xn = new Binary(BinaryOp.Power, x, n);
        return new Binary(BinaryOp.Divide, xn, new Binary(BinaryOp.Add, new Binary(BinaryOp.Power, k, n), xn));
    }
}
