"""The bundled JSON-LD contexts are exactly the files their SHA256SUMS and the published digests name."""
from __future__ import annotations

import hashlib
from importlib import resources
from importlib.abc import Traversable

import pytest

import schemas

# The digests published with the shared contexts (contexts/SHA256SUMS beside their README), copied here
# because tests never read outside the repository. tools/refresh_contexts.py re-derives the files from npm.
PUBLISHED = {
    "credentials-v2.jsonld": "8a9f494a89ecc51db093e90e84713e07e84d6d9204364a9b3c7868b21751236f",
    "credentials-undefined-terms-v2.jsonld": "82dab514ba44eb18f5d1b0f638c5e140c6a556fbfb5089601bdc0fa5eb8b2581",
    "credentials-v1.jsonld": "00d7dd6d3ad8b920e3e550dd3a3d9090bffcac84cdbf943da6924b3e0a5c8bb8",
    "data-integrity-v2.jsonld": "0f77743daf5b4e8fc067fc5ba5b21044283053aa717fc6b0219843bed3b00363",
    "data-integrity-v1.jsonld": "b5d829bd09aa7c42abc6efa0c8ed7635313b5487f37ccfce3ecd149ca9418554",
    "multikey-v1.jsonld": "c5f3806f8286920573221938917988a18a4cc5a09e968d29649613c7a1c2b1f6",
    "bitstring-status-list-v1.jsonld": "fd08cbf28ddd829ab2f1978c48f43ab07a112c1c90245a0cfac7ba721c65170c",
    "did-v1.jsonld": "62c1054bf404d6dd3a4b26b64f830fd72095f6a26edc4469908c94351352ce5f",
    "ob-v3p0-context-3.0.3.json": "ef2fa9c7846dce233cc166b43639027278be4ee44f00bb1d45c75de2dd0cd761",
    "ob-v3p0-context-3.0.2.json": "00666ad080ba407687ed1846b7f5e7495f5019042b202a727de47c48a1755c53",
    "ob-v3p0-context-3.0.1.json": "af095468326d3449160509b26ca71576e6321d13c85b0369cfe3b654c9a48fba",
    "ob-v3p0-context-3.0.0.json": "9f1c8f9f361ba2994b9b50701f41149919542c50c7b7455b2846d87959295d72",
    "ob-v3p0-extensions.json": "2d013f981d1f4516081a6a04e55468ba2b071d4153b794f19a79715c45a89a5e",
    # Not among the shared contexts: recorded from ed25519-signature-2020-context 1.1.0 (npm) and from the
    # 1EdTech validator `openbadges` 1.1.2 (PyPI) by tools/refresh_contexts.py.
    "ed25519-signature-2020-v1.jsonld": "b9e1ab971fd8bf2c7553e0c4a9438e0b9450afde1ea1ca5b2492368b9f549588",
    "openbadges-v2.json": "ee8c373cb831e92f0033b7f26b61a43b2719932a20da2c396e5dad48ec429b2d",
    # The CLR 2.0.1 context, as the shared copy's SHA256SUMS names it (from 1EdTech's public validator).
    "clr-v2p0-2.0.1.json": "880f1902d4158f2f33ce06af41b90719977cd1ea337a9de2e41edb3ff5e543d6",
}


def contexts_dir() -> Traversable:
    """schemas/contexts as the installed package sees it."""
    return resources.files(schemas).joinpath("contexts")


def listed_sums() -> dict[str, str]:
    """SHA256SUMS as {file name: hex digest}."""
    sums = {}
    for line in contexts_dir().joinpath("SHA256SUMS").read_text().splitlines():
        digest, name = line.split("  ", 1)
        sums[name] = digest
    return sums


@pytest.mark.parametrize("name", sorted(listed_sums()))
def test_context_file_matches_its_digest_in_sha256sums(name: str) -> None:
    content = contexts_dir().joinpath(name).read_bytes()
    assert hashlib.sha256(content).hexdigest() == listed_sums()[name]


def test_every_context_file_is_listed_in_sha256sums() -> None:
    files = {f.name for f in contexts_dir().iterdir() if f.name != "SHA256SUMS"}
    assert files == set(listed_sums())


@pytest.mark.parametrize("url", sorted(schemas.CONTEXT_FILES))
def test_every_context_url_is_served_from_a_file_listed_in_sha256sums(url: str) -> None:
    assert schemas.CONTEXT_FILES[url] in listed_sums()
    assert "@context" in schemas.context(url)


def test_sha256sums_lists_the_digests_published_with_the_shared_contexts() -> None:
    assert listed_sums() == PUBLISHED
