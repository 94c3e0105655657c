"""Key custody from the environment: BADGES_KEY_CUSTODY and the BADGES_PKCS11_* variables, the PIN never shown;
and the `badges` command moving an organisation's keys into the token."""
from __future__ import annotations

import base64
from pathlib import Path

import pytest

import keys
from bootstrap.cli import main
from keys.hsm import TokenConfig
from tests.softhsm import LABEL, PIN, softhsm  # noqa: F401  (fixtures)
from web.settings import ConfigError, Settings

BASE = {"BADGES_SECRET_KEY": "s" * 32, "BADGES_KEY_ENCRYPTION_KEY": base64.b64encode(bytes(32)).decode(),
        "BADGES_DATABASE_URL": "sqlite://"}
TOKEN = {"BADGES_PKCS11_MODULE": "/usr/lib/softhsm/libsofthsm2.so", "BADGES_PKCS11_TOKEN_LABEL": "badges"}


def from_env(tmp_path: Path, **variables: str) -> Settings:
    return Settings.from_env({**BASE, **variables}, instance_dir=tmp_path)


def test_keys_are_sealed_here_and_no_token_is_used_unless_configured(tmp_path: Path) -> None:
    settings = from_env(tmp_path)
    assert (settings.key_custody, settings.pkcs11) == (keys.SOFTWARE, None)


def test_the_token_and_the_custody_come_from_the_environment_and_the_pin_is_never_shown(tmp_path: Path) -> None:
    settings = from_env(tmp_path, **TOKEN, BADGES_PKCS11_PIN="9281-5567", BADGES_KEY_CUSTODY="pkcs11")
    assert settings.key_custody == keys.PKCS11
    assert settings.pkcs11 == TokenConfig("/usr/lib/softhsm/libsofthsm2.so", "badges", "9281-5567")
    assert "9281-5567" not in repr(settings) and "9281-5567" not in str(settings.pkcs11)


def test_outside_production_the_pin_may_come_from_the_instance_folder(tmp_path: Path) -> None:
    (tmp_path / "pkcs11_pin").write_text("7719-0042\n")
    settings = from_env(tmp_path, **TOKEN)
    assert settings.pkcs11 is not None and settings.pkcs11.pin == "7719-0042"
    assert settings.key_custody == keys.SOFTWARE  # a token configured is not yet a token used for new keys
    with pytest.raises(ConfigError, match="BADGES_PKCS11_PIN is not set; production never reads"):
        from_env(tmp_path, **TOKEN, BADGES_ENV="production")


@pytest.mark.parametrize(("variables", "says"), [
    ({"BADGES_KEY_CUSTODY": "cloud"}, "BADGES_KEY_CUSTODY must be one of software, pkcs11"),
    ({"BADGES_KEY_CUSTODY": "pkcs11"}, "needs a token: set BADGES_PKCS11_MODULE"),
    ({"BADGES_PKCS11_MODULE": "/usr/lib/softhsm/libsofthsm2.so", "BADGES_PKCS11_PIN": "1"},
     "BADGES_PKCS11_TOKEN_LABEL must name the token"),
    (TOKEN, "The token's user PIN is missing: set BADGES_PKCS11_PIN"),
], ids=["unknown custody", "pkcs11 without a module", "no label", "no pin"])
def test_a_custody_setting_that_cannot_work_is_refused_naming_the_variable(
        tmp_path: Path, variables: dict[str, str], says: str) -> None:
    with pytest.raises(ConfigError, match=says):
        from_env(tmp_path, **variables)


def test_the_command_moves_an_organisation_to_the_token_and_issues_there(
        softhsm: TokenConfig, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    for name in ("BADGES_DATABASE_URL", "BADGES_SECRET_KEY", "BADGES_KEY_ENCRYPTION_KEY", "BADGES_ENV",
                 "BADGES_PUBLIC_URL", "BADGES_KEY_CUSTODY"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("BADGES_INSTANCE", str(tmp_path / "instance"))
    monkeypatch.setenv("BADGES_PKCS11_MODULE", softhsm.module)
    monkeypatch.setenv("BADGES_PKCS11_TOKEN_LABEL", LABEL)
    monkeypatch.setenv("BADGES_PKCS11_PIN", PIN)
    assert main(["demo"]) == 0
    capsys.readouterr()
    assert main(["rotate-key", "--custody", "pkcs11"]) == 0
    assert capsys.readouterr().out.strip().endswith(f"#key-2 in the PKCS#11 token {LABEL!r}")
    assert main(["rotate-key"]) == 0  # the org's choice holds
    assert "#key-3 in the PKCS#11 token" in capsys.readouterr().out
    assert main(["courses"]) == 0
    course_id = capsys.readouterr().out.split()[0]
    assert main(["issue", "--course", course_id, "--name", "한지민", "--email", "jimin@example.com"]) == 0
    credential_url = capsys.readouterr().out.strip()
    assert PIN not in credential_url
    monkeypatch.setenv("BADGES_PKCS11_PIN", "0000-0000")
    assert main(["rotate-key"]) == 2
    error = capsys.readouterr().err
    assert "refused the PIN" in error and "0000-0000" not in error and PIN not in error
