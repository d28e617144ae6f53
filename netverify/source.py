"""Where an object or a field came from: file, document, list item, line.

Every model object keeps a ``SourceRef`` so that errors, verdicts and findings
can point the user back to the exact manifest text.
"""

from __future__ import annotations

from dataclasses import dataclass

# Kind, namespace (63) and name (253) of a valid object fit; longer ones are cut.
_LONGEST_REF = 340


@dataclass(frozen=True, slots=True, kw_only=True)
class SourceRef:
    """A location in the input: ``file`` as given by the user, 1-based indexes."""

    file: str
    document: int  # 1-based index of the YAML document in the file
    item: int | None = None  # 1-based index inside a ``kind: List``
    line: int | None = None  # 1-based line of the object (or of ``field``)
    kind: str | None = None
    namespace: str | None = None
    name: str | None = None
    field: str | None = None  # e.g. spec.ingress[0].from[1]
    column: int | None = None  # 1-based column of ``field`` (errors only; objects have none)

    def with_object(self, kind: str | None, namespace: str | None, name: str | None) -> SourceRef:
        """Return a copy naming the object this location holds."""
        # Spelled out rather than dataclasses.replace: this runs once per object loaded.
        return SourceRef(file=self.file, document=self.document, item=self.item,
                         line=self.line, kind=kind, namespace=namespace, name=name,
                         field=self.field, column=self.column)

    def at(self, field: str, line: int | None = None, column: int | None = None) -> SourceRef:
        """Return a copy pointing at ``field`` inside the object (at ``line``:``column``)."""
        return SourceRef(file=self.file, document=self.document, item=self.item,
                         line=line if line is not None else self.line, kind=self.kind,
                         namespace=self.namespace, name=self.name, field=field,
                         column=column if line is not None else None)

    @property
    def object_ref(self) -> str:
        """``Kind ns/name`` (or ``Kind name`` for cluster-scoped objects)."""
        if self.kind is None:
            return ""
        if self.namespace:
            return f"{self.kind} {self.namespace}/{self.name}"
        return f"{self.kind} {self.name}" if self.name else self.kind

    def location(self) -> str:
        """``file:line`` or ``file:line:column`` (the parts that are known)."""
        if not self.line:
            return self.file
        if self.column:
            return f"{self.file}:{self.line}:{self.column}"
        return f"{self.file}:{self.line}"

    def describe(self) -> str:
        """One-line location used in error messages.

        ``policies.yaml:14: document 3 (NetworkPolicy backend/allow-web)``
        """
        where = f"document {self.document}"
        if self.item is not None:
            where += f" item {self.item}"
        if self.kind is not None:
            ref = self.object_ref  # names come from the input: an invalid one may be huge
            if len(ref) > _LONGEST_REF:
                ref = f"{ref[:_LONGEST_REF]}… ({len(ref):,} characters)"
            where += f" ({ref})"
        return f"{self.location()}: {where}"
