"""YAML text -> plain Python data plus a :class:`SourceMap` of line numbers.

PyYAML's safe loader composes the node tree (syntax errors carry line and column); this
module then builds dicts/lists/scalars from the nodes itself so it can record where every
node was written, reject duplicate keys (YAML says they are an error; PyYAML silently keeps
the last one), and keep the source text of plain scalars YAML typed as numbers, booleans or
dates (``01234567`` is an octal number to YAML: the loader can then say "quote it").
Mapping keys are always strings, as written. Merge keys (``<<: *anchor``) are supported.

Nothing but a plan error comes out: characters YAML forbids (a form feed, an ESC) are a
syntax error with their line and column; a scalar that cannot be read (an explicit tag its
text does not fit, ``!!int abc``; a tag no safe constructor knows; ``!!binary``; an integer
too long for Python) is one problem on its node, whose value is then left out without
further complaint; aliases may not expand the document beyond :data:`MAX_VALUES` values.
"""

from __future__ import annotations

from typing import Any

import yaml

from conformance.plan._issues import DocPath, Issues, PlanErrors, SourceMap

__all__ = ["YamlSyntaxError", "parse_yaml"]

MAX_DEPTH = 64
#: Values a plan may hold once its aliases are expanded (the default plan has about 600):
#: a few lines of nested aliases would otherwise expand to millions ("billion laughs").
MAX_VALUES = 100_000


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

    Raises :class:`YamlSyntaxError` for text that is not (single-document) YAML, and
    :class:`PlanErrors` for a document whose aliases expand beyond :data:`MAX_VALUES`.
    """
    try:
        # The reader checks the whole text when the loader is built (YAML 1.1 5.1: the
        # printable characters), so building it is part of reading the text.
        loader = yaml.SafeLoader(text)
    except yaml.reader.ReaderError as exc:
        raise _reader_error(text, exc) from None
    try:
        try:
            node = loader.get_single_node()
        except yaml.reader.ReaderError as exc:
            raise _reader_error(text, exc) from None
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
        try:
            return _Builder(loader, issues).convert(node, (), ())
        except _TooManyValues as exc:
            # Reported on the top-level entry being read when the budget ran out.
            issues.add(exc.path[:1], f"the document holds more than {MAX_VALUES} values once "
                                     "its aliases are expanded", unread=True)
            raise PlanErrors(issues.issues()) from None
    finally:
        loader.dispose()


def _reader_error(text: str, exc: yaml.reader.ReaderError) -> YamlSyntaxError:
    """A character YAML does not allow, with its line and column (``position`` counts
    characters of ``text``)."""
    char = exc.character  # its code point, for text read from a str
    what = f"the character U+{char:04X}" if isinstance(char, int) else "a character"
    message = (f"{what} is not allowed in YAML text (control characters and non-characters "
               "can only be written as escapes in double-quoted strings, e.g. \"\\x0C\")")
    pos = exc.position
    if not isinstance(pos, int) or not 0 <= pos <= len(text):
        return YamlSyntaxError(message, None, None)
    line = text.count("\n", 0, pos) + 1
    column = pos - (text.rfind("\n", 0, pos) + 1) + 1
    return YamlSyntaxError(message, line, column)


def _tag_words(tag: str) -> str:
    short = tag.rsplit(":", 1)[-1] if tag.startswith("tag:yaml.org,2002:") else tag
    return {"int": "an integer", "float": "a number", "bool": "true or false",
            "null": "null"}.get(short, f"!!{short}")


class _TooManyValues(Exception):
    def __init__(self, path: DocPath) -> None:
        super().__init__(path)
        self.path = path


class _Builder:
    def __init__(self, loader: yaml.SafeLoader, issues: Issues) -> None:
        self.loader = loader
        self.issues = issues
        self.smap: SourceMap = issues.smap
        self.count = 0

    def convert(self, node: yaml.Node, path: DocPath, active: tuple[int, ...]) -> Any:
        self.count += 1
        if self.count > MAX_VALUES:
            raise _TooManyValues(path)
        # Plain assignment: merged entries come first, so an own entry's position wins.
        self.smap.values[path] = (node.start_mark.line + 1, node.start_mark.column + 1)
        if id(node) in active:
            self.issues.add(path, "recursive YAML alias", unread=True)
            return None
        if len(path) > MAX_DEPTH:
            self.issues.add(path, f"nesting deeper than {MAX_DEPTH} levels", unread=True)
            return None
        active = (*active, id(node))
        if isinstance(node, yaml.MappingNode):
            return self._mapping(node, path, active)
        if isinstance(node, yaml.SequenceNode):
            return [self.convert(item, (*path, i), active) for i, item in enumerate(node.value)]
        if isinstance(node, yaml.ScalarNode):
            return self._scalar(node, path)
        self.issues.add(path, f"unsupported YAML node {type(node).__name__}",
                        unread=True)
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
                            line=mark.line + 1 if mark else None, unread=True)
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
        if node.tag == "tag:yaml.org,2002:binary":
            self.issues.add(path, "binary values (!!binary) are not used in plans: write "
                                  "octets in hex", line=node.start_mark.line + 1, unread=True)
            return None
        try:
            value = self.loader.construct_object(node, deep=True)
        except yaml.constructor.ConstructorError:  # a tag no safe constructor knows
            self.issues.add(path, f"unsupported YAML tag {node.tag!r}",
                            line=node.start_mark.line + 1, unread=True)
            return None
        except (ValueError, KeyError, TypeError, OverflowError):
            # An explicit tag the text does not fit (!!int abc, !!bool maybe), or an
            # integer too long for Python to read (over 4300 digits). The value is not
            # quoted: it may be a secret.
            digits = node.value.lstrip("+-").replace("_", "")
            if node.tag == "tag:yaml.org,2002:int" and digits.isdigit():
                message = f"an integer of {len(digits)} digits is too long"
            else:
                message = f"the value is not {_tag_words(node.tag)} (explicit tag)"
            self.issues.add(path, message, line=node.start_mark.line + 1, unread=True)
            return None
        if node.style is None and not isinstance(value, str):
            self.smap.raw[path] = node.value
        return value
