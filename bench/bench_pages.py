"""Page renders per second in Korean and English: the cost of the translated text (every label goes through
web.i18n.translate) on the pages that carry the most of it.

Run `PYTHONPATH=. python bench/bench_pages.py [--rounds 200] [--dump DIR]`. It makes a throwaway SQLite instance with one
organisation, course and badge, signs a staff member in, then renders each page `rounds` times per language and
prints the median CPU milliseconds per render (the process's own CPU time, so other work on the machine barely
shows). With --dump it writes each page's HTML (ids and tokens replaced by
placeholders) to DIR, so two runs, before and after a change to the catalogue, can be compared with `diff -r`.
"""
from __future__ import annotations

import argparse
import re
import statistics
import tempfile
import time
from pathlib import Path

import keys
from bootstrap.app import create_app
from store.db import upgrade
from tests.factories import enter_as, issue, make_course, make_org
from web.settings import Settings


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=200)
    parser.add_argument("--dump", type=Path)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{tmp}/bench.sqlite3"
        upgrade(url)
        settings = Settings(database_url=url, secret_key="bench-secret", key_encryption_key=keys.new_kek(),
                            public_base_url="http://badges.test", instance_dir=Path(tmp))
        app = create_app(settings)
        svc = app.extensions["badges"]
        org, _ = make_org(svc)
        course = make_course(svc, org)
        credential_id = issue(svc, org, course)
        client = app.test_client()
        enter_as(client, svc, org, email="owner@example.com", role="owner")
        pages = ["/", f"/credentials/{credential_id}", f"/achievements/{course.public_id}", "/orgs/acme",
                 "/console/acme", "/console/acme/courses", f"/console/acme/courses/{course.public_id}",
                 "/console/acme/credentials", "/console/acme/issue", "/wallet/signup"]
        hidden = {credential_id: "CREDENTIAL", course.public_id: "COURSE"}
        for path in pages:
            for lang in ("ko", "en"):
                page = f"{path}{'&' if '?' in path else '?'}lang={lang}"
                response = client.get(page)
                assert response.status_code == 200, (page, response.status_code)
                times = []
                for _ in range(args.rounds):
                    start = time.process_time()
                    client.get(page)
                    times.append(time.process_time() - start)
                print(f"{statistics.median(times) * 1000:7.2f} ms  {page}")
                if args.dump:
                    html = response.get_data(as_text=True)
                    for value, name in hidden.items():
                        html = html.replace(value, name)
                    html = re.sub(r'(nonce|value|content)="[A-Za-z0-9_\-]{32,}={0,2}"', r'\1="TOKEN"', html)
                    name = page
                    for value, placeholder in hidden.items():
                        name = name.replace(value, placeholder)
                    args.dump.mkdir(parents=True, exist_ok=True)
                    (args.dump / (re.sub(r"\W+", "_", name).strip("_") + ".html")).write_text(html)
        app.extensions["badges"].engine.dispose()


if __name__ == "__main__":
    main()
