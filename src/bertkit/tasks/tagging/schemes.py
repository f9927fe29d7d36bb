"""Tagging schemes (BIO, BMES) and typed spans: tags <-> spans, with strict validation.

A span is ``(start, end, type)`` with ``end`` exclusive, over any sequence (characters of a
text or tokens of an encoding). ``BIO``: ``B-X`` begins an entity, ``I-X`` continues it.
``BMES`` (also called BIOES): ``B-X`` begins, ``M-X`` continues, ``E-X`` ends, ``S-X`` is a
one-element entity. Both use ``O`` outside entities.

>>> scheme = TagScheme("BMES", ["LOC", "PER"])
>>> scheme.spans_to_tags([(0, 2, "LOC"), (3, 4, "PER")], 5)
['B-LOC', 'E-LOC', 'O', 'S-PER', 'O']
>>> scheme.tags_to_spans(['B-LOC', 'E-LOC', 'O', 'S-PER', 'O'])
[Span(start=0, end=2, type='LOC'), Span(start=3, end=4, type='PER')]
"""

from __future__ import annotations

from typing import Any, Callable, NamedTuple, Sequence

from bertkit.data import DataError

SCHEMES = ("BIO", "BMES")
_ALIASES = {"BIO": "BIO", "IOB2": "BIO", "BMES": "BMES", "BIOES": "BMES", "BMEO": "BMES"}
_PREFIXES = {"BIO": ("B", "I"), "BMES": ("B", "M", "E", "S")}


class Span(NamedTuple):
    """A typed span ``[start, end)`` of a text (characters) or of a token sequence."""

    start: int
    end: int
    type: str  # noqa: A003  (a NamedTuple field, not a Keras layer attribute)


def scheme_name(name: str) -> str:
    """The canonical scheme name for ``name`` (``"bioes"`` -> ``"BMES"``)."""
    canonical = _ALIASES.get(str(name).upper())
    if canonical is None:
        raise DataError(f"unknown tagging scheme {name!r}: use one of {', '.join(SCHEMES)} "
                        "(BIOES is read as BMES).")
    return canonical


def split_tag(tag: str) -> tuple[str, str | None]:
    """``"B-PER"`` -> ``("B", "PER")``; ``"O"`` -> ``("O", None)``. ``B_PER`` works too."""
    if tag == "O":
        return "O", None
    for sep in ("-", "_"):
        if sep in tag:
            prefix, _, kind = tag.partition(sep)
            if prefix and kind:
                return prefix.upper(), kind
    return tag, None


def detect_scheme(tags: Sequence[str]) -> str:
    """BMES when any tag has an ``M``, ``E`` or ``S`` prefix, else BIO."""
    prefixes = {split_tag(t)[0] for t in tags}
    return "BMES" if prefixes & {"M", "E", "S"} else "BIO"


