namespace ReactorTwin.Core.Expressions;

/// <summary>
/// Simplifying constructors, exact symbolic differentiation and tree walks over <see cref="Expr"/>.
/// Simplification is local (constant folding and the identities x+0, x·1, x·0, x/1, x^1, x^0, −(−x)); it keeps
/// derivative trees small without changing values.
/// </summary>
internal static class Algebra
{
    public static Expr Add(Expr a, Expr b)
    {
        if (a is Const ca && b is Const cb)
        {
            return new Const(ca.Value + cb.Value);
        }

        if (IsZero(a))
        {
            return b;
        }

        if (IsZero(b))
        {
            return a;
        }

        if (b is Unary { Op: UnaryOp.Negate } nb)
        {
            return Sub(a, nb.Operand);
        }

        return new Binary(BinaryOp.Add, a, b);
    }

    public static Expr Sub(Expr a, Expr b)
    {
        if (a is Const ca && b is Const cb)
        {
            return new Const(ca.Value - cb.Value);
        }

        if (IsZero(b))
        {
            return a;
        }

        if (IsZero(a))
        {
            return Neg(b);
        }

        if (a == b)
        {
            return Expr.Zero;
        }

        return new Binary(BinaryOp.Subtract, a, b);
    }

    public static Expr Mul(Expr a, Expr b)
    {
        if (a is Const ca && b is Const cb)
        {
            return new Const(ca.Value * cb.Value);
        }

        if (IsZero(a) || IsZero(b))
        {
            return Expr.Zero;
        }

        if (IsOne(a))
        {
            return b;
        }

        if (IsOne(b))
        {
            return a;
        }

        if (a is Const { Value: -1.0 })
        {
            return Neg(b);
        }

        if (b is Const { Value: -1.0 })
        {
            return Neg(a);
        }

        // Constants to the left so that folding meets them.
        if (b is Const && a is not Const)
        {
            return Mul(b, a);
        }

        if (a is Const c1 && b is Binary { Op: BinaryOp.Multiply, Left: Const c2 } bm)
        {
            return Mul(new Const(c1.Value * c2.Value), bm.Right);
        }

        return new Binary(BinaryOp.Multiply, a, b);
    }

    public static Expr Div(Expr a, Expr b)
    {
        if (a is Const ca && b is Const cb && cb.Value != 0.0)
        {
            return new Const(ca.Value / cb.Value);
        }

        if (IsZero(a) && !IsZero(b))
        {
            return Expr.Zero;
        }

        if (IsOne(b))
        {
            return a;
        }

        return new Binary(BinaryOp.Divide, a, b);
    }

    public static Expr Pow(Expr a, Expr b)
    {
        if (a is Const ca && b is Const cb)
        {
            return new Const(Math.Pow(ca.Value, cb.Value));
        }

        if (IsZero(b))
        {
            return Expr.One;
        }

        if (IsOne(b))
        {
            return a;
        }

        return new Binary(BinaryOp.Power, a, b);
    }

    public static Expr Neg(Expr a) => a switch
    {
        Const c => new Const(-c.Value),
        Unary { Op: UnaryOp.Negate } u => u.Operand,
        _ => new Unary(UnaryOp.Negate, a),
    };

    public static Expr Apply(UnaryOp op, Expr a) => op switch
    {
        UnaryOp.Negate => Neg(a),
        UnaryOp.Exp => a is Const c ? new Const(Math.Exp(c.Value)) : new Unary(op, a),
        UnaryOp.Log => a is Const c && c.Value > 0 ? new Const(Math.Log(c.Value)) : new Unary(op, a),
        UnaryOp.Sqrt => a is Const c && c.Value >= 0 ? new Const(Math.Sqrt(c.Value)) : new Unary(op, a),
        UnaryOp.PositivePart => a is Const c ? new Const(Math.Max(c.Value, 0.0)) : new Unary(op, a),
        UnaryOp.Step => a is Const c ? (c.Value > 0 ? Expr.One : Expr.Zero) : new Unary(op, a),
        _ => throw new InvalidOperationException(op.ToString()),
    };

