"""The app runs every view and hook as it is (bootstrap.app.App.ensure_sync): so none may be `async def`, which
Flask would otherwise have run to completion, and which here would return an unawaited coroutine."""
from __future__ import annotations

import inspect
from collections.abc import Callable, Iterator
from typing import Any

from flask import Flask, request


def _registered(app: Flask) -> Iterator[Callable[..., Any]]:
    """Every view, request hook, error handler and context processor of `app` and its blueprints."""
    yield from app.view_functions.values()
    for table in (app.before_request_funcs, app.after_request_funcs, app.teardown_request_funcs,
                  app.url_value_preprocessors, app.url_default_functions, app.template_context_processors):
        for functions in table.values():
            yield from functions
    for by_code in app.error_handler_spec.values():
        for handlers in by_code.values():
            yield from handlers.values()


def _coroutines(functions: Iterator[Callable[..., Any]]) -> list[str]:
    return [f.__qualname__ for f in functions if inspect.iscoroutinefunction(inspect.unwrap(f))]


def test_no_view_or_hook_is_a_coroutine_function(app: Flask) -> None:
    functions = list(_registered(app))
    assert len(functions) > 200  # every blueprint's views and the hooks of web.logs, web.metrics, web.security
    assert _coroutines(iter(functions)) == []


def test_an_async_view_would_be_found(app: Flask) -> None:
    async def late() -> str:
        return "never awaited"

    app.add_url_rule("/late", view_func=late)
    assert _coroutines(_registered(app)) == ["test_an_async_view_would_be_found.<locals>.late"]


def test_query_form_and_cookie_values_read_as_werkzeug_reads_them(app: Flask) -> None:
    # web.http.Request looks before it reads a name (werkzeug raises and catches for a missing one): same answers
    with app.test_request_context("/?page=3&name=a&name=b&bad=x", method="POST", data={"q": "김"},
                                 headers={"Cookie": "lang=en"}):
        assert (request.args.get("page", type=int), request.args.get("bad", type=int), request.args.get("bad", 7, int)) \
            == (3, None, 7)
        assert (request.args.get("name"), request.args.getlist("name"), request.args.get("none", "d")) == ("a", ["a", "b"], "d")
        assert (request.form.get("q"), request.form.get("none")) == ("김", None)
        assert (request.cookies.get("lang"), request.cookies.get("session")) == ("en", None)
        assert "none" not in request.args and request.args["page"] == "3"
