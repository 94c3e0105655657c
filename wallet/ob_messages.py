"""Korean and English text of the Open Badges API pages (consent, connected apps) and of its problem codes."""
from __future__ import annotations

MESSAGES: dict[str, dict[str, str]] = {
    "wallet.apps.title": {"ko": "연결된 앱", "en": "Connected apps"},
    "wallet.apps.link": {"ko": "내 지갑에 연결된 앱 관리", "en": "Manage the apps connected to your wallet"},
    "wallet.apps.intro": {"ko": "아래 앱은 내가 허락한 만큼 내 지갑에 접근할 수 있습니다. 접근을 끊으면 그 즉시 "
                                "더는 접근할 수 없습니다.",
                          "en": "These apps can reach your wallet as far as you allowed. Cut one off and it loses "
                                "access at once."},
    "wallet.apps.none": {"ko": "연결된 앱이 없습니다.", "en": "No app is connected."},
    "wallet.apps.since": {"ko": "{date}부터 연결됨", "en": "Connected since {date}"},
    "wallet.apps.revoke": {"ko": "접근 끊기", "en": "Cut off access"},
    "wallet.apps.revoked": {"ko": "「{app}」의 접근을 끊었습니다.", "en": "“{app}” can no longer reach your wallet."},
    "wallet.apps.consent.title": {"ko": "「{app}」이(가) 내 배지를 읽으려고 합니다",
                                  "en": "“{app}” wants to read your badges"},
    "wallet.apps.consent.intro": {"ko": "{name} 님, 허락하면 이 앱이 다음을 할 수 있습니다.",
                                  "en": "{name}, if you allow it, this app can:"},
    "wallet.apps.consent.later": {"ko": "언제든지 계정 › 연결된 앱에서 접근을 끊을 수 있습니다.",
                                  "en": "You can cut it off at any time under Account › Connected apps."},
    "wallet.apps.consent.allow": {"ko": "허락", "en": "Allow"},
    "wallet.apps.consent.deny": {"ko": "거부", "en": "Deny"},
    "wallet.apps.scope.credential.readonly": {"ko": "지갑에 있는 내 배지를 봅니다(숨긴 배지는 빼고).",
                                              "en": "See the badges in your wallet (not the ones you hid)."},
    "wallet.apps.scope.credential.upsert": {"ko": "내 지갑에 배지를 넣습니다. 넣기 전에 진짜인지, 내 것인지 "
                                                  "확인합니다.",
                                            "en": "Put badges in your wallet. Each is checked first: genuine, "
                                                  "and yours."},
    "wallet.apps.scope.profile.readonly": {"ko": "내 이름과 확인된 이메일 주소를 봅니다.",
                                           "en": "See your name and your confirmed e-mail addresses."},
    "wallet.apps.scope.profile.update": {"ko": "내 이름을 바꿉니다.", "en": "Change your name."},
    "wallet.apps.refused.title": {"ko": "앱의 요청을 처리할 수 없습니다", "en": "This app's request cannot be handled"},
    "wallet.apps.refused.body": {"ko": "앱이 보낸 연결 요청이 올바르지 않습니다. 앱으로 돌아가 다시 시도하거나 "
                                       "앱 제공자에게 문의하세요.",
                                 "en": "The app sent a request the wallet cannot accept. Go back to the app and "
                                       "try again, or ask its provider."},
    "wallet.apps.privacy.title": {"ko": "연결된 앱과 개인정보", "en": "Connected apps and your privacy"},
    "wallet.apps.privacy.body": {"ko": "앱은 내가 동의 화면에서 허락한 것만 할 수 있습니다: 배지 보기(숨긴 배지 "
                                       "제외), 배지 넣기(검증 후), 이름과 확인된 이메일 주소 보기, 이름 바꾸기. "
                                       "앱의 접근 토큰은 한 시간, 갱신 토큰은 90일 뒤 만료되며, 연결된 앱 화면에서 "
                                       "언제든 즉시 끊을 수 있습니다. 이 지갑은 토큰을 해시로만 저장합니다.",
                                 "en": "An app can do only what you allowed on the consent page: see your badges "
                                       "(not hidden ones), put badges in (after verification), see your name and "
                                       "confirmed e-mail addresses, change your name. Its access token expires "
                                       "after an hour and its refresh token after 90 days; you can cut it off at "
                                       "once under Connected apps. The wallet stores tokens as hashes only."},
    "wallet.origin.api": {"ko": "연결된 앱이 넣음(Open Badges API)", "en": "Added by a connected app (Open Badges API)"},
    "ob_api.profile_id": {"ko": "프로필의 id는 이 지갑의 DID여야 합니다.", "en": "The profile's id must be the wallet's DID."},
    "ob_api.profile_email": {"ko": "지갑에서 확인된 이메일 주소만 쓸 수 있습니다. 새 주소는 지갑에서 추가하고 "
                                   "확인하세요.",
                             "en": "Only an e-mail address confirmed in the wallet can be named; add and confirm "
                                   "new addresses in the wallet itself."},
    "ob_api.not_jws": {"ko": "text/plain 본문은 compact JWS 하나여야 합니다.",
                       "en": "A text/plain body must be one compact JWS."},
}
