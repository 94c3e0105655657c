"""Redirects after sign-in: only same-site paths, whatever a browser would make of the text."""
from __future__ import annotations

import pytest

from web.security import safe_target

# Each is read by a browser (WHATWG URL parser) as another site, or would break the Location header.
NASTY = ["//evil.example/", "/\t/evil.example/", "/\\evil.example/", "\\\\evil.example/", "/\r\n/evil.example/",
         " //evil.example/", "\t//evil.example", "/\t\\evil.example", "///evil.example", "https://evil.example/",
         "https:evil.example", "HTTP:\\\\evil.example", "javascript:alert(1)", "evil.example", "/\x00/x",
         "/\x0b/evil.example", "//[evil", "\n/\n/evil.example"]


@pytest.mark.parametrize("target", NASTY)
def test_a_target_a_browser_would_take_off_site_falls_back_to_the_default(target: str) -> None:
    assert safe_target(target, default="/home") == "/home"


@pytest.mark.parametrize("target, expected", [("/console/acme", "/console/acme"),
                                              ("/console/acme?tab=people#x", "/console/acme?tab=people#x"),
                                              ("/console\r\n/acme", "/console/acme"),
                                              ("  /wallet/share ", "/wallet/share")])
def test_a_same_site_path_is_kept_as_a_browser_reads_it(target: str, expected: str) -> None:
    assert safe_target(target, default="/home") == expected


def test_a_prefix_keeps_the_target_inside_one_part_of_the_site() -> None:
    assert safe_target("/console/acme", default="/wallet", prefix="/wallet") == "/wallet"
    assert safe_target("/wallet/share", default="/wallet", prefix="/wallet") == "/wallet/share"
