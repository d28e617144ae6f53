"""The cells of a group matrix held as (G x G) arrays, not one object per cell.

At 100,000 pods in 4,001 namespaces the namespace matrix has 16 million cells: as
``MatrixCell`` objects (and then JSON dicts) they took more memory and time than the
engine (benchmarks/README.md).  ``GroupCells`` keeps the counts, a port-set index per
cell and the undecided marks as arrays; it is still the row-major sequence of
``MatrixCell`` every renderer reads, built one cell at a time on demand, and the
renderers that matter at that size read the arrays directly.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, overload

from netverify.ports import PortSet
from netverify.results import MatrixCell, PodCells

if TYPE_CHECKING:  # numpy is imported by whoever builds the arrays: can-reach never does
    import numpy as np
    import numpy.typing as npt

    Counts = npt.NDArray[np.int64]
    Marks = npt.NDArray[np.bool_]


@dataclass(frozen=True, slots=True, eq=False)
class GroupCells(Sequence[MatrixCell]):
    """Every ordered pair of ``names``, row-major, as arrays.

    ``ports[s, d]`` indexes ``portsets`` (the cell's allowed ports); ``incomplete``
    is None when every cell is decided.
    """

    names: tuple[str, ...]
    allowed_pairs: Counts  # (G x G)
    pairs: Counts  # (G x G)
    ports: npt.NDArray[np.intp]  # (G x G) index into ``portsets``
    portsets: tuple[PortSet, ...]
    incomplete: Marks | None = None  # (G x G)

    def __len__(self) -> int:
        """One cell per ordered pair of groups."""
        return len(self.names) ** 2

    @overload
    def __getitem__(self, i: int) -> MatrixCell: ...

    @overload
    def __getitem__(self, i: slice) -> tuple[MatrixCell, ...]: ...

    def __getitem__(self, i: int | slice) -> MatrixCell | tuple[MatrixCell, ...]:
        """The cell at row-major position ``i`` (or the cells of a slice)."""
        if isinstance(i, slice):
            return tuple(self[k] for k in range(*i.indices(len(self))))
        n = len(self)
        if i < 0:
            i += n
        if not 0 <= i < n:
            raise IndexError(i)
        s, d = divmod(i, len(self.names))
        return MatrixCell(src=self.names[s], dst=self.names[d],
                          allowed=self.portsets[int(self.ports[s, d])],
                          allowed_pairs=int(self.allowed_pairs[s, d]),
                          pairs=int(self.pairs[s, d]),
                          complete=self.incomplete is None or not bool(self.incomplete[s, d]))

    def __iter__(self) -> Iterator[MatrixCell]:
        """The cells row by row, each row's arrays read once."""
        names, sets = self.names, self.portsets
        for s, src in enumerate(names):
            und = self.incomplete[s].tolist() if self.incomplete is not None else None
            for d, (a, p, k) in enumerate(zip(self.allowed_pairs[s].tolist(),
                                              self.pairs[s].tolist(),
                                              self.ports[s].tolist(), strict=True)):
                yield MatrixCell(src=src, dst=names[d], allowed=sets[k], allowed_pairs=a,
                                 pairs=p, complete=und is None or not und[d])

    @property
    def complete(self) -> bool:
        """Whether every cell is decided."""
        return self.incomplete is None or not bool(self.incomplete.any())

    def marked(self, incomplete: Marks) -> GroupCells:
        """These cells with ``incomplete`` cells added to the undecided ones."""
        both = incomplete if self.incomplete is None else self.incomplete | incomplete
        return GroupCells(names=self.names, allowed_pairs=self.allowed_pairs, pairs=self.pairs,
                          ports=self.ports, portsets=self.portsets, incomplete=both)

    def nontrivial(self) -> Iterator[MatrixCell]:
        """Only the cells with an allowed port or an undecided mark, in row-major order."""
        import numpy as np

        keep = np.zeros(self.ports.shape, dtype=bool)
        empty = [k for k, ps in enumerate(self.portsets) if ps.is_empty]
        keep |= ~np.isin(self.ports, empty)
        if self.incomplete is not None:
            keep |= self.incomplete
        for i in np.flatnonzero(keep).tolist():
            yield self[i]


def all_complete(cells: Iterable[MatrixCell]) -> bool:
    """Whether every cell of a matrix is decided (without building array-backed cells)."""
    if isinstance(cells, (GroupCells, PodCells)):
        return cells.complete
    return all(c.complete for c in cells)
