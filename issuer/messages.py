"""Korean and English text of the issuer pages and of the problem codes the issuer raises (merged in web.messages)."""
from __future__ import annotations

MESSAGES: dict[str, dict[str, str]] = {
    "console.title": {"ko": "발급 콘솔", "en": "Issuer console"},
    "console.home": {"ko": "홈", "en": "Home"},
    "console.sign_in": {"ko": "로그인", "en": "Sign in"},
    "console.sign_out": {"ko": "로그아웃", "en": "Sign out"},
    "console.sign_in_intro": {"ko": "교육기관 담당자용 발급 콘솔입니다.", "en": "The console for training organisations' staff."},
    "console.sign_in_failed": {"ko": "이메일 또는 비밀번호가 맞지 않습니다.", "en": "The e-mail or password is not right."},
    "console.email": {"ko": "이메일", "en": "E-mail"},
    "console.password": {"ko": "비밀번호", "en": "Password"},
    "console.your_orgs": {"ko": "소속 기관", "en": "Your organisations"},
    "console.no_orgs": {"ko": "아직 소속된 기관이 없습니다. 기관 관리자에게 초대를 요청하세요.",
                        "en": "You belong to no organisation yet. Ask an owner to invite you."},
    "console.signed_in_as_role": {"ko": "{role} 권한으로 로그인했습니다.", "en": "Signed in as {role}."},
    "console.role_required": {"ko": "이 작업에 필요한 권한이 없습니다. 기관 관리자에게 요청하세요.",
                              "en": "You do not have the role this needs. Ask an owner of the organisation."},
    "role.owner": {"ko": "관리자", "en": "owner"},
    "role.issuer": {"ko": "발급 담당", "en": "issuer"},
    "role.viewer": {"ko": "열람자", "en": "viewer"},
}
