"""Proof sets (VC Data Integrity §2.1.1): a credential whose `proof` is an array of independent proofs. It holds
when one of them is a proof by one of its issuer's keys that verifies; the others (a co-signer's, a suite we
do not accept) are ignored. Each proof signs the credential without any proof, so each is checked as if it
were the credential's only one. Chains (`previousProof`) are not followed: such a proof does not verify alone.
"""
from __future__ import annotations

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from badges.checks import Resolver, check_proof, issuer_key
from badges.jsonld import JsonObject
from badges.report import CRYPTO_ERROR, MALFORMED, CheckFailed, CheckUndecided

MAX_PROOFS = 5  # each proof may cost a DID resolution and a canonicalization: a hostile set is refused early

Keyed = list[tuple[JsonObject, Ed25519PublicKey]]


def issuer_keys(doc: JsonObject, resolve: Resolver) -> Keyed:
    """(credential with that one proof, key) for every proof by one of the issuer's keys; a single proof's own
    problem, or for a set: CheckUndecided if a key could not be resolved, else CheckFailed when none is the
    issuer's."""
    proofs = doc.get("proof")
    if not isinstance(proofs, list) or len(proofs) <= 1:
        return [(doc, issuer_key(doc, resolve))]
    if len(proofs) > MAX_PROOFS:
        raise CheckFailed(MALFORMED, "proof.set_too_large", f"The credential has {len(proofs)} proofs; at most "
                          f"{MAX_PROOFS} are checked.", path="/proof")
    keyed: Keyed = []
    problems: list[CheckFailed] = []
    for proof in proofs:
        alone = {**doc, "proof": proof}
        try:
            keyed.append((alone, issuer_key(alone, resolve)))
        except CheckFailed as e:  # CheckUndecided too: another proof may still be the issuer's
            problems.append(e)
    if keyed:
        return keyed
    raise _none_holds(problems)


def check_any(keyed: Keyed) -> None:
    """PROOF: one of the proofs holds for its key; for a single proof its own problem, else proof.set_none_valid."""
    if len(keyed) == 1:
        check_proof(*keyed[0])
        return
    problems: list[CheckFailed] = []
    for alone, key in keyed:
        try:
            check_proof(alone, key)
            return
        except CheckFailed as e:
            problems.append(e)
    raise _none_holds(problems)


def _none_holds(problems: list[CheckFailed]) -> CheckFailed:
    """Undecided if any proof could not be checked (it may be the good one); otherwise failed, saying why each
    proof does not hold."""
    undecided = [e for e in problems if isinstance(e, CheckUndecided)]
    if undecided:
        return undecided[0]
    reasons = "; ".join(f"proof {i}: {e.problem.code}" for i, e in enumerate(problems))
    return CheckFailed(CRYPTO_ERROR, "proof.set_none_valid",
                       f"None of the credential's {len(problems)} proofs is a valid proof by its issuer ({reasons}).",
                       path="/proof")
