"""Hardening: every row of docs/RELIABILITY.md, rendering safety, concurrency, durability, sign-in."""
import threading

import pytest
from streamlit.testing.v1 import AppTest

from matcher.auth import Throttle, configured_hash, hash_password, verify_password
from matcher.cli import main
from matcher.engine import MAX_STATEMENT_CHARS, Filters
from matcher.io import read_upload, rows_to_csv
from matcher.service import CatalogService
from matcher.store import ImportRejected, Store, StoreError
from tests.conftest import practice

XSS_TITLE = "<img src=x onerror=alert(1)> Youth jobs"
MD_TITLE = "[click me](http://evil.example) ![pic](http://evil.example/x.png) **bold**"


# ---- challenge text ------------------------------------------------------------------------
def test_text_with_controls_emoji_rtl_marks_and_mixed_scripts(matcher):
    text = "\u200fالشباب\u200e jobs 🙂\x00\x07 réfugiés\u202e\ufeff unemployment"
    resp = matcher.recommend(text, k=5)
    assert resp.results and all(0 <= r.score <= 1 for r in resp.results)


def test_megabyte_statement_is_truncated_with_notice(matcher):
    text = "x" * 10 + " refugees jobs " * 80_000
    resp = matcher.recommend(text, k=3)
    assert resp.truncated and len(resp.results) == 3
    st = matcher.analyse(text)
    assert st.truncated and st.text == text[:MAX_STATEMENT_CHARS] and len(st.text) < len(text)


def test_unknown_filter_values_give_no_result_not_an_error(matcher):
    assert matcher.recommend("refugees", filters=Filters(regions=("Mars",))).results == []
    # An unknown evidence level ranks below every known one, so it filters nothing out.
    unfiltered = matcher.recommend("refugees", k=5)
    unknown = matcher.recommend("refugees", k=5, filters=Filters(min_evidence="unheard-of"))
    assert [r.practice_id for r in unknown.results] == [r.practice_id for r in unfiltered.results] and unknown.results


# ---- rendering safety ----------------------------------------------------------------------
def _card_script(title, url, summary):
    from matcher.results import Recommendation
    from ui.components import load_catalog
    from ui.pages import render_card

    r = Recommendation("x", title, "<b>City</b>", "Country", "MENA", 0.5, [], [], [{"term": "<script>t</script>", "contribution": 0.1}],
                       "described", "c", 0, ["note [x](javascript:alert(1))"], summary, "Source <i>title</i>", url)
    render_card(1, r, load_catalog(), multi=True)


@pytest.mark.parametrize("url", ["javascript:alert(1)", "data:text/html,<script>alert(1)</script>", "JaVaScRiPt:alert(1)"])
def test_card_neutralises_html_markdown_and_bad_links(tmp_path, monkeypatch, url):
    monkeypatch.setenv("CPM_DB_PATH", str(tmp_path / "r.sqlite"))
    import streamlit as st

    st.cache_resource.clear()
    at = AppTest.from_function(_card_script, args=(XSS_TITLE, url, MD_TITLE), default_timeout=60).run()
    assert not at.exception
    md = [m.value for m in at.markdown]
    joined = "\n".join(md)
    assert "\\<img src\\=x onerror\\=alert\\(1\\)\\>" in joined  # shown as text, escaped
    assert "<img" not in joined.replace("\\<img", "")
    assert "](http" not in joined.replace("\\](http", "")  # markdown link from data is not a link
    assert "](javascript" not in joined.lower() and "](data" not in joined.lower()
    source = next(m for m in md if m.startswith("Source: "))
    assert "](" not in source and "no web address" in source


def test_good_source_link_is_a_plain_link():
    from ui.components import source_link

    assert source_link("Report", "https://example.org/a(b)") == "[Report](https://example.org/a%28b%29)"
    assert source_link("[x](y)", None) == "\\[x\\]\\(y\\) (no web address)"


def test_brief_html_is_escaped(matcher):
    from ui.pages import brief_html

    resp = matcher.recommend("refugees jobs", k=2)
    resp.results[0].title = XSS_TITLE
    resp.results[0].source_url = "javascript:alert(1)"
    html = brief_html("<script>alert(1)</script>", resp)
    assert "<img src=x" not in html and "&lt;img src=x" in html
    assert "<script>alert" not in html and 'href="javascript' not in html


