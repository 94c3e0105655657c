"""A function per document shape that tells whether a document has that shape and lists its strings, for badges.rdfc.

badges.rdfc finds a document's template by its skeleton: a copy with each string replaced by a numbered placeholder
(one per distinct string), written as JSON. Building that copy is a third of the cost of signing a credential. A
shape seen again gets a matcher instead: Python code generated from the skeleton that reads the document in the
same order, checks that every object has the same keys in the same order, every list the same length, every
structural value, number, boolean and null is the same, every other value is a string (exactly `str`), and that the
strings repeat exactly where the skeleton's placeholders repeat. It returns the distinct strings in order of first
appearance (the skeleton's numbering), or None for any difference, and the caller builds the skeleton as before.
Anything the generator does not know (a subclass of dict or str, a tuple, a shape too large) gets no matcher.
The generated code holds no string of a document: keys are written with repr() and constants are passed in.
"""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

from badges.jsontext import to_json

Matcher = Callable[[Any], list[str] | None]
# A larger shape gets no matcher: compiling costs ~25 µs a node, paid on a shape's second sighting, so a stream of
# made-up shapes each sent twice must not buy much of it. A credential of ours has ~70 nodes.
MAX_NODES = 500


class _Unknown(Exception):
    """The skeleton holds something the generator does not write code for."""


def matcher(skeleton: Any, *, structural: frozenset[str], placeholder: str) -> Matcher | None:
    """The matcher of `skeleton` (badges.rdfc._skeleton's copy of a document), or None when it cannot have one."""
    lines = ["def match(n0):", "    occ = []", "    add = occ.append"]
    constants: dict[str, Any] = {"to_json": to_json}
    numbers: list[int] = []  # the placeholder number of each string, in the order they are read
    names = iter(range(1, 10**9))

    def constant(value: Any) -> str:
        name = f"c{len(constants)}"
        constants[name] = value
        return name

    def same(var: str, value: Any) -> None:
        """Code checking that `var` is the structural `value` (as its JSON text would be)."""
        if value.__class__ is str:
            lines.append(f"    if {var}.__class__ is not str or {var} != {constant(value)}: return None")
        elif value.__class__ is list and all(v.__class__ is str for v in value):
            lines.append(f"    if {var}.__class__ is not list or {var} != {constant(list(value))}: return None")
        else:
            lines.append(f"    if to_json({var}) != {constant(to_json(value))}: return None")

    def emit(var: str, node: Any) -> None:
        if len(lines) > 4 * MAX_NODES:
            raise _Unknown
        if node.__class__ is dict:
            lines.append(f"    if {var}.__class__ is not dict or tuple({var}) != {constant(tuple(node))}: return None")
            for key, child in node.items():
                if key.__class__ is not str:
                    raise _Unknown
                if key in structural:
                    same(f"{var}[{key!r}]", child)
                    continue
                name = f"n{next(names)}"
                lines.append(f"    {name} = {var}[{key!r}]")
                emit(name, child)
        elif node.__class__ is list:
            lines.append(f"    if {var}.__class__ is not list or len({var}) != {len(node)}: return None")
            for i, child in enumerate(node):
                name = f"n{next(names)}"
                lines.append(f"    {name} = {var}[{i}]")
                emit(name, child)
        elif node.__class__ is str:  # a placeholder: the document's string
            if not node.startswith(placeholder) or not node[len(placeholder):].isdigit():
                raise _Unknown
            numbers.append(int(node[len(placeholder):]))
            lines.append(f"    if {var}.__class__ is not str: return None")
            lines.append(f"    add({var})")
        elif node is None or node is True or node is False:
            lines.append(f"    if {var} is not {node!r}: return None")
        elif node.__class__ is int:
            lines.append(f"    if {var}.__class__ is not int or {var} != {constant(node)}: return None")
        elif node.__class__ is float:
            lines.append(f"    if {var}.__class__ is not float or to_json({var}) != {constant(to_json(node))}: "
                         "return None")
        else:
            raise _Unknown

    try:
        emit("n0", skeleton)
    except _Unknown:
        return None
    first: dict[int, int] = {}
    for position, number in enumerate(numbers):
        if number in first:  # the same string as at its first position (a string elsewhere is another one)
            lines.append(f"    if occ[{position}] != occ[{first[number]}]: return None")
        else:
            first[number] = position
    lines.append("    values = list(dict.fromkeys(occ))")
    lines.append(f"    return values if len(values) == {len(first)} else None")
    namespace = dict(constants)
    exec(compile("\n".join(lines), "<badges.shape_match>", "exec"), namespace)  # noqa: S102 (code made above)
    match: Matcher = namespace["match"]
    return match
