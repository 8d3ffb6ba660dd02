"""End to end: `streamlit run app.py` driven by Playwright in Debian's Chromium, as an official would use it."""
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from urllib.parse import quote

import pytest

ROOT = Path(__file__).resolve().parent.parent
ARTIFACTS = ROOT / "test-artifacts"
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
pytestmark = pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Debian's chromium is not installed (apt-get install -y chromium)")

STATEMENTS = {
    "en": "Young people in our poorer neighbourhoods have no jobs.\nHate speech against refugees spreads on social media.",
    "fr": "Nos jeunes décrochent de l'école et le chômage touche les quartiers défavorisés.",
    "ar": "يعاني شباب الأحياء المهمشة من البطالة ونستقبل أعدادا متزايدة من اللاجئين.",
}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    port = free_port()
    db = tmp_path_factory.mktemp("e2e") / "e2e.sqlite"
    _seed_injected_practice(db)
    env = dict(os.environ, CPM_DB_PATH=str(db), STREAMLIT_BROWSER_GATHER_USAGE_STATS="false", HUB_PASSWORD=HUB_PASSWORD)
    env.pop("HUB_PASSWORD_HASH", None)
    env.pop("DATABASE_URL", None)
    proc = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", "app.py", "--server.headless", "true", "--server.port", str(port), "--server.address", "127.0.0.1"],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.time() + 60
    while time.time() < deadline:
        try:
            if urllib.request.urlopen(url + "/_stcore/health", timeout=2).read() == b"ok":
                break
        except OSError:
            time.sleep(0.5)
    else:
        proc.kill()
        pytest.fail("streamlit did not start within 60 s")
    yield url
    proc.terminate()
    try:
        proc.wait(10)
    except subprocess.TimeoutExpired:
        proc.kill()


HUB_PASSWORD = "e2e hub password"
XSS_TITLE = "<img src=x onerror=alert(1)> Unicorn zebra crossing"


def _seed_injected_practice(db: Path) -> None:
    """A practice whose title is an HTML injection attempt, stored through the normal validated path."""
    from matcher.store import Store
    from tests.conftest import practice

    store = Store(f"sqlite:///{db}")
    sousse = store.load().city_by_name["Sousse"]
    rec = practice(id="zz-injected", title=XSS_TITLE, city="Sousse", country=sousse.country, country_code=sousse.country_code, region="MENA",
                   summary="Unicorn zebra crossing workshop for young people. " * 6, themes=["youth-engagement"])
    store.upsert("practices", [(1, rec)])


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            args=["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
        )
        yield b
        b.close()


def card_titles(page) -> list[str]:
    # "Take it away" is written after the last card: the list is complete once it shows
    page.get_by_text("Take it away").wait_for(timeout=60_000)
    return [h.inner_text().strip() for h in page.query_selector_all("h4")]


@pytest.mark.parametrize("lang", ["en", "fr", "ar"])
def test_submit_challenge_and_share_link(server, browser, lang):
    ARTIFACTS.mkdir(exist_ok=True)
    page = browser.new_page(viewport={"width": 1280, "height": 2200})
    page.goto(server + "/", wait_until="domcontentloaded")
    box = page.get_by_label("Your city's challenges")
    box.wait_for(state="visible", timeout=60_000)
    box.fill(STATEMENTS[lang])
    page.get_by_role("button", name="Find practices").click()
    titles = card_titles(page)
    page.wait_for_timeout(500)
    assert len(titles) >= 5
    assert page.get_by_text("We understood:").count() >= 1
    if lang == "ar":  # an Arabic statement also gets who supports this kind of work
        assert page.get_by_text("Who supports this work").count() == 1
    page.screenshot(path=str(ARTIFACTS / f"find-{lang}.png"), full_page=False)
    # the shareable link reproduces the same results
    shared = browser.new_page(viewport={"width": 1280, "height": 2200})
    shared.goto(server + "/?q=" + quote(STATEMENTS[lang]), wait_until="domcontentloaded")
    assert card_titles(shared) == titles
    shared.screenshot(path=str(ARTIFACTS / f"shared-{lang}.png"), full_page=False)
    page.close()
    shared.close()