def test_shortlist_export_neutralises_formulas():
    data = rows_to_csv([{"title": "=cmd()", "city": "+1", "note": "@SUM(A1)", "x": "-2+3", "t": "\tTAB", "r": "\rCR"}]).decode("utf-8-sig")
    for cell in ("'=cmd()", "'+1", "'@SUM(A1)", "'-2+3", "'\tTAB"):
        assert cell in data


# ---- forms and imports ----------------------------------------------------------------------
def test_form_and_import_refuse_javascript_urls_and_keep_html_as_text(store, shipped):
    c = shipped.cities[0]
    base = dict(practice(), city=c.city, country=c.country, country_code=c.country_code or "XX", region=c.region)
    with pytest.raises(ImportRejected) as exc:
        store.upsert("practices", [(1, dict(base, id="zz-js", source_url="javascript:alert(1)"))], file="form")
    assert exc.value.problems[0].field == "source_url"
    store.upsert("practices", [(1, dict(base, id="zz-xss", title=XSS_TITLE))], file="form")
    assert store.load().practice_by_id["zz-xss"].title == XSS_TITLE


@pytest.mark.parametrize(
    "csv_text, fragment",
    [
        ("id,title,city,summary\nzz-a,A title,Sousse,Short summary\n", "required but missing"),
        ("id;title\n", "could not tell which table"),
        ("city,country,region,kind,lat,lon,population,population_year,languages,networks,shoe_size\nZ,Tunisia,MENA,city,1,1,,,ar,,42\n", "unknown column"),
    ],
)
def test_import_missing_and_extra_columns(store, csv_text, fragment):
    from matcher.io import ReadError

    before = store.export()
    try:
        table, rows, problems = read_upload("x.csv", csv_text.encode())
        if problems:
            raise ImportRejected(problems)
        store.upsert(table, rows)
        pytest.fail("import should have been refused")
    except (ImportRejected, ReadError) as exc:
        assert fragment in str(getattr(exc, "problems", [exc])[0]) or fragment in str(exc)
    assert store.export() == before


def test_import_duplicate_ids_in_file(store, shipped):
    c = shipped.cities[0]
    rec = dict(practice(id="zz-dup"), city=c.city, country=c.country, country_code=c.country_code or "XX", region=c.region)
    with pytest.raises(ImportRejected) as exc:
        store.upsert("practices", [(2, rec), (3, rec)])
    assert any("duplicate id" in p.message for p in exc.value.problems)


# ---- CLI arguments and DATABASE_URL ----------------------------------------------------------
@pytest.mark.parametrize(
    "argv, code",
    [(["recommend", "jobs", "--k", "-3"], 2), (["recommend", "jobs", "--k", "many"], 2), (["nope"], 2), (["import", "/no/such.csv"], 2),
     (["export", "--format", "xml"], 2), (["recommend", ""], 1), (["validate", "/no/such/dir"], 2)],
)
def test_cli_bad_arguments(capsys, tmp_path, monkeypatch, argv, code):
    monkeypatch.setenv("CPM_DB_PATH", str(tmp_path / "c.sqlite"))
    monkeypatch.delenv("DATABASE_URL", raising=False)
    assert main(argv) == code
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "Traceback" not in err


def test_database_url_errors_hide_the_password(capsys, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "postgresql://user:s3cret@127.0.0.1:1/none")
    assert main(["stats"]) == 1
    err = capsys.readouterr().err
    assert "cannot open the database" in err and "s3cret" not in err
    with pytest.raises(StoreError):
        Store("mysql://")


# ---- concurrency ----------------------------------------------------------------------------
def test_readers_see_whole_catalogs_while_a_writer_imports(tmp_path, shipped):
    store = Store(f"sqlite:///{tmp_path / 'conc.sqlite'}")
    service = CatalogService(store)
    v0 = store.version()
    n0 = len(store.load().practices)
    c = shipped.cities[0]
    base = dict(practice(), city=c.city, country=c.country, country_code=c.country_code or "XX", region=c.region)
    errors, seen_versions = [], set()
    stop = threading.Event()

    def reader(i):
        try:
            while not stop.is_set():
                snap = service.snapshot()
                cat = snap.catalog
                # a whole catalog: its size matches its version (each write adds exactly one practice)
                assert len(cat.practices) == n0 + (cat.version - v0)
                assert [p.id for p in snap.matcher.practices_] == [p.id for p in cat.practices]
                snap.matcher.recommend("refugees and youth unemployment", k=5)
                if i % 2:
                    snap.twinning.partners(city="Amman", k=3)
                seen_versions.add(cat.version)
        except Exception as exc:  # noqa: BLE001 - any failure is the test's result
            errors.append(repr(exc))

    threads = [threading.Thread(target=reader, args=(i,)) for i in range(16)]
    for t in threads:
        t.start()
    written = []
    for k in range(8):
        rec = dict(base, id=f"zz-conc-{k}", title=f"Concurrent practice {k}")
        store.upsert("practices", [(1, rec)])
        written.append(rec["id"])
    stop.set()
    for t in threads:
        t.join(60)
    assert errors == []
    final = store.load()
    assert all(pid in final.practice_by_id for pid in written)  # no lost writes
    assert final.version == v0 + 8 and len(seen_versions) >= 1


