"""Each werkzeug URL builder compiled once per test run, not once per app.

Nearly every test builds an app (create_app), and most of that time went to werkzeug generating and compiling a
Python function that builds URLs for each of the app's ~170 routes, twice per route (Rule._compile_builder: an AST
made, then compiled). The function is the same for every app: it depends only on the rule's parsed parts (its
trace), the names of its defaults and `append_unknown`, and takes the rule as its first argument. So the test run
keeps the functions by those inputs; the URLs built are the same ones, only the app starts ~0.1 s (CPU) sooner.
Production builds its app once per process and is left as werkzeug made it.
"""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

from werkzeug.routing import Rule


def compile_each_url_builder_once() -> None:
    """Memoise Rule._compile_builder for this process (a no-op if werkzeug no longer has it)."""
    compile_builder: Callable[..., Any] | None = getattr(Rule, "_compile_builder", None)
    if compile_builder is None or getattr(compile_builder, "memoised", False):
        return
    built: dict[tuple[Any, ...], Any] = {}

    def memoised(self: Rule, append_unknown: bool = True) -> Any:
        defaults = self.defaults or {}
        if any(dynamic and part in defaults for dynamic, part in self._trace):
            return compile_builder(self, append_unknown)  # a default's value goes into the function: not shared
        key = (self.rule, tuple(self._trace), tuple(defaults), append_unknown)
        if key not in built:
            built[key] = compile_builder(self, append_unknown)
        return built[key]

    memoised.memoised = True  # type: ignore[attr-defined]
    Rule._compile_builder = memoised  # type: ignore[method-assign]
