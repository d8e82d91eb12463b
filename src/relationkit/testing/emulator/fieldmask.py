"""Google field masks: the ``fields`` partial-response parameter and update requests' ``fields``.

``sheets.properties,sheets(protectedRanges)``, ``sheets/data/rowData/values/note``,
``files(id,name),nextPageToken``, ``userEnteredFormat(backgroundColor,textFormat)``, ``*``.
A mask parses to a tree ``{name: subtree | None}`` where ``None`` selects the whole value.
"""

from __future__ import annotations

from typing import Any

from ._base import ApiError

Mask = dict[str, "Mask | None"]


def parse(text: str) -> Mask:
    """Parse a field mask; a 400 ``Invalid field selection`` when it does not parse."""
    parser = _Parser(text.replace(" ", ""))
    tree = parser.items()
    if parser.pos != len(parser.text):
        raise _invalid(text)
    return tree


def _invalid(text: str) -> ApiError:
    return ApiError(400, f"Invalid field selection {text}", "INVALID_ARGUMENT", "invalidParameter")


class _Parser:
    def __init__(self, text: str) -> None:
        self.text = text
        self.pos = 0

    def items(self) -> Mask:
        tree: Mask = {}
        while True:
            _merge(tree, self.item())
            if self.pos < len(self.text) and self.text[self.pos] == ",":
                self.pos += 1
                continue
            return tree

    def item(self) -> Mask:
        names = [self.name()]
        while self.pos < len(self.text) and self.text[self.pos] in "./":
            self.pos += 1
            names.append(self.name())
        leaf: Mask | None = None
        if self.pos < len(self.text) and self.text[self.pos] == "(":
            self.pos += 1
            leaf = self.items()
            if self.pos >= len(self.text) or self.text[self.pos] != ")":
                raise _invalid(self.text)
            self.pos += 1
        tree: Mask | None = leaf
        for name in reversed(names):
            tree = {name: tree}
        assert tree is not None
        return tree

    def name(self) -> str:
        start = self.pos
        while self.pos < len(self.text) and (
            self.text[self.pos].isalnum() or self.text[self.pos] in "_*@"
        ):
            self.pos += 1
        if start == self.pos:
            raise _invalid(self.text)
        return self.text[start : self.pos]


def _merge(into: Mask, other: Mask) -> None:
    for key, sub in other.items():
        if key not in into:
            into[key] = sub
        elif into[key] is None or sub is None:
            into[key] = None
        else:
            _merge(into[key], sub)  # type: ignore[arg-type]


def apply(value: Any, mask: Mask | None) -> Any:
    """Keep only the masked parts of ``value`` (lists are masked element by element)."""
    if mask is None or "*" in mask:
        return value
    if isinstance(value, list):
        return [apply(item, mask) for item in value]
    if isinstance(value, dict):
        return {key: apply(value[key], sub) for key, sub in mask.items() if key in value}
    return value


def paths(mask: Mask, prefix: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    """The leaf paths of a mask: ``gridProperties(rowCount,columnCount)`` -> two paths."""
    found: list[tuple[str, ...]] = []
    for key, sub in mask.items():
        if sub is None:
            found.append((*prefix, key))
        else:
            found.extend(paths(sub, (*prefix, key)))
    return found


def selects(mask: Mask | None, *path: str) -> bool:
    """Whether the mask selects anything at or below ``path``."""
    node: Mask | None = mask
    for name in path:
        if node is None or "*" in node:
            return True
        if name not in node:
            return False
        node = node[name]
    return True


def copy_paths(target: dict[str, Any], source: dict[str, Any], mask: Mask) -> None:
    """Set every masked leaf of ``target`` from ``source``; a leaf absent in ``source`` is cleared
    (that is how update requests reset a field)."""
    if "*" in mask:
        target.clear()
        target.update(_deep_copy(source))
        return
    for path in paths(mask):
        _copy_path(target, source, path)


def _copy_path(target: dict[str, Any], source: Any, path: tuple[str, ...]) -> None:
    head, rest = path[0], path[1:]
    present = isinstance(source, dict) and source.get(head) not in (None, {})
    if not rest:
        if present:
            target[head] = _deep_copy(source[head])
        else:
            target.pop(head, None)
        return
    if rest == ("*",):
        _copy_path(target, source, (head,))
        return
    child = target.setdefault(head, {})
    if not isinstance(child, dict):
        child = target[head] = {}
    _copy_path(child, source[head] if present else {}, rest)
    if not child:
        target.pop(head, None)


def _deep_copy(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _deep_copy(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_deep_copy(v) for v in value]
    return value


def without_nulls(value: Any) -> Any:
    """Drop JSON nulls at any depth: in Google's JSON mapping a null field is an unset field."""
    if isinstance(value, dict):
        return {k: without_nulls(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [without_nulls(v) for v in value]
    return value
