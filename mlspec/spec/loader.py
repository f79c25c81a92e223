"""Strict YAML loading that remembers where every key and value is.

Like DVC's loader: parse to a node tree, reject what YAML allows but a spec should not
(duplicate keys, alias bombs, binary files), and keep a map from key path to line and
column so that validation errors can point at the offending key.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NamedTuple

import yaml

try:  # libyaml is ~10x faster; fall back when PyYAML was built without it
    from yaml import CSafeLoader as _Loader
except ImportError:  # pragma: no cover
    from yaml import SafeLoader as _Loader  # type: ignore[assignment]  # same interface, another class

MAX_BYTES = 1_048_576
MAX_NODES = 50_000
MAX_DEPTH = 64

KeyPath = tuple[Any, ...]


class Position(NamedTuple):  # a tuple: made for every node of every spec, so it must be cheap
    line: int  # 1-based
    column: int  # 1-based


@dataclass
class Document:
    """A parsed spec. The positions of its keys and values are read from the node tree when first asked
    for (only an error message needs them), or recorded while loading when the tree has aliases."""

    path: Path
    text: str
    data: Any
    root: yaml.Node | None = field(default=None, repr=False, compare=False)
    _positions: tuple[dict[KeyPath, Position], dict[KeyPath, Position]] | None = field(
        default=None, init=False, repr=False, compare=False
    )

    def _located(self) -> tuple[dict[KeyPath, Position], dict[KeyPath, Position]]:
        if self._positions is None:
            keys: dict[KeyPath, Position] = {}
            values: dict[KeyPath, Position] = {}
            if self.root is not None:
                _walk(self.root, (), keys, values)
            self._positions = (keys, values)
        return self._positions

    @property
    def key_positions(self) -> dict[KeyPath, Position]:
        return self._located()[0]

    @property
    def value_positions(self) -> dict[KeyPath, Position]:
        return self._located()[1]

    def locate(self, loc: KeyPath) -> tuple[Position, KeyPath]:
        """Position of the key at ``loc``, else of its nearest ancestor present in the file."""
        for end in range(len(loc), 0, -1):
            prefix = tuple(loc[:end])
            if prefix in self.key_positions:
                return self.key_positions[prefix], prefix
            if prefix in self.value_positions:
                return self.value_positions[prefix], prefix
        return self.value_positions.get((), Position(1, 1)), ()


class YamlProblem(Exception):
    """The file is not a loadable YAML mapping; carries a one-line reason, a position and, where the problem
    is at a key (a duplicate key, nesting too deep), that key's path."""

    def __init__(self, message: str, position: Position, kind: str = "yaml", key: KeyPath | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.position = position
        self.kind = kind
        self.key = key


def _pos(mark: Any) -> Position:
    return Position(mark.line + 1, mark.column + 1)


def _decode(path: Path, raw: bytes) -> str:
    if len(raw) > MAX_BYTES:
        raise YamlProblem(
            f"file is {len(raw):,} bytes; a spec may be at most {MAX_BYTES:,} bytes", Position(1, 1), "file"
        )
    if b"\x00" in raw:
        offset = raw.index(b"\x00")
        raise YamlProblem(
            f"binary file (NUL byte at offset {offset}): a spec must be UTF-8 text", Position(1, 1), "file"
        )
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise YamlProblem(
            f"not UTF-8 text (invalid byte 0x{raw[exc.start]:02x} at offset {exc.start}): save the file as UTF-8",
            Position(line, 1),
            "file",
        ) from None
    return text


def _yaml_message(exc: yaml.MarkedYAMLError, text: str) -> str:
    problem = (exc.problem or str(exc)).strip()
    mark = exc.problem_mark
    lines = text.splitlines()
    at_tab = bool(mark and mark.line < len(lines) and lines[mark.line][mark.column : mark.column + 1] == "\t")
    if at_tab or "'\\t'" in problem:
        return "tab character: YAML indentation must use spaces; replace the tab with spaces"
    context = (exc.context or "").strip()
    message = f"{problem} ({context})" if context and context not in problem else problem
    return f"invalid YAML: {message}"


def _count_nodes(root: yaml.Node) -> int:
    """Size of the tree with aliases expanded, memoised so an alias bomb is measured cheaply."""
    memo: dict[int, int] = {}

    def size(node: yaml.Node, depth: int) -> int:
        if depth > MAX_DEPTH:
            raise YamlProblem(f"nested more than {MAX_DEPTH} levels deep", _pos(node.start_mark), "yaml")
        key = id(node)
        if key in memo:
            return memo[key]
        memo[key] = 1  # guards against recursive aliases
        if isinstance(node, yaml.MappingNode):
            total = 1 + sum(size(k, depth + 1) + size(v, depth + 1) for k, v in node.value)
        elif isinstance(node, yaml.SequenceNode):
            total = 1 + sum(size(v, depth + 1) for v in node.value)
        else:
            total = 1
        memo[key] = total
        return total

    return size(root, 0)


def _walk(
    node: yaml.Node, path: KeyPath, key_positions: dict[KeyPath, Position], value_positions: dict[KeyPath, Position]
) -> None:
    if len(path) > MAX_DEPTH:
        raise YamlProblem(f"nested more than {MAX_DEPTH} levels deep", _pos(node.start_mark), "yaml", path)
    value_positions[path] = _pos(node.start_mark)
    if isinstance(node, yaml.MappingNode):
        seen: dict[str, Position] = {}
        for key_node, value_node in node.value:
            if not isinstance(key_node, yaml.ScalarNode):
                raise YamlProblem("mapping keys must be plain scalars", _pos(key_node.start_mark), "yaml", path)
            key = key_node.value
            if key == "<<":  # merge key: positions of merged keys stay with their anchor
                continue
            if key in seen:
                first = seen[key]
                raise YamlProblem(
                    f"duplicate key {key!r} (first defined at line {first.line}, column {first.column}); "
                    "remove one of them",
                    _pos(key_node.start_mark),
                    "duplicate-key",
                    path + (key,),
                )
            seen[key] = _pos(key_node.start_mark)
            key_positions[path + (key,)] = seen[key]
            _walk(value_node, path + (key,), key_positions, value_positions)
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            key_positions[path + (index,)] = _pos(item.start_mark)
            _walk(item, path + (index,), key_positions, value_positions)


_STR = "tag:yaml.org,2002:str"
_MAP = "tag:yaml.org,2002:map"
_SEQ = "tag:yaml.org,2002:seq"


class _Unusual(Exception):
    """The one-pass build met something it leaves to `_walk` and PyYAML's constructor: a merge key, a
    collection with another tag, a scalar PyYAML's constructor refuses."""


def _build(node: yaml.Node, depth: int, loader: Any) -> Any:
    """The data of a tree without aliases, with `_walk`'s checks made in the same order: what `_walk`
    followed by PyYAML's `construct_document` gives (plain strings taken as they are, every other scalar
    made by the loader's own constructor), without recording positions. Raises _Unusual where the two
    could differ; the caller then takes the two-pass way."""
    if depth > MAX_DEPTH:
        raise YamlProblem(f"nested more than {MAX_DEPTH} levels deep", _pos(node.start_mark), "yaml")
    cls = type(node)
    if cls is yaml.ScalarNode:
        if node.tag == _STR:
            return node.value
        try:
            return loader.construct_object(node, deep=True)
        except Exception:  # noqa: BLE001  (the two-pass way reports it, at its place in the order)
            raise _Unusual from None
    if cls is yaml.MappingNode:
        if node.tag != _MAP:
            raise _Unusual
        mapping: dict[Any, Any] = {}
        seen: dict[str, yaml.Node] = {}
        for key_node, value_node in node.value:
            if type(key_node) is not yaml.ScalarNode:
                raise YamlProblem("mapping keys must be plain scalars", _pos(key_node.start_mark), "yaml")
            key = key_node.value
            if key == "<<":
                raise _Unusual
            if key in seen:
                first = _pos(seen[key].start_mark)
                raise YamlProblem(
                    f"duplicate key {key!r} (first defined at line {first.line}, column {first.column}); "
                    "remove one of them",
                    _pos(key_node.start_mark),
                    "duplicate-key",
                )
            seen[key] = key_node
            if key_node.tag != _STR:
                try:
                    key = loader.construct_object(key_node, deep=True)
                except Exception:  # noqa: BLE001
                    raise _Unusual from None
            mapping[key] = _build(value_node, depth + 1, loader)
        return mapping
    if cls is yaml.SequenceNode:
        if node.tag != _SEQ:
            raise _Unusual
        return [_build(item, depth + 1, loader) for item in node.value]
    raise _Unusual


def _check_flow_depth(text: str) -> None:
    """Refuse deep flow nesting (`[[[[...`) ourselves, at the first level too deep, before libyaml
    stops it at its own limit with its own wording."""
    depth = 0
    try:
        for event in yaml.parse(text, Loader=yaml.SafeLoader):
            if isinstance(event, yaml.CollectionStartEvent):
                depth += 1
                if depth > MAX_DEPTH:
                    raise YamlProblem(f"nested more than {MAX_DEPTH} levels deep", _pos(event.start_mark), "yaml")
            elif isinstance(event, yaml.CollectionEndEvent):
                depth -= 1
    except yaml.YAMLError:
        return  # the real parse reports it, with its position


def parse_text(path: Path, text: str) -> Document:
    """Parse YAML text into a Document; raise YamlProblem with a position on any problem."""
    if text.count("[") + text.count("{") > MAX_DEPTH:
        _check_flow_depth(text)
    loader = _Loader(text)
    try:
        try:
            node = loader.get_single_node()
        except yaml.MarkedYAMLError as exc:
            mark = exc.problem_mark or exc.context_mark
            raise YamlProblem(_yaml_message(exc, text), _pos(mark) if mark else Position(1, 1)) from None
        except yaml.YAMLError as exc:
            raise YamlProblem(f"invalid YAML: {exc}", Position(1, 1)) from None
        except RecursionError:
            raise YamlProblem(f"nested more than {MAX_DEPTH} levels deep", Position(1, 1)) from None
        if node is None:
            raise YamlProblem(
                "file is empty: a spec is a mapping that starts with `apiVersion: mlspec/v1` "
                "(run `mlspec init` for a starting point)",
                Position(1, 1),
                "empty",
            )
        # Only aliases can make the tree bigger than the text, and an alias needs an anchor (`&`).
        nodes = _count_nodes(node) if "&" in text else 0
        if nodes > MAX_NODES:
            raise YamlProblem(
                f"aliases expand to more than {MAX_NODES:,} nodes ({nodes:,}); this looks like an alias bomb",
                _pos(node.start_mark),
                "alias-bomb",
            )
        if not isinstance(node, yaml.MappingNode):
            kind = {yaml.SequenceNode: "a list", yaml.ScalarNode: "a single value"}.get(type(node), "not a mapping")
            raise YamlProblem(
                f"the top level must be a mapping of keys (apiVersion, name, data, ...), but it is {kind}",
                _pos(node.start_mark),
                "not-a-mapping",
            )
        if "&" not in text:  # no aliases (an alias needs an anchor): check and build in one pass
            try:
                return Document(path=path, text=text, data=_build(node, 0, loader), root=node)
            # _Unusual: left to the two-pass way; YamlProblem: the two-pass way finds the same problem first (the
            # checks run in the same order) and knows the key path it is at, for the message.
            # A failed construction leaves the constructor's bookkeeping behind: start afresh.
            except (_Unusual, YamlProblem):
                loader.constructed_objects = {}
                loader.recursive_objects = {}
                loader.state_generators = []
                loader.deep_construct = False
        doc = Document(path=path, text=text, data=None)
        keys: dict[KeyPath, Position] = {}
        values: dict[KeyPath, Position] = {}
        _walk(node, (), keys, values)
        doc._positions = (keys, values)
        try:
            doc.data = loader.construct_document(node)
        except yaml.MarkedYAMLError as exc:
            mark = exc.problem_mark or exc.context_mark
            raise YamlProblem(_yaml_message(exc, text), _pos(mark) if mark else Position(1, 1)) from None
        return doc
    finally:
        loader.dispose()


def load_document(path: Path) -> Document:
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise YamlProblem("file not found", Position(1, 1), "file") from None
    except IsADirectoryError:
        raise YamlProblem("is a directory, not a spec file", Position(1, 1), "file") from None
    except OSError as exc:
        raise YamlProblem(f"cannot read file: {exc.strerror}", Position(1, 1), "file") from None
    return parse_text(path, _decode(path, raw))


SNIPPET_WIDTH = 160


def snippet(text: str, position: Position, context: int = 1) -> str:
    """Source lines around ``position`` with a caret under the column."""
    lines = text.splitlines()
    if not lines or position.line > len(lines):
        return ""
    first = max(1, position.line - context)
    width = len(str(position.line))
    out = []
    for number in range(first, position.line + 1):
        marker = ">" if number == position.line else " "
        line = lines[number - 1].rstrip()
        line = line if len(line) <= SNIPPET_WIDTH else line[:SNIPPET_WIDTH] + f"... ({len(line)} characters)"
        out.append(f"{marker} {number:>{width}} | {line}")
    out.append(f"  {' ' * width} | {' ' * (position.column - 1)}^")
    return "\n".join(out)
