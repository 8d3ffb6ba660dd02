"""Start-up times as a user meets them: a CLI `recommend` on an unchanged catalog, and a cold app's
first page and first result in headless Chromium (fresh database, no kept practice vectors in var/).

    python benchmarks/startup.py [--runs 3]

Needs Debian's chromium (/usr/bin/chromium) and playwright for the app part. Timings are reported, never asserted.
Before session 3 (same machine): CLI recommend 3-5 s; cold app 11 s of blank page before the first page.
Before session 4 (model refitted by every process): CLI recommend 4.0 s; cold app first page 4.4 s.
"""
from __future__ import annotations

import argparse
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from urllib.parse import quote

ROOT = Path(__file__).resolve().parent.parent
STATEMENT = "Nos jeunes décrochent de l'école et traînent dans la rue."


def cli_recommend(env: dict) -> float:
    t0 = time.perf_counter()
    subprocess.run([sys.executable, "-m", "matcher", "recommend", STATEMENT, "--k", "3"], cwd=ROOT, env=env, check=True, capture_output=True)
    return time.perf_counter() - t0


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def cold_app(env: dict) -> tuple[float, float]:
    """Seconds from `streamlit run` to the first page drawn, and to the first result of a shared link."""
    from playwright.sync_api import sync_playwright

    port = free_port()
    t0 = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-m", "streamlit", "run", "app.py", "--server.headless", "true", "--server.port", str(port)],
                            cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        url = f"http://127.0.0.1:{port}"
        while True:
            try:
                if urllib.request.urlopen(url + "/_stcore/health", timeout=1).read() == b"ok":
                    break
            except OSError:
                time.sleep(0.05)
            if time.perf_counter() - t0 > 120:
                raise RuntimeError("streamlit did not start")
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=shutil.which("chromium") or "/usr/bin/chromium", headless=True,
                                        args=["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--no-first-run"])
            page = browser.new_page()
            page.goto(url + "/", wait_until="domcontentloaded")
            page.get_by_label("Your city's challenges").wait_for(timeout=120_000)
            first_page = time.perf_counter() - t0
            page.goto(url + "/?q=" + quote(STATEMENT), wait_until="domcontentloaded")
            page.get_by_text("Your words it matched").first.wait_for(timeout=120_000)
            first_result = time.perf_counter() - t0
            browser.close()
        return first_page, first_result
    finally:
        proc.terminate()
        proc.wait(10)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=3)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        env = dict(os.environ, CPM_DB_PATH=str(Path(tmp) / "cli.sqlite"), CPM_VECTOR_DIR=str(Path(tmp) / "vectors"),
                   CPM_MODEL_DIR=str(Path(tmp) / "models"))
        env.pop("DATABASE_URL", None)
        first = cli_recommend(env)  # seeds the database and keeps the model: later runs are "an unchanged catalog"
        print(f"CLI recommend, first run (seeds the database, fits and keeps the model): {first:.2f} s")
        cli = [cli_recommend(env) for _ in range(args.runs)]
        print(f"CLI recommend, unchanged catalog: median {statistics.median(cli):.2f} s (min {min(cli):.2f}, max {max(cli):.2f}) over {args.runs} runs")
        for kept in (False, True):
            pages, results = [], []
            for i in range(args.runs):
                # A fresh database each time; the model folder is fresh too, or the one the CLI runs kept.
                models = env["CPM_MODEL_DIR"] if kept else str(Path(tmp) / f"models-cold{i}")
                cold = dict(env, CPM_DB_PATH=str(Path(tmp) / f"app{kept}{i}.sqlite"), CPM_VECTOR_DIR=str(Path(tmp) / f"v{kept}{i}"),
                            CPM_MODEL_DIR=models)
                a, b = cold_app(cold)
                pages.append(a)
                results.append(b)
            what = "model kept on disk" if kept else "nothing kept"
            print(f"cold app ({what}), first page drawn: median {statistics.median(pages):.2f} s (min {min(pages):.2f}, max {max(pages):.2f})")
            print(f"cold app ({what}), first result of a shared link: median {statistics.median(results):.2f} s (min {min(results):.2f}, max {max(results):.2f})")


if __name__ == "__main__":
    main()