    public static Expr Apply(BinaryOp op, Expr a, Expr b) => op switch
    {
        BinaryOp.Add => Add(a, b),
        BinaryOp.Subtract => Sub(a, b),
        BinaryOp.Multiply => Mul(a, b),
        BinaryOp.Divide => Div(a, b),
        BinaryOp.Power => Pow(a, b),
        _ => throw new InvalidOperationException(op.ToString()),
    };

    /// <summary>A comparison, folded to 1 or 0 when both sides are constants.</summary>
    public static Expr Comparison(CompareOp op, Expr a, Expr b) =>
        a is Const ca && b is Const cb ? (Holds(op, ca.Value, cb.Value) ? Expr.One : Expr.Zero) : new Compare(op, a, b);

    /// <summary>A logical operation, folded when its value is decided by constant operands.</summary>
    public static Expr Logic(LogicalOp op, Expr a, Expr? b)
    {
        switch (op)
        {
            case LogicalOp.Not:
                return a is Const ca ? (ca.Value != 0.0 ? Expr.Zero : Expr.One) : new Logical(op, a);
            case LogicalOp.And:
                if (a is Const { Value: 0.0 } || b is Const { Value: 0.0 })
                {
                    return Expr.Zero;
                }

                if (a is Const && b is Const)
                {
                    return Expr.One;
                }

                return new Logical(op, a, b);
            default:
                if ((a is Const x && x.Value != 0.0) || (b is Const y && y.Value != 0.0))
                {
                    return Expr.One;
                }

                if (a is Const && b is Const)
                {
                    return Expr.Zero;
                }

                return new Logical(op, a, b);
        }
    }

    /// <summary>if(c, a, b), folded when the condition is constant or both branches are equal.</summary>
    public static Expr If(Expr condition, Expr a, Expr b)
    {
        if (condition is Const c)
        {
            return c.Value != 0.0 ? a : b;
        }

        return a == b ? a : new Conditional(condition, a, b);
    }

    /// <summary>Whether a comparison holds for two numbers.</summary>
    public static bool Holds(CompareOp op, double a, double b) => op switch
    {
        CompareOp.Less => a < b,
        CompareOp.LessOrEqual => a <= b,
        CompareOp.Greater => a > b,
        CompareOp.GreaterOrEqual => a >= b,
        CompareOp.Equal => a == b,
        _ => a != b,
    };

    /// <summary>Rebuilds a tree through the simplifying constructors.</summary>
    public static Expr Simplify(Expr e) => e switch
    {
        Unary u => Apply(u.Op, Simplify(u.Operand)),
        Binary b => Apply(b.Op, Simplify(b.Left), Simplify(b.Right)),
        Compare c => Comparison(c.Op, Simplify(c.Left), Simplify(c.Right)),
        Logical l => Logic(l.Op, Simplify(l.Left), l.Right is null ? null : Simplify(l.Right)),
        Conditional c => If(Simplify(c.Condition), Simplify(c.Then), Simplify(c.Else)),
        _ => e,
    };

    /// <summary>Replaces every symbol by what <paramref name="bind"/> returns for it.</summary>
    public static Expr Substitute(Expr e, Func<Sym, Expr> bind) => e switch
    {
        Sym s => bind(s),
        Unary u => new Unary(u.Op, Substitute(u.Operand, bind)),
        Binary b => new Binary(b.Op, Substitute(b.Left, bind), Substitute(b.Right, bind)),
        Compare c => new Compare(c.Op, Substitute(c.Left, bind), Substitute(c.Right, bind)),
        Logical l => new Logical(l.Op, Substitute(l.Left, bind), l.Right is null ? null : Substitute(l.Right, bind)),
        Conditional c => new Conditional(Substitute(c.Condition, bind), Substitute(c.Then, bind), Substitute(c.Else, bind)),
        _ => e,
    };

