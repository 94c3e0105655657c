"""The ko/en message catalogue: UI labels and one entry per problem / check code the core emits.

Each feature keeps its own catalogue (issuer/messages.py, verifier/messages.py, wallet/messages.py);
MESSAGES merges them, and a test checks that every entry has both languages and no key is defined twice.
"""
from __future__ import annotations

from issuer import messages as issuer_messages
from verifier import messages as verifier_messages
from wallet import messages as wallet_messages

CORE: dict[str, dict[str, str]] = {
    # layout
    "app.name": {"ko": "디지털 배지", "en": "Digital Badges"},
    "app.tagline": {"ko": "수료한 과정을 위조할 수 없는 배지로 — 누구나 몇 초 만에 확인합니다.",
                    "en": "Course completions as badges no one can forge, checked by anyone in seconds."},
    "nav.verify": {"ko": "배지 확인", "en": "Verify a badge"},
    "nav.home": {"ko": "처음으로", "en": "Home"},
    "lang.switch": {"ko": "English", "en": "한국어"},
    "home.orgs": {"ko": "발급 기관", "en": "Issuing organisations"},
    "home.no_orgs": {"ko": "아직 등록된 기관이 없습니다.", "en": "No organisation yet."},
    # credential page
    "credential.awarded_to": {"ko": "수여 대상", "en": "Awarded to"},
    "credential.issued_by": {"ko": "발급 기관", "en": "Issued by"},
    "credential.issued_on": {"ko": "발급일", "en": "Issued on"},
    "credential.completed_on": {"ko": "수료일", "en": "Completed on"},
    "credential.valid_until": {"ko": "유효 기간", "en": "Valid until"},
    "credential.no_expiry": {"ko": "만료 없음", "en": "Does not expire"},
    "credential.state": {"ko": "상태", "en": "Status"},
    "credential.active": {"ko": "유효", "en": "Active"},
    "credential.revoked": {"ko": "취소됨", "en": "Revoked"},
    "credential.reason": {"ko": "사유", "en": "Reason"},
    "credential.scan": {"ko": "QR 코드를 스캔하면 이 배지를 검증합니다.",
                        "en": "Scan the QR code to verify this badge."},
    "credential.download_json": {"ko": "JSON 내려받기", "en": "Download JSON"},
    "credential.download_png": {"ko": "배지 이미지(PNG) 내려받기", "en": "Download badge image (PNG)"},
    "credential.verify_now": {"ko": "지금 검증하기", "en": "Verify now"},
    "achievement.criteria": {"ko": "이수 기준", "en": "Criteria"},
    "achievement.description": {"ko": "설명", "en": "Description"},
    "achievement.type": {"ko": "유형", "en": "Type"},
    "achievement.valid_months": {"ko": "유효 기간(개월)", "en": "Valid for (months)"},
    "org.did": {"ko": "분산 식별자(DID)", "en": "Decentralised identifier (DID)"},
    "org.website": {"ko": "웹사이트", "en": "Website"},
    # verification page
    "verify.title": {"ko": "배지 검증", "en": "Verify a badge"},
    "verify.intro": {"ko": "배지 JSON을 붙여 넣거나, JSON 파일 또는 배지 이미지(PNG·SVG)를 올리세요.",
                     "en": "Paste the badge JSON, or upload a JSON file or a baked badge image (PNG, SVG)."},
    "verify.paste": {"ko": "배지 JSON", "en": "Badge JSON"},
    "verify.file": {"ko": "파일", "en": "File"},
    "verify.email": {"ko": "지원자 이메일(선택): 배지가 이 사람의 것인지 확인합니다",
                     "en": "Candidate's e-mail (optional): checks the badge is theirs"},
    "verify.submit": {"ko": "검증", "en": "Verify"},
    "verify.holder_submit": {"ko": "이메일로 소유자 확인", "en": "Confirm the holder by e-mail"},
    "verify.checks": {"ko": "검사 항목", "en": "Checks"},
    "verify.checked_at": {"ko": "검증 시각", "en": "Checked at"},
    "verify.nothing_given": {"ko": "검증할 배지 JSON을 붙여 넣거나 파일을 선택하세요.",
                             "en": "Paste the credential JSON or choose a file to check."},
    # verdicts
    "verdict.valid": {"ko": "유효한 배지입니다", "en": "Valid badge"},
    "verdict.revoked": {"ko": "발급 기관이 취소한 배지입니다", "en": "Revoked by the issuer"},
    "verdict.suspended": {"ko": "발급 기관이 정지한 배지입니다", "en": "Suspended by the issuer"},
    "verdict.expired": {"ko": "만료된 배지입니다", "en": "Expired"},
    "verdict.not_yet_valid": {"ko": "아직 유효 기간 전입니다", "en": "Not valid yet"},
    "verdict.not_genuine": {"ko": "진본이 아닙니다", "en": "Not genuine"},
    "verdict.not_recipient": {"ko": "이 이메일의 소유자에게 발급된 배지가 아닙니다",
                              "en": "Not issued to this e-mail address"},
    "verdict.unknown": {"ko": "확인할 수 없습니다", "en": "Could not be checked"},
    # checks
    "check.parse": {"ko": "형식(JSON)", "en": "Format (JSON)"},
    "check.context": {"ko": "문맥(@context)", "en": "Contexts"},
    "check.schema": {"ko": "Open Badges 3.0 구조", "en": "Open Badges 3.0 structure"},
    "check.issuer_key": {"ko": "발급 기관의 키", "en": "Issuer's key"},
    "check.proof": {"ko": "전자 서명", "en": "Signature"},
    "check.validity": {"ko": "유효 기간", "en": "Validity period"},
    "check.status": {"ko": "취소 여부", "en": "Revocation status"},
    "check.recipient": {"ko": "소유자", "en": "Holder"},
    "outcome.passed": {"ko": "통과", "en": "Passed"},
    "outcome.failed": {"ko": "실패", "en": "Failed"},
    "outcome.unknown": {"ko": "확인 불가", "en": "Unknown"},
    "outcome.skipped": {"ko": "건너뜀", "en": "Skipped"},
    # reasons a check was skipped
    "recipient.not_requested": {"ko": "이메일을 입력하면 확인합니다.", "en": "Enter an e-mail to check."},
    "status.none": {"ko": "이 배지에는 취소 목록이 없습니다.", "en": "This badge has no status list."},
    # problems
    "parse.not_json": {"ko": "JSON 형식이 아닙니다.", "en": "This is not valid JSON."},
    "parse.not_object": {"ko": "배지는 JSON 객체여야 합니다.", "en": "A credential must be a JSON object."},
    "parse.too_large": {"ko": "배지 파일이 너무 큽니다.", "en": "The credential is too large."},
    "context.unknown": {"ko": "지원하지 않는 @context가 있습니다.", "en": "It uses a context we do not support."},
    "schema.invalid": {"ko": "Open Badges 3.0 배지의 구조가 아닙니다.", "en": "It is not shaped like an Open Badges 3.0 credential."},
    "issuer_key.not_issuers_key": {"ko": "발급 기관이 아닌 다른 키로 서명되었습니다.",
                                   "en": "It was signed with a key that does not belong to its issuer."},
    "issuer_key.unresolvable": {"ko": "발급 기관의 DID 문서를 가져올 수 없습니다.",
                                "en": "The issuer's DID document could not be retrieved."},
    "issuer_key.not_assertion_method": {"ko": "서명 키가 발급 기관의 발급용 키 목록에 없습니다.",
                                        "en": "The signing key is not one of the issuer's keys."},
    "issuer_key.method_unsupported": {"ko": "지원하지 않는 DID 방식입니다.", "en": "Unsupported DID method."},
    "proof.missing": {"ko": "전자 서명이 없습니다.", "en": "It has no signature."},
    "proof.unsupported_suite": {"ko": "지원하지 않는 서명 방식입니다.", "en": "Unsupported signature suite."},
    "proof.signature_mismatch": {"ko": "서명 후 내용이 바뀌었거나 다른 키로 서명되었습니다.",
                                 "en": "It was changed after signing, or signed with another key."},
    "proof.value_malformed": {"ko": "서명 값이 잘못되었습니다.", "en": "The signature value is malformed."},
    "validity.expired": {"ko": "유효 기간이 지났습니다.", "en": "It has expired."},
    "validity.not_yet_valid": {"ko": "아직 유효 기간이 시작되지 않았습니다.", "en": "It is not valid yet."},
    "status.revoked": {"ko": "발급 기관이 이 배지를 취소했습니다.", "en": "The issuer revoked this badge."},
    "status.suspended": {"ko": "발급 기관이 이 배지를 정지했습니다.", "en": "The issuer suspended this badge."},
    "status.unreachable": {"ko": "취소 목록을 가져올 수 없습니다.", "en": "The status list could not be retrieved."},
    "status.type_unsupported": {"ko": "확인할 수 없는 상태 방식입니다.", "en": "This kind of status cannot be checked."},
    "status.list_unverifiable": {"ko": "취소 목록의 서명을 확인할 수 없습니다.", "en": "The status list does not verify."},
    "recipient.mismatch": {"ko": "입력한 이메일로 발급된 배지가 아닙니다.", "en": "The badge was not issued to this e-mail."},
    "baking.no_credential": {"ko": "이미지에 배지 정보가 들어 있지 않습니다.", "en": "The image holds no badge."},
    "request.too_large": {"ko": "보낸 내용이 너무 큽니다.", "en": "The request is too large."},
    "http.404": {"ko": "페이지를 찾을 수 없습니다.", "en": "Page not found."},
    "http.413": {"ko": "보낸 내용이 너무 큽니다.", "en": "The request is too large."},
    "credential.not_found": {"ko": "그런 배지가 없습니다.", "en": "No such badge."},
}

CATALOGUES = (CORE, issuer_messages.MESSAGES, verifier_messages.MESSAGES, wallet_messages.MESSAGES)
MESSAGES: dict[str, dict[str, str]] = {key: entry for catalogue in CATALOGUES for key, entry in catalogue.items()}
