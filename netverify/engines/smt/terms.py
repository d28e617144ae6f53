"""``And`` and ``Or`` of Boolean terms without z3's per-argument coercion.

``z3.And``/``z3.Or`` look for probes, contexts and lists, then cast every argument
to the Boolean sort through several Python calls each: building the egress side of
10,000 policies for who-can-reach spent most of its 3 s there.  These build the
same term (``Z3_mk_and``/``Z3_mk_or`` over the same arguments, so the same AST) when
every argument already is a plain ``BoolRef`` of one context, and hand anything
else to z3's own functions.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import z3


def and_(*args: z3.BoolRef) -> z3.BoolRef:
    """``z3.And(*args)``."""
    return _make(z3.Z3_mk_and, z3.And, args)


def or_(*args: z3.BoolRef) -> z3.BoolRef:
    """``z3.Or(*args)``."""
    return _make(z3.Z3_mk_or, z3.Or, args)


def _make(mk: Callable[..., Any], slow: Callable[..., z3.BoolRef],
          args: tuple[z3.BoolRef, ...]) -> z3.BoolRef:
    n = len(args)
    if n == 0 or type(args[0]) is not z3.BoolRef:
        return slow(*args)
    ctx = args[0].ctx
    array = (z3.Ast * n)()
    for i, a in enumerate(args):
        if type(a) is not z3.BoolRef or a.ctx is not ctx:
            return slow(*args)
        array[i] = a.ast
    return z3.BoolRef(mk(ctx.ref(), n, array), ctx)


def not_(a: z3.BoolRef) -> z3.BoolRef:
    """``z3.Not(a)`` (lint builds three per side it encodes, for every candidate edit)."""
    if type(a) is not z3.BoolRef:
        return z3.Not(a)
    return z3.BoolRef(z3.Z3_mk_not(a.ctx.ref(), a.as_ast()), a.ctx)
