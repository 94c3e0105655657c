"""Migration 0016 on a database with keys: every existing key is a sealed one (custody "software"); a key row must
then be sealed or name a token key, never both nor neither; a downgrade with keys in a token is refused."""
from __future__ import annotations

from datetime import UTC, datetime

import pytest
from alembic import command
from alembic.config import Config
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from store.db import MIGRATIONS, make_engine
from tests.issuer.test_courses_migration import empty_url, migrate  # noqa: F401  (fixture)

NOW = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)
KEY = ("INSERT INTO signing_keys (org_id, fragment, public_multibase, custody, sealed, token_label, token_key_id, "
       "created_at) VALUES (1, :fragment, 'z6Mk', :custody, :sealed, :label, :key_id, :now)")


def test_existing_keys_are_sealed_ones_and_a_key_row_is_one_or_the_other(empty_url: str) -> None:
    migrate(empty_url, "0010")
    engine = make_engine(empty_url)
    try:
        with engine.begin() as conn:
            conn.execute(text("INSERT INTO orgs (id, slug, did, name_ko, name_en, description_ko, description_en, "
                              "created_at) VALUES (1, 'acme', 'did:web:x', '아크미', 'Acme', '', '', :now)"),
                         {"now": NOW})
            conn.execute(text("INSERT INTO signing_keys (org_id, fragment, public_multibase, sealed, created_at) "
                              "VALUES (1, 'key-1', 'z6Mk', :sealed, :now)"), {"sealed": b"k1sealed", "now": NOW})
        migrate(empty_url, "0016")
        with engine.connect() as conn:
            row = conn.execute(text("SELECT custody, sealed, token_label, token_key_id FROM signing_keys")).one()
            assert tuple(row) == ("software", b"k1sealed", None, None)
            assert conn.execute(text("SELECT key_custody FROM orgs")).scalar() is None
        with engine.begin() as conn:
            conn.execute(text(KEY), {"fragment": "key-2", "custody": "pkcs11", "sealed": None, "label": "hsm",
                                     "key_id": "00" * 16, "now": NOW})
        for custody, sealed, key_id in (("pkcs11", b"k1", "00" * 16), ("pkcs11", None, None),
                                        ("software", None, None), ("software", b"k1", "00" * 16), ("cloud", b"k1", None)):
            with pytest.raises(IntegrityError), engine.begin() as conn:
                conn.execute(text(KEY), {"fragment": "key-x", "custody": custody, "sealed": sealed, "label": "hsm",
                                         "key_id": key_id, "now": NOW})
        config = Config()
        config.set_main_option("script_location", str(MIGRATIONS))
        config.set_main_option("sqlalchemy.url", empty_url.replace("%", "%%"))
        with pytest.raises(RuntimeError, match="kept in a PKCS#11 token"):
            command.downgrade(config, "0010")
    finally:
        engine.dispose()
