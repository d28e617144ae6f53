"""``engines.smt.terms``: the fast ``And``/``Or`` build exactly z3's terms."""

from __future__ import annotations

import z3
from hypothesis import given, settings
from hypothesis import strategies as st

from netverify.engines.smt.terms import and_, not_, or_

_P, _Q, _R = z3.Bools("p q r")
_X = z3.Int("x")
_LEAVES = [_P, _Q, _R, z3.BoolVal(True), z3.BoolVal(False), _X == 3, z3.Not(_P),
           z3.ForAll([_X], _X >= _X), True, False]  # a quantifier and Python bools: z3's way


@settings(max_examples=300, deadline=None)
@given(picks=st.lists(st.sampled_from(range(len(_LEAVES))), max_size=5),
       nested=st.booleans())
def test_the_same_term_as_z3(picks, nested):
    args = [_LEAVES[i] for i in picks]
    if nested and args:
        args = [and_(*args), or_(*args), *args]
    for fast, slow in ((and_, z3.And), (or_, z3.Or)):
        a, b = fast(*args), slow(*args)
        assert a.eq(b) and a.get_id() == b.get_id()
        assert z3.is_bool(a)


@settings(max_examples=100, deadline=None)
@given(pick=st.sampled_from(range(len(_LEAVES))))
def test_not_is_z3s_not(pick):
    leaf = _LEAVES[pick]
    a, b = not_(leaf), z3.Not(leaf)
    assert a.eq(b) and a.get_id() == b.get_id()
