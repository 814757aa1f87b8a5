"""YAML text -> plain Python data plus a :class:`SourceMap` of line numbers.

PyYAML's safe loader composes the node tree (syntax errors carry line and column); this
module then builds dicts/lists/scalars from the nodes itself so it can record where every
node was written, reject duplicate keys (YAML says they are an error; PyYAML silently keeps
the last one), and keep the source text of plain scalars YAML typed as numbers, booleans or
dates (``01234567`` is an octal number to YAML: the loader can then say "quote it").
Mapping keys are always strings, as written. Merge keys (``<<: *anchor``) are supported.
"""

from __future__ import annotations

from typing import Any

import yaml

from conformance.plan._issues import DocPath, Issues, SourceMap

__all__ = ["YamlSyntaxError", "parse_yaml"]

MAX_DEPTH = 64


class YamlSyntaxError(Exception):
    """The text is not YAML; ``str()`` is one line ``LINE:COLUMN: problem``."""

    def __init__(self, message: str, line: int | None, column: int | None) -> None:
        super().__init__(message)
        self.message = message
        self.line = line
        self.column = column


def _one_line(text: str) -> str:
    return " ".join(text.split())


def parse_yaml(text: str, issues: Issues) -> Any:
    """Parse ``text``; structural problems (duplicate keys, non-string keys, recursive
    aliases, too deep nesting) go to ``issues`` and ``issues.smap`` is filled in.

    Raises :class:`YamlSyntaxError` for text that is not (single-document) YAML.
    """
    loader = yaml.SafeLoader(text)
    try:
        try:
            node = loader.get_single_node()
        except yaml.MarkedYAMLError as exc:
            mark = exc.problem_mark or exc.context_mark
            problem = _one_line(exc.problem or "invalid YAML")
            if exc.context:  # PyYAML's order: the context, then the problem
                problem = f"{_one_line(exc.context)}, {problem}"
            raise YamlSyntaxError(problem, mark.line + 1 if mark else None,
                                  mark.column + 1 if mark else None) from None
        except yaml.YAMLError as exc:
            raise YamlSyntaxError(_one_line(str(exc)), None, None) from None
        except RecursionError:
            raise YamlSyntaxError(f"nesting deeper than {MAX_DEPTH} levels", None,
                                  None) from None
        if node is None:
            return None
        return _Builder(loader, issues).convert(node, (), ())
    finally:
        loader.dispose()


class _Builder:
    def __init__(self, loader: yaml.SafeLoader, issues: Issues) -> None:
        self.loader = loader
        self.issues = issues
        self.smap: SourceMap = issues.smap

    def convert(self, node: yaml.Node, path: DocPath, active: tuple[int, ...]) -> Any:
        # Plain assignment: merged entries come first, so an own entry's position wins.
        self.smap.values[path] = (node.start_mark.line + 1, node.start_mark.column + 1)
        if id(node) in active:
            self.issues.add(path, "recursive YAML alias")
            return None
        if len(path) > MAX_DEPTH:
            self.issues.add(path, f"nesting deeper than {MAX_DEPTH} levels")
            return None
        active = (*active, id(node))
        if isinstance(node, yaml.MappingNode):
            return self._mapping(node, path, active)
        if isinstance(node, yaml.SequenceNode):
            return [self.convert(item, (*path, i), active) for i, item in enumerate(node.value)]
        if isinstance(node, yaml.ScalarNode):
            return self._scalar(node, path)
        self.issues.add(path, f"unsupported YAML node {type(node).__name__}")
        return None

    def _mapping(self, node: yaml.MappingNode, path: DocPath, active: tuple[int, ...]) -> Any:
        own: dict[str, yaml.Node] = {}
        for key_node, _ in node.value:
            if key_node.tag == "tag:yaml.org,2002:merge":
                continue
            if isinstance(key_node, yaml.ScalarNode):
                key = key_node.value
                if key in own:
                    line = key_node.start_mark.line + 1
                    first = own[key].start_mark.line + 1
                    self.issues.add((*path, key), f"duplicate key {key!r} (first on line {first})",
                                    line=line)
                own[key] = key_node
        try:
            self.loader.flatten_mapping(node)
        except yaml.MarkedYAMLError as exc:
            mark = exc.problem_mark
            self.issues.add(path, _one_line(exc.problem or "invalid merge key"),
                            line=mark.line + 1 if mark else None)
            return {}
        result: dict[str, Any] = {}
        for key_node, value_node in node.value:
            if not isinstance(key_node, yaml.ScalarNode):
                self.issues.add(path, "mapping keys must be plain strings, not "
                                + ("a mapping" if isinstance(key_node, yaml.MappingNode)
                                   else "a list"),
                                line=key_node.start_mark.line + 1)
                continue
            key = key_node.value
            child = (*path, key)
            self.smap.keys[child] = (key_node.start_mark.line + 1, key_node.start_mark.column + 1)
            result[key] = self.convert(value_node, child, active)
        return result

    def _scalar(self, node: yaml.ScalarNode, path: DocPath) -> Any:
        if node.tag in ("tag:yaml.org,2002:str", "tag:yaml.org,2002:timestamp"):
            # Dates and times stay text: the plan parses them where it expects them.
            return node.value
        value = self.loader.construct_object(node, deep=True)
        if node.style is None and not isinstance(value, str):
            self.smap.raw[path] = node.value
        return value
