"""Several app processes on one database: a hub user's write through one process is served by the other on
its next search, without a restart. PostgreSQL when TEST_DATABASE_URL is set (.ci/run does), else one SQLite
file shared by both processes (deploy/run.sh's default on one machine)."""
from __future__ import annotations

import os
import subprocess
import sys
import time
import urllib.request
import uuid
from urllib.parse import quote

import pytest

from tests.test_e2e import CHROMIUM, HUB_PASSWORD, ROOT, free_port
from tests.test_e2e import browser  # noqa: F401 - the shared headless Chromium fixture

pytestmark = pytest.mark.skipif(not os.path.exists(CHROMIUM), reason="Debian's chromium is not installed (apt-get install -y chromium)")

PRACTICE = "sousse-school-violence-dropout"
QUERY = "School programming against violence and dropout, with psychosocial support in Sousse"


@pytest.fixture(scope="module")
def database(tmp_path_factory):
    """A fresh database for this test: a new PostgreSQL database on the test server, or a new SQLite file."""
    server = os.environ.get("TEST_DATABASE_URL")
    if not server:
        yield {"CPM_DB_PATH": str(tmp_path_factory.mktemp("mp") / "shared.sqlite")}
        return
    from sqlalchemy import create_engine, text

    name = "cpm_mp_" + uuid.uuid4().hex[:8]
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f"CREATE DATABASE {name}"))
    url = server.rsplit("/", 1)[0] + "/" + name
    yield {"DATABASE_URL": url}
    with admin.connect() as conn:
        conn.execute(text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
    admin.dispose()


@pytest.fixture(scope="module")
def two_processes(database):
    env = dict(os.environ, STREAMLIT_BROWSER_GATHER_USAGE_STATS="false", HUB_PASSWORD=HUB_PASSWORD, **database)
    env.pop("HUB_PASSWORD_HASH", None)
    if "DATABASE_URL" not in database:
        env.pop("DATABASE_URL", None)
    # Seed once, as deploy/run.sh does, before the processes start.
    subprocess.run([sys.executable, "-c", "from matcher.store import Store; Store().load()"], cwd=ROOT, env=env, check=True)
    procs, urls = [], []
    for _n in range(2):
        port = free_port()
        procs.append(subprocess.Popen(
            [sys.executable, "-m", "streamlit", "run", "app.py", "--server.headless", "true", "--server.port", str(port), "--server.address", "127.0.0.1"],
            cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
        urls.append(f"http://127.0.0.1:{port}")
    deadline = time.time() + 90
    for url in urls:
        while True:
            try:
                if urllib.request.urlopen(url + "/_stcore/health", timeout=2).read() == b"ok":
                    break
            except OSError:
                if time.time() > deadline:
                    for p in procs:
                        p.kill()
                    pytest.fail("the app processes did not start within 90 s")
                time.sleep(0.5)
    yield urls
    for p in procs:
        p.terminate()
    for p in procs:
        try:
            p.wait(10)
        except subprocess.TimeoutExpired:
            p.kill()


def titles_for(browser, url: str) -> list[str]:  # noqa: F811
    page = browser.new_page(viewport={"width": 1280, "height": 2400})
    page.goto(url + "/?lang=en&q=" + quote(QUERY), wait_until="domcontentloaded")
    page.get_by_text("Take it away").wait_for(timeout=90_000)
    page.wait_for_timeout(500)
    titles = [h.inner_text().split(". ", 1)[1] for h in page.query_selector_all("h4")]
    page.close()
    return titles


def set_archived(browser, url: str, archive: bool) -> None:  # noqa: F811
    """A hub user archives (or restores) the practice through the Catalog page of this process."""
    page = browser.new_page(viewport={"width": 1280, "height": 1600})
    page.goto(url + "/catalog?lang=en", wait_until="domcontentloaded")
    page.get_by_label("Hub password").fill(HUB_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("tab", name="Browse").wait_for(timeout=60_000)
    page.wait_for_timeout(1000)
    page.get_by_role("tab", name="Add or edit a practice").click()
    page.get_by_text("Archive or restore a practice").click()
    name = page.get_by_label("Your name (required; recorded in the change history)")
    name.wait_for(timeout=30_000)
    name.fill("Multi-process test")
    page.keyboard.press("Tab")
    page.wait_for_timeout(1500)  # the name's rerun
    page.get_by_role("combobox", name="Practice").click()
    page.keyboard.type(PRACTICE)
    page.keyboard.press("Enter")
    button = "Archive (hide from search)" if archive else "Restore to the catalog"
    page.get_by_role("button", name=button).click()
    page.get_by_text(f"{PRACTICE} {'archived' if archive else 'restored'}.").wait_for(timeout=60_000)
    page.close()


def test_a_write_through_one_process_is_served_by_the_other(two_processes, browser):  # noqa: F811
    writer, reader = two_processes
    from matcher.catalog import load_data_dir

    title = load_data_dir()[0].practice_by_id[PRACTICE].title
    assert title in titles_for(browser, reader)
    set_archived(browser, writer, archive=True)
    assert title not in titles_for(browser, reader)  # the other process's next search, no restart
    set_archived(browser, writer, archive=False)
    assert title in titles_for(browser, reader)
