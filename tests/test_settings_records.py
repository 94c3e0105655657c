"""Settings of KEK rotation and status list capacity, read from the environment (and the instance folder)."""
from __future__ import annotations

import base64
from pathlib import Path

import pytest

import keys
from web.settings import ConfigError, Settings


def b64(kek: bytes) -> str:
    return base64.b64encode(kek).decode()


CURRENT, OLD, OLDER = keys.new_kek(), keys.new_kek(), keys.new_kek()
ENV = {"BADGES_SECRET_KEY": "s", "BADGES_KEY_ENCRYPTION_KEY": b64(CURRENT)}


def test_old_keks_come_from_the_environment_separated_by_commas_or_spaces(tmp_path: Path) -> None:
    settings = Settings.from_env({**ENV, "BADGES_OLD_KEY_ENCRYPTION_KEYS": f"{b64(OLD)}, {b64(OLDER)} {b64(CURRENT)}"},
                                 instance_dir=tmp_path)
    assert settings.old_key_encryption_keys == (OLD, OLDER)  # the current one is not an old one
    assert Settings.from_env(ENV, instance_dir=tmp_path).old_key_encryption_keys == ()


def test_a_malformed_old_kek_names_the_variable(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="BADGES_OLD_KEY_ENCRYPTION_KEYS must be 32 random bytes"):
        Settings.from_env({**ENV, "BADGES_OLD_KEY_ENCRYPTION_KEYS": b64(OLD)[:-8]}, instance_dir=tmp_path)


def test_a_development_instance_keeps_old_keks_in_a_file_which_production_never_reads(tmp_path: Path) -> None:
    (tmp_path / "key_encryption_key.old").write_text(f"{b64(OLD)}\n{b64(OLDER)}\n")
    assert Settings.from_env(ENV, instance_dir=tmp_path).old_key_encryption_keys == (OLD, OLDER)
    production = {**ENV, "BADGES_ENV": "production"}
    assert Settings.from_env(production, instance_dir=tmp_path).old_key_encryption_keys == ()


@pytest.mark.parametrize(("text", "capacity"), [("", 131_072), ("8", 8), ("131072", 131_072)])
def test_the_status_list_capacity(tmp_path: Path, text: str, capacity: int) -> None:
    env = {**ENV, "BADGES_STATUS_LIST_CAPACITY": text}
    assert Settings.from_env(env, instance_dir=tmp_path).status_list_capacity == capacity


@pytest.mark.parametrize("text", ["0", "-1", "131073", "eight"])
def test_a_status_list_capacity_out_of_range_is_refused(tmp_path: Path, text: str) -> None:
    with pytest.raises(ConfigError, match="BADGES_STATUS_LIST_CAPACITY must be a whole number .* from 1 to 131072"):
        Settings.from_env({**ENV, "BADGES_STATUS_LIST_CAPACITY": text}, instance_dir=tmp_path)