ENGLISH_LABELS = ["Find practices", "Your city's challenges", "We understood:", "Take it away", "Twinning partners", "Source:",
                  "Download shortlist (CSV)", "Cities worth twinning with", "Who supports this work", "For city officials"]


def letters_share(text: str, lo: str, hi: str) -> float:
    import re

    letters = re.findall(r"[^\W\d_]", text)
    return sum(lo <= c <= hi for c in letters) / max(1, len(letters))


@pytest.mark.parametrize("lang", ["ar", "fr"])
def test_the_whole_page_reads_in_arabic_or_french(server, browser, lang):
    """A shared link with ?lang= opens the page in that language: direction, practice titles and summaries,
    and no English interface label left."""
    from matcher.i18n import translations

    tr = translations(lang).gettext
    page = browser.new_page(viewport={"width": 1280, "height": 2200})
    page.goto(server + f"/?lang={lang}&q=" + quote(STATEMENTS[lang]), wait_until="domcontentloaded")
    page.get_by_text(tr("Take it away")).wait_for(timeout=60_000)
    page.wait_for_timeout(1000)
    assert page.evaluate("() => [document.documentElement.lang, document.documentElement.dir]") == [lang, "rtl" if lang == "ar" else "ltr"]
    titles = [h.inner_text() for h in page.query_selector_all("h4")]
    body = page.evaluate("() => document.body.innerText")
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"page-{lang}.png"), full_page=False)
    assert len(titles) >= 5
    if lang == "ar":
        assert all(letters_share(t, "\u0600", "\u06ff") > 0.5 for t in titles), titles
        assert letters_share(body, "\u0600", "\u06ff") > 0.8
    assert [label for label in ENGLISH_LABELS if label in body] == []
    page.close()


def test_injected_title_is_shown_as_text(server, browser):
    page = browser.new_page(viewport={"width": 1280, "height": 1600})
    dialogs = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    page.goto(server + "/?q=" + quote("unicorn zebra crossing"), wait_until="domcontentloaded")
    titles = card_titles(page)
    assert titles[0] == "1. " + XSS_TITLE  # the markup is visible as text
    assert page.locator("img[src='x']").count() == 0
    page.wait_for_timeout(500)
    assert dialogs == []
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "injected-title.png"))
    page.close()


def test_results_survive_downloads_and_page_switches(server, browser):
    """Both take-away files can be downloaded one after the other, and the results stay on screen,
    also after visiting another page and coming back."""
    page = browser.new_page(viewport={"width": 1280, "height": 2200}, accept_downloads=True)
    page.goto(server + "/", wait_until="domcontentloaded")
    box = page.get_by_label("Your city's challenges")
    box.wait_for(state="visible", timeout=60_000)
    box.fill(STATEMENTS["en"])
    page.get_by_role("button", name="Find practices").click()
    titles = card_titles(page)
    with page.expect_download() as csv_dl:
        page.get_by_role("button", name="Download shortlist (CSV)").click()
    assert csv_dl.value.suggested_filename == "shortlist.csv"
    page.wait_for_timeout(1000)
    assert card_titles(page) == titles
    with page.expect_download() as brief_dl:
        page.get_by_role("button", name="Download one-page brief (HTML)").click()
    brief = Path(brief_dl.value.path()).read_text(encoding="utf-8")
    assert "Cities worth twinning with" in brief or "We understood" in brief
    page.wait_for_timeout(1000)
    assert card_titles(page) == titles
    with page.expect_download() as pdf_dl:
        page.get_by_role("button", name="Download one-page brief (PDF)").click()
    assert pdf_dl.value.suggested_filename == "brief.pdf"
    assert Path(pdf_dl.value.path()).read_bytes()[:5] == b"%PDF-"
    page.wait_for_timeout(1000)
    assert card_titles(page) == titles
    page.get_by_role("link", name="Twinning partners").click()
    page.get_by_role("heading", name="Twinning partners").wait_for(timeout=60_000)
    page.get_by_role("link", name="Find practices").click()
    assert card_titles(page) == titles
    page.close()


