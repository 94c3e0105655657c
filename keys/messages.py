"""Korean and English messages for the key-custody errors (their codes are the BadgeError codes)."""
from __future__ import annotations

MESSAGES: dict[str, dict[str, str]] = {
    "keys.custody_unknown": {"ko": "키 보관 방식은 software 또는 pkcs11 중 하나여야 합니다.",
                             "en": "Key custody must be software or pkcs11."},
    "keys.hsm_not_configured": {
        "ko": "이 서명 키는 PKCS#11 토큰(HSM)에 있지만 토큰이 설정되지 않았습니다. BADGES_PKCS11_MODULE, "
              "BADGES_PKCS11_TOKEN_LABEL, BADGES_PKCS11_PIN을 설정하세요.",
        "en": "This signing key is kept in a PKCS#11 token (HSM), but none is configured: set "
              "BADGES_PKCS11_MODULE, BADGES_PKCS11_TOKEN_LABEL and BADGES_PKCS11_PIN."},
    "keys.hsm_module": {"ko": "PKCS#11 모듈을 불러올 수 없습니다. BADGES_PKCS11_MODULE을 확인하세요.",
                        "en": "The PKCS#11 module cannot be loaded: check BADGES_PKCS11_MODULE."},
    "keys.hsm_token_missing": {
        "ko": "설정된 이름의 PKCS#11 토큰이 없습니다. BADGES_PKCS11_TOKEN_LABEL과 HSM 연결을 확인하세요.",
        "en": "There is no PKCS#11 token with the configured label: check BADGES_PKCS11_TOKEN_LABEL and that "
              "the HSM is connected."},
    "keys.hsm_pin_incorrect": {
        "ko": "PKCS#11 토큰이 PIN을 거부했습니다. BADGES_PKCS11_PIN을 올바른 사용자 PIN으로 설정하고 다시 "
              "시작하세요. 토큰이 잠기지 않도록 그때까지 다시 시도하지 않습니다.",
        "en": "The PKCS#11 token refused the PIN: set BADGES_PKCS11_PIN to the token's user PIN and restart. "
              "It is not tried again until then, so that the token does not lock."},
    "keys.hsm_pin_locked": {"ko": "PIN을 여러 번 잘못 입력해 PKCS#11 토큰이 잠겼습니다. 보안 관리자가 풀어야 합니다.",
                            "en": "The PKCS#11 token has locked its user PIN after too many wrong tries; its "
                                  "security officer must unlock it."},
    "keys.hsm_key_missing": {"ko": "서명 키가 PKCS#11 토큰에 없습니다. 삭제되었거나 다른 토큰입니다.",
                             "en": "The signing key is not in the PKCS#11 token: it was deleted, or this is "
                                   "another token."},
    "keys.hsm_other_token": {"ko": "이 서명 키는 설정된 것과 다른 PKCS#11 토큰에 있습니다.",
                             "en": "This signing key is in another PKCS#11 token than the configured one."},
    "keys.hsm_failed": {"ko": "PKCS#11 토큰이 작업을 처리하지 못했습니다. 아무것도 서명하거나 바꾸지 않았습니다.",
                        "en": "The PKCS#11 token could not do it; nothing was signed or changed."},
}
