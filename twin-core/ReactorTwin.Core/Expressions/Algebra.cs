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

    /// <summary>Rebuilds a tree through the simplifying constructors.</summary>
    public static Expr Simplify(Expr e) => e switch
    {
        Unary u => Apply(u.Op, Simplify(u.Operand)),
        Binary b => Apply(b.Op, Simplify(b.Left), Simplify(b.Right)),
        _ => e,
    };

    /// <summary>Replaces every symbol by what <paramref name="bind"/> returns for it.</summary>
    public static Expr Substitute(Expr e, Func<Sym, Expr> bind) => e switch
    {
        Sym s => bind(s),
        Unary u => new Unary(u.Op, Substitute(u.Operand, bind)),
        Binary b => new Binary(b.Op, Substitute(b.Left, bind), Substitute(b.Right, bind)),
        _ => e,
    };

    /// <summary>
    /// Exact derivative ∂e/∂x where x is the bound symbol of the given kind and index.
    /// </summary>
    public static Expr Differentiate(Expr e, SymbolKind kind, int index)
    {
        switch (e)
        {
            case Const:
                return Expr.Zero;
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

    /// <summary>Visits every node, parents before children.</summary>
    public static IEnumerable<Expr> Nodes(Expr e)
    {
        var stack = new Stack<Expr>();
        stack.Push(e);
        while (stack.Count > 0)
        {
            var n = stack.Pop();
            yield return n;
            switch (n)
            {
                case Unary u:
                    stack.Push(u.Operand);
                    break;
                case Binary b:
                    stack.Push(b.Right);
                    stack.Push(b.Left);
                    break;
            }
        }
    }

    /// <summary>True when the expression contains no symbol, so that it folds to a constant.</summary>
    public static bool IsConstant(Expr e) => !Nodes(e).OfType<Sym>().Any();

    public static bool IsZero(Expr e) => e is Const { Value: 0.0 };

    public static bool IsOne(Expr e) => e is Const { Value: 1.0 };
}