# ---- sign-in ---------------------------------------------------------------------------------
def test_password_hashing_and_wrong_password():
    h = hash_password("open sesame", iterations=1000)
    assert h.startswith("pbkdf2_sha256$1000$") and "open sesame" not in h
    assert verify_password("open sesame", h) and not verify_password("open sesam", h)
    assert not verify_password("x", "garbage")


def test_plain_env_password_is_only_kept_hashed(monkeypatch):
    monkeypatch.delenv("HUB_PASSWORD_HASH", raising=False)
    monkeypatch.setenv("HUB_PASSWORD", "plain-secret")
    stored = configured_hash()
    assert stored and "plain-secret" not in stored and verify_password("plain-secret", stored)


def test_repeated_failures_are_slowed_down():
    now = [0.0]
    t = Throttle(free=3, base_seconds=2, clock=lambda: now[0])
    h = hash_password("right", iterations=1000)
    for _ in range(3):
        assert t.attempt("k", "wrong", h) == (False, "Wrong password.")
    ok, msg = t.attempt("k", "right", h)  # blocked: even the right password waits
    assert not ok and "Try again in" in msg
    now[0] += 2.1
    assert t.attempt("k", "wrong", h)[0] is False
    assert t.wait_seconds("k") == pytest.approx(4.0)  # doubled
    now[0] += 4.1
    assert t.attempt("k", "right", h) == (True, "Signed in.")


def test_sign_in_never_logs_the_password(tmp_path, monkeypatch, caplog):
    monkeypatch.setenv("CPM_DB_PATH", str(tmp_path / "s.sqlite"))
    monkeypatch.setenv("HUB_PASSWORD_HASH", hash_password("correct horse", iterations=1000))

    def script():
        from ui.pages import catalog_admin

        catalog_admin()

    import streamlit as st

    st.cache_resource.clear()
    at = AppTest.from_function(script, default_timeout=60).run()
    at.text_input[0].input("wrong-guess-123")
    next(b for b in at.button if b.label == "Sign in").click().run()
    assert at.error and "Wrong password" in at.error[0].value
    assert "wrong-guess-123" not in caplog.text
    shown = [e.value for kind in (at.markdown, at.error, at.warning, at.info, at.caption, at.success) for e in kind]
    assert shown and all("wrong-guess-123" not in str(v) for v in shown)  # the page never echoes the guess


def test_hub_session_tokens_are_signed_and_expire():
    from matcher.auth import issue_session, session_key, session_valid

    key = session_key({"HUB_PASSWORD_HASH": "pbkdf2_sha256$1000$salt$abc"})
    token = issue_session(key, now=1_000_000, seconds=3600)
    assert session_valid(token, key, now=1_000_100)
    assert not session_valid(token, key, now=1_003_601)  # expired
    expiry, mac = token.split(".")
    assert not session_valid(f"{int(expiry) + 86400}.{mac}", key, now=1_000_100)  # a stretched expiry breaks the signature
    other = session_key({"HUB_PASSWORD_HASH": "pbkdf2_sha256$1000$salt$changed"})
    assert not session_valid(token, other, now=1_000_100)  # a new password ends every session
    assert not session_valid("garbage", key) and not session_valid(None, key)


def test_matched_words_are_escaped_inside_their_isolates():
    """The official's words are shown with HTML isolates for direction, but as text: markup in them is escaped."""
    from streamlit.testing.v1 import AppTest

    def script():
        from ui.components import isolated_list

        isolated_list("Your words it matched:", ["<img src=x onerror=alert(1)>", "شبابنا"])

    at = AppTest.from_function(script).run()
    html_out = at.markdown[0].value
    assert "&lt;img src=x onerror=alert(1)&gt;" in html_out and "<img" not in html_out
    assert "<bdi>شبابنا</bdi>" in html_out