class TagScheme:
    """Tag names for a scheme and entity types, and the conversion between tags and spans.

    Tag ids: ``0`` is ``O``, then every prefix of each type in order (``B-LOC, I-LOC, B-PER,
    ...``).
    """

    def __init__(self, scheme: str, types: Sequence[str]) -> None:
        self.scheme = scheme_name(scheme)
        types = list(types)
        for kind in types:
            if not isinstance(kind, str) or not kind or kind != kind.strip() or kind == "O":
                raise DataError(f"entity type {kind!r} is not usable: types are non-empty "
                                "strings without surrounding spaces, and not 'O'.")
        if len(set(types)) != len(types):
            raise DataError(f"entity types repeat: {types}.")
        self.types = types
        self.tags = ["O"] + [f"{p}-{t}" for t in types for p in _PREFIXES[self.scheme]]
        self._index = {t: i for i, t in enumerate(self.tags)}

    def __repr__(self) -> str:
        return f"TagScheme({self.scheme!r}, {self.types})"

    def __eq__(self, other: object) -> bool:
        return (isinstance(other, TagScheme) and other.scheme == self.scheme
                and other.types == self.types)

    @property
    def num_tags(self) -> int:
        return len(self.tags)

    def tag_id(self, tag: str, where: str = "") -> int:
        """The id of ``tag``; a `DataError` naming ``where`` if it is not a tag of the scheme."""
        if tag in self._index:
            return self._index[tag]
        prefix, kind = split_tag(tag)
        if kind is not None and prefix in _PREFIXES[self.scheme] and kind in self.types:
            return self._index[f"{prefix}-{kind}"]
        if kind is not None and kind not in self.types:
            why = f"its type {kind!r} is not one of the types {self.types}"
        else:
            why = f"{self.scheme} tags are O or {'/'.join(_PREFIXES[self.scheme])}-TYPE"
        raise DataError(f"{where}unknown tag {tag!r}: {why}.")

    # ---- spans -> tags ---------------------------------------------------------------------
    def spans_to_tags(self, spans: Sequence[Sequence[Any]], length: int,
                      where: str = "") -> list[str]:
        """Tags for ``length`` positions; spans must lie inside, have known types, not overlap."""
        tags = ["O"] * length
        for start, end, kind in sorted(spans, key=lambda s: (s[0], s[1])):
            if kind not in self.types:
                raise DataError(f"{where}entity type {kind!r} is not one of {self.types}.")
            if not 0 <= start < end <= length:
                raise DataError(f"{where}span ({start}, {end}, {kind!r}) lies outside the "
                                f"sequence of length {length}.")
            if any(t != "O" for t in tags[start:end]):
                raise DataError(f"{where}span ({start}, {end}, {kind!r}) overlaps another "
                                f"span; {self.scheme} tags cannot express overlapping entities.")
            if self.scheme == "BIO":
                tags[start] = f"B-{kind}"
                for i in range(start + 1, end):
                    tags[i] = f"I-{kind}"
            elif end - start == 1:
                tags[start] = f"S-{kind}"
            else:
                tags[start] = f"B-{kind}"
                for i in range(start + 1, end - 1):
                    tags[i] = f"M-{kind}"
                tags[end - 1] = f"E-{kind}"
        return tags

    # ---- tags -> spans ---------------------------------------------------------------------
    def tags_to_spans(self, tags: Sequence[str | None], strict: bool = False,
                      where: str = "", locate: Callable[[int], str] | None = None
                      ) -> list[Span]:
        """Spans from a tag sequence (``None`` entries are positions without a tag, skipped).

        ``strict=False`` (for model output) repairs ill-formed sequences as conlleval does: a
        continuation tag (``I``/``M``/``E``) that does not continue an entity of its type starts
        a new one. ``strict=True`` (for gold data) raises a `DataError` naming the position
        (``locate(i)`` says where position ``i`` is, e.g. a file line; else ``where`` + index).
        """
        def at(i: int) -> str:
            return locate(i) if locate is not None else f"{where}position {i}: "

        spans: list[Span] = []
        open_start, open_kind, last = None, None, None
        bmes = self.scheme == "BMES"

        def close(end: int | None = None) -> None:
            nonlocal open_start, open_kind
            if end is None:  # just after the last tagged position (skipping ``None`` gaps)
                end = 0 if last is None else last + 1
            if open_kind is not None:
                spans.append(Span(open_start, end, open_kind))
            open_start, open_kind = None, None

        for i, tag in enumerate(tags):
            if tag is None:
                continue
            prefix, kind = split_tag(tag)
            if prefix not in ("O", *_PREFIXES[self.scheme]) or (prefix != "O" and kind is None):
                raise DataError(f"{at(i)}tag {tag!r} is not a {self.scheme} tag.")
            if prefix == "O":
                if strict and bmes and open_kind is not None:
                    raise DataError(f"{at(i)}entity {open_kind!r} opened at "
                                    f"{open_start} is not closed with E-{open_kind}.")
                close()
            elif prefix in ("B", "S"):
                if strict and bmes and open_kind is not None:
                    raise DataError(f"{at(i)}{tag!r} starts an entity while "
                                    f"{open_kind!r} (from {open_start}) is not closed.")
                close()
                open_start, open_kind = i, kind
                if prefix == "S":
                    close(i + 1)
            else:  # I, M, E: continue an open entity of the same type
                if open_kind != kind:
                    if strict:
                        raise DataError(
                            f"{at(i)}{tag!r} continues no {kind} entity (it "
                            f"follows {tags[last] if last is not None else 'the start'!r}); "
                            f"an entity begins with B-{kind}"
                            f"{' or S-' + kind if bmes else ''}.")
                    close()
                    open_start, open_kind = i, kind
                if prefix == "E":
                    close(i + 1)
            last = i
        if open_kind is not None:
            if strict and bmes:
                raise DataError(f"{at(last)}entity {open_kind!r} opened at {open_start} is not "
                                f"closed with E-{open_kind} at the end of the sequence.")
            close()
        return spans

    # ---- saving ----------------------------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        return {"scheme": self.scheme, "types": list(self.types)}

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> "TagScheme":
        return cls(d["scheme"], d["types"])