    /// <summary>
    /// Exact derivative ∂e/∂x where x is the bound symbol of the given kind and index.
    /// </summary>
    public static Expr Differentiate(Expr e, SymbolKind kind, int index)
    {
        switch (e)
        {
            case Const or Compare or Logical:
                return Expr.Zero; // conditions are piecewise constant
            case Conditional c:
                return If(c.Condition, Differentiate(c.Then, kind, index), Differentiate(c.Else, kind, index));
            case Sym s:
                return s.Kind == kind && s.Index == index ? Expr.One : Expr.Zero;
            case Unary u:
            {
                var du = Differentiate(u.Operand, kind, index);
                if (IsZero(du))
                {
                    return Expr.Zero;
                }

                return u.Op switch
                {
                    UnaryOp.Negate => Neg(du),
                    UnaryOp.Exp => Mul(du, u),
                    UnaryOp.Log => Div(du, u.Operand),
                    UnaryOp.Sqrt => Div(du, Mul(new Const(2.0), u)),
                    UnaryOp.PositivePart => Mul(Apply(UnaryOp.Step, u.Operand), du),
                    UnaryOp.Step => Expr.Zero,
                    _ => throw new InvalidOperationException(u.Op.ToString()),
                };
            }

            case Binary b:
            {
                var da = Differentiate(b.Left, kind, index);
                var db = Differentiate(b.Right, kind, index);
                switch (b.Op)
                {
                    case BinaryOp.Add:
                        return Add(da, db);
                    case BinaryOp.Subtract:
                        return Sub(da, db);
                    case BinaryOp.Multiply:
                        return Add(Mul(da, b.Right), Mul(b.Left, db));
                    case BinaryOp.Divide:
                        // (a/b)' = a'/b − a b'/b²
                        if (IsZero(db))
                        {
                            return Div(da, b.Right);
                        }

                        return Sub(Div(da, b.Right), Div(Mul(b.Left, db), Mul(b.Right, b.Right)));
                    case BinaryOp.Power:
                        if (IsZero(db))
                        {
                            // (a^c)' = c a^(c−1) a'
                            if (IsZero(da))
                            {
                                return Expr.Zero;
                            }

                            var cm1 = b.Right is Const c ? new Const(c.Value - 1.0) : Sub(b.Right, Expr.One);
                            return Mul(Mul(b.Right, Pow(b.Left, cm1)), da);
                        }

                        // (a^v)' = a^v (v' ln a + v a'/a)
                        return Mul(b, Add(Mul(db, Apply(UnaryOp.Log, b.Left)), Div(Mul(b.Right, da), b.Left)));
                    default:
                        throw new InvalidOperationException(b.Op.ToString());
                }
            }

            default:
                throw new InvalidOperationException(e.GetType().Name);
        }
    }

    /// <summary>Visits every node, parents before children (left to right).</summary>
    public static IEnumerable<Expr> Nodes(Expr e)
    {
        var stack = new Stack<Expr>();
        stack.Push(e);
        while (stack.Count > 0)
        {
            var n = stack.Pop();
            yield return n;
            foreach (var child in Children(n).Reverse())
            {
                stack.Push(child);
            }
        }
    }

    /// <summary>The direct operands of a node (none for constants and symbols).</summary>
    public static IEnumerable<Expr> Children(Expr e)
    {
        switch (e)
        {
            case Unary u:
                yield return u.Operand;
                break;
            case Binary b:
                yield return b.Left;
                yield return b.Right;
                break;
            case Compare c:
                yield return c.Left;
                yield return c.Right;
                break;
            case Logical l:
                yield return l.Left;
                if (l.Right is not null)
                {
                    yield return l.Right;
                }

                break;
            case Conditional c:
                yield return c.Condition;
                yield return c.Then;
                yield return c.Else;
                break;
        }
    }

    /// <summary>True when the expression contains no symbol, so that it folds to a constant.</summary>
    public static bool IsConstant(Expr e) => !Nodes(e).OfType<Sym>().Any();

    /// <summary>True when the expression refers to a symbol of the given kind.</summary>
    public static bool Uses(Expr e, SymbolKind kind) => Nodes(e).OfType<Sym>().Any(s => s.Kind == kind);

    public static bool IsZero(Expr e) => e is Const { Value: 0.0 };

    public static bool IsOne(Expr e) => e is Const { Value: 1.0 };
}