def open_catalog_signed_in(server, browser, height: int):
    """A new page on the hub's Catalog page, signed in with the hub password, its tabs drawn."""
    page = browser.new_page(viewport={"width": 1280, "height": height})
    page.goto(server + "/catalog", wait_until="domcontentloaded")
    box = page.get_by_label("Hub password")
    box.wait_for(state="visible", timeout=60_000)
    box.fill(HUB_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("tab", name="Browse").wait_for(timeout=60_000)
    return page


def test_hub_sign_in_survives_a_reload_until_sign_out(server, browser):
    page = open_catalog_signed_in(server, browser, 1200)
    page.wait_for_timeout(1500)  # the session cookie is set once the signed-in page is drawn
    page.reload(wait_until="domcontentloaded")
    page.get_by_role("tab", name="Browse").wait_for(timeout=60_000)  # still signed in
    page.get_by_role("button", name="Sign out of hub pages").click()
    page.get_by_label("Hub password").wait_for(state="visible", timeout=60_000)
    page.reload(wait_until="domcontentloaded")
    page.get_by_label("Hub password").wait_for(state="visible", timeout=60_000)  # still signed out after a reload
    assert page.get_by_role("tab", name="Browse").count() == 0
    page.close()


def test_hub_records_a_programme_with_two_measurements_and_publishes_it(server, browser):
    page = open_catalog_signed_in(server, browser, 2000)
    page.get_by_role("tab", name="Add or edit a practice").click()
    page.get_by_label("Your name (required; recorded in the change history)").fill("E2E Hub")
    page.keyboard.press("Tab")
    page.wait_for_timeout(2000)  # the name triggers a rerun, which redraws the tabs; click only once it is done
    page.get_by_role("tab", name="Results log").click()
    panel = page.get_by_role("tabpanel").filter(has_text="A city's own programme")
    panel.get_by_role("button", name="Record programme").wait_for(state="visible", timeout=60_000)
    panel.get_by_role("textbox", name="id (slug) *", exact=True).fill("sousse-e2e-homework-clubs")
    panel.get_by_role("combobox", name="City *").click()
    page.keyboard.type("Sousse")
    page.keyboard.press("Enter")
    panel.get_by_role("textbox", name="Title *", exact=True).fill("Homework clubs against early school leaving")
    panel.get_by_role("textbox", name="What it is, for whom, how (30 words or more to publish it)", exact=True).fill(
        "The municipality runs homework clubs and family visits in two neighbourhoods where pupils leave school early; "
        "social workers follow each pupil for a school year and meet teachers every month to agree the next steps together.")
    panel.get_by_role("combobox", name="Themes (1–5) *").click()
    page.keyboard.type("School violence")
    page.keyboard.press("Enter")
    page.keyboard.press("Escape")
    panel.get_by_role("textbox", name="First indicator *", exact=True).fill("pupils who left school during the year")
    panel.get_by_role("textbox", name="Unit", exact=True).fill("pupils")
    panel.get_by_role("textbox", name="Baseline value", exact=True).fill("42")
    panel.get_by_role("button", name="Record programme").click()
    page.get_by_text("Recorded sousse-e2e-homework-clubs").wait_for(timeout=60_000)
    panel = page.get_by_role("tabpanel").filter(has_text="A city's own programme")
    panel.get_by_role("combobox", name="Programme").click()
    page.keyboard.type("sousse-e2e")
    page.keyboard.press("Enter")
    for value in ("37", "31"):
        panel.get_by_role("textbox", name="Value *", exact=True).fill(value)
        panel.get_by_role("button", name="Add measurement").click()
        page.get_by_text("Measurement added").wait_for(timeout=60_000)
        page.wait_for_timeout(500)
    panel.get_by_role("button", name="Make the results page public").click()
    page.get_by_text("is now public").wait_for(timeout=60_000)
    panel.get_by_role("button", name="Publish into the catalog").click()
    page.get_by_text("Published as practice").wait_for(timeout=60_000)
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "results-log.png"))
    public = browser.new_page(viewport={"width": 1280, "height": 1400})
    public.goto(server + "/results", wait_until="domcontentloaded")
    public.get_by_text("Homework clubs against early school leaving").wait_for(timeout=60_000)
    assert public.get_by_text("2 measurements").count() >= 1
    public.close()
    page.close()
