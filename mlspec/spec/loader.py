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
    path: Path
    text: str
    data: Any
    key_positions: dict[KeyPath, Position] = field(default_factory=dict)
    value_positions: dict[KeyPath, Position] = field(default_factory=dict)

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
    """The file is not a loadable YAML mapping; carries a one-line reason and a position."""

    def __init__(self, message: str, position: Position, kind: str = "yaml") -> None:
        super().__init__(message)
        self.message = message
        self.position = position
        self.kind = kind


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


def _walk(node: yaml.Node, path: KeyPath, doc: Document) -> None:
    if len(path) > MAX_DEPTH:
        raise YamlProblem(f"nested more than {MAX_DEPTH} levels deep", _pos(node.start_mark), "yaml")
    doc.value_positions[path] = _pos(node.start_mark)
    if isinstance(node, yaml.MappingNode):
        seen: dict[str, Position] = {}
        for key_node, value_node in node.value:
            if not isinstance(key_node, yaml.ScalarNode):
                raise YamlProblem("mapping keys must be plain scalars", _pos(key_node.start_mark), "yaml")
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
                )
            seen[key] = _pos(key_node.start_mark)
            doc.key_positions[path + (key,)] = seen[key]
            _walk(value_node, path + (key,), doc)
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            doc.key_positions[path + (index,)] = _pos(item.start_mark)
            _walk(item, path + (index,), doc)


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
        doc = Document(path=path, text=text, data=None)
        _walk(node, (), doc)
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
