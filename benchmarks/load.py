"""Many officials at once: K concurrent sessions, each loading the app like a browser (the page shell and its
script and style bundles) and running one search over Streamlit's websocket protocol, against one plain
`streamlit run` process and against `deploy/run.sh 3` (nginx in front of three processes).

    python benchmarks/load.py [--sessions 16] [--setups plain,proxy3] [--writes 10]

Reports, per setup: median and p95 time to the first result card, errors, and CPU seconds per visitor spent
by the server (the app processes and nginx, read from /proc) and, apart, by this client. A hub user's writes
run during the load (archive/restore through the same store the app uses); they are counted back afterwards.
Loopback only; bounded in sessions (at most 64) and time (120 s per session). Timings are reported, never asserted.
"""
from __future__ import annotations

import argparse
import asyncio
import os
import re
import resource
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path
from urllib.parse import quote

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

STATEMENTS = [
    ("en", "Young people in our poorer neighbourhoods drop out of school and have no jobs."),
    ("fr", "Nos jeunes décrochent de l'école et le chômage touche les quartiers défavorisés."),
    ("ar", "يعاني شباب الأحياء المهمشة من البطالة والانقطاع المدرسي."),
    ("en", "Hate speech against refugees is spreading on social media."),
    ("fr", "Nous accueillons de plus en plus de migrants et les tensions avec la population augmentent."),
    ("ar", "نستقبل أعدادا متزايدة من المهاجرين ونحتاج إلى برامج للإدماج والتماسك الاجتماعي."),
    ("en", "Gangs recruit teenagers and violence between groups is rising."),
    ("fr", "Les discours de haine se multiplient sur les réseaux sociaux."),
]
SESSION_TIMEOUT = 120
MAX_SESSIONS = 64
WRITE_PRACTICE = "sousse-school-violence-dropout"
CLK = os.sysconf("SC_CLK_TCK")


def free_port_block(n: int) -> int:
    """A port P with P..P+n free on loopback."""
    for _ in range(50):
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            base = s.getsockname()[1]
        if base + n > 65000:
            continue
        ok = True
        for p in range(base, base + n + 1):
            with socket.socket() as t:
                try:
                    t.bind(("127.0.0.1", p))
                except OSError:
                    ok = False
                    break
        if ok:
            return base
    raise RuntimeError("no free block of ports")


def tree(pid: int) -> list[int]:
    """pid and all its descendants (from /proc)."""
    children: dict[int, list[int]] = {}
    for d in os.listdir("/proc"):
        if d.isdigit():
            try:
                ppid = int(Path(f"/proc/{d}/stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            children.setdefault(ppid, []).append(int(d))
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        out.append(p)
        todo.extend(children.get(p, []))
    return out


def cpu_seconds(pids: list[int]) -> float:
    total = 0.0
    for p in pids:
        try:
            fields = Path(f"/proc/{p}/stat").read_text().rsplit(")", 1)[1].split()
            total += (int(fields[11]) + int(fields[12])) / CLK  # utime + stime
        except (OSError, IndexError, ValueError):
            pass
    return total


def wait_healthy(url: str, timeout: float = 120) -> None:
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            if urllib.request.urlopen(url + "/_stcore/health", timeout=2).read() == b"ok":
                return
        except OSError:
            time.sleep(0.3)
    raise RuntimeError(f"{url} did not become healthy")


def start(setup: str, env: dict) -> tuple[subprocess.Popen, str, list[str]]:
    """(process, public url, the app processes' urls)."""
    if setup == "plain":
        port = free_port_block(1)
        proc = subprocess.Popen([sys.executable, "-m", "streamlit", "run", "app.py", "--server.headless", "true",
                                 "--server.address", "127.0.0.1", "--server.port", str(port)],
                                cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
        url = f"http://127.0.0.1:{port}"
        wait_healthy(url)
        return proc, url, [url]
    n = int(setup.replace("proxy", ""))
    port = free_port_block(n + 1)
    proc = subprocess.Popen(["bash", "deploy/run.sh", str(n), str(port)], cwd=ROOT, env=dict(env, PYTHON=sys.executable),
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    apps = [f"http://127.0.0.1:{port + i}" for i in range(1, n + 1)]
    for a in apps:
        wait_healthy(a)
    url = f"http://127.0.0.1:{port}"
    wait_healthy(url)
    return proc, url, apps


def fetch_shell(url: str) -> tuple[str, int]:
    """What a browser fetches before the websocket: the page shell, its script and style bundles. Returns the
    route cookie (when a proxy sets one) and the bytes read."""
    req = urllib.request.Request(url + "/", headers={"Accept-Encoding": "gzip"})
    with urllib.request.urlopen(req, timeout=30) as r:
        shell = r.read()
        cookie = "; ".join(c.split(";", 1)[0] for c in r.headers.get_all("Set-Cookie") or [])
    size = len(shell)
    for asset in re.findall(rb'(?:src|href)="\.?/?(static/[^"]+\.(?:js|css))"', shell):
        req = urllib.request.Request(url + "/" + asset.decode(), headers={"Accept-Encoding": "gzip", "Cookie": cookie})
        with urllib.request.urlopen(req, timeout=30) as r:
            size += len(r.read())
    return cookie, size


async def one_session(url: str, lang: str, statement: str | None, reruns: int = 0, barriers=None) -> float:
    """Seconds from the first request to the first result card on screen (its delta received); with no
    statement, to the end of the first page run (a visitor who only opens the app)."""
    import websockets
    from streamlit.proto.BackMsg_pb2 import BackMsg
    from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

    t0 = time.perf_counter()
    cookie, _size = await asyncio.to_thread(fetch_shell, url)
    ws_url = url.replace("http://", "ws://") + "/_stcore/stream"
    headers = {"Cookie": cookie} if cookie else {}
    async with websockets.connect(ws_url, subprotocols=["streamlit"], origin=url, additional_headers=headers, max_size=None) as ws:
        msg = BackMsg()
        msg.rerun_script.query_string = f"lang={lang}" + (("&q=" + quote(statement)) if statement else "")
        await ws.send(msg.SerializeToString())
        first = None
        while True:
            data = await asyncio.wait_for(ws.recv(), SESSION_TIMEOUT)
            fwd = ForwardMsg()
            fwd.ParseFromString(data)
            kind = fwd.WhichOneof("type")
            if kind == "delta" and fwd.delta.WhichOneof("type") == "new_element":
                el = fwd.delta.new_element
                if el.WhichOneof("type") == "exception":
                    raise RuntimeError("the page raised: " + el.exception.message)
                if first is None and el.WhichOneof("type") == "markdown" and el.markdown.body.startswith("#### 1."):
                    first = time.perf_counter() - t0
            elif kind == "script_finished":
                if statement is None:
                    return time.perf_counter() - t0
                if first is None:
                    raise RuntimeError("the search finished without a result card")
                break
        if barriers:  # every session has its results; the coordinator reads the CPU, then all rerun at once
            await barriers[0].wait()
            await barriers[1].wait()
        for _n in range(reruns):  # what a widget click or a download does: the page again, same search
            await ws.send(msg.SerializeToString())
            while True:
                fwd = ForwardMsg()
                fwd.ParseFromString(await asyncio.wait_for(ws.recv(), SESSION_TIMEOUT))
                if fwd.WhichOneof("type") == "script_finished":
                    break
        return first


class Writer(threading.Thread):
    """A hub user archiving and restoring one practice `n` times during the load, through the app's store."""

    def __init__(self, env: dict, n: int):
        super().__init__(daemon=True)
        self.env, self.n, self.done, self.error = env, n, 0, None

    def run(self) -> None:
        try:
            from matcher.store import Store

            store = Store(self.env.get("DATABASE_URL") or f"sqlite:///{self.env['CPM_DB_PATH']}")
            for i in range(self.n):
                store.set_archived(WRITE_PRACTICE, i % 2 == 0, by="load benchmark")
                self.done += 1
                time.sleep(0.3)
        except Exception as exc:  # reported as lost writes
            self.error = exc


async def run_load(url: str, k: int, search: bool = True, reruns: int = 0, pids: list[int] | None = None):
    """(times to first result, errors, server CPU seconds of the rerun phase)."""
    barriers = (asyncio.Barrier(k + 1), asyncio.Barrier(k + 1)) if reruns else None
    rerun_cpu: list[float] = []

    async def guarded(i: int):
        lang, text = STATEMENTS[i % len(STATEMENTS)]
        try:
            return await asyncio.wait_for(one_session(url, lang, f"{text} ({i})" if search else None, reruns, barriers),
                                          SESSION_TIMEOUT * (1 + reruns))
        except Exception as exc:  # noqa: BLE001 - every failure is counted and shown
            if barriers:
                for b in barriers:
                    b.abort() if not b.broken else None
            return f"{type(exc).__name__}: {exc}"

    async def coordinator():
        if not barriers:
            return
        try:
            await barriers[0].wait()
            start = cpu_seconds(pids or [])
            await barriers[1].wait()
            rerun_cpu.append(start)
        except asyncio.BrokenBarrierError:
            pass

    results = await asyncio.gather(coordinator(), *(guarded(i) for i in range(k)))
    rerun = (cpu_seconds(pids or []) - rerun_cpu[0]) if rerun_cpu else None
    results = results[1:]
    return [r for r in results if isinstance(r, float)], [r for r in results if isinstance(r, str)], rerun


def measure(setup: str, k: int, writes: int, workdir: Path, search: bool = True, reruns: int = 0) -> dict:
    env = dict(os.environ, CPM_DB_PATH=str(workdir / f"{setup}.sqlite"), CPM_MODEL_DIR=str(workdir / "models"),
               STREAMLIT_BROWSER_GATHER_USAGE_STATS="false")
    env.pop("DATABASE_URL", None)
    subprocess.run([sys.executable, "-c", "from matcher.store import Store; Store().load()"], cwd=ROOT, env=env, check=True)
    proc, url, apps = start(setup, env)
    try:
        for a in apps:  # each process loads its model once, as it would before a workshop starts
            asyncio.run(one_session(a, "en", "warm-up: youth unemployment"))
        from matcher.store import Store

        store = Store(f"sqlite:///{env['CPM_DB_PATH']}")
        history_before = len(store.history(WRITE_PRACTICE))
        pids = tree(proc.pid)
        server0, client0 = cpu_seconds(pids), resource.getrusage(resource.RUSAGE_SELF)
        writer = Writer(env, writes)
        writer.start()
        t0 = time.perf_counter()
        times, errors, rerun_cpu = asyncio.run(run_load(url, k, search, reruns, pids))
        wall = time.perf_counter() - t0
        writer.join(60)
        server = cpu_seconds(pids) - server0
        client1 = resource.getrusage(resource.RUSAGE_SELF)
        client = (client1.ru_utime + client1.ru_stime) - (client0.ru_utime + client0.ru_stime)
        written = len(store.history(WRITE_PRACTICE)) - history_before
        lost = writes - written if writer.error is None else writes - writer.done
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
    times.sort()
    return {
        "setup": setup + ("" if search else " (open only)"), "sessions": k, "ok": len(times), "errors": len(errors), "first_error": errors[0] if errors else "",
        "median_s": statistics.median(times) if times else None,
        "p95_s": times[min(len(times) - 1, int(0.95 * len(times)))] if times else None,
        "wall_s": wall, "server_cpu_per_visitor_s": server / k, "client_cpu_per_visitor_s": client / k,
        "writes": writes, "lost_writes": lost,
        "server_cpu_per_rerun_s": (rerun_cpu / (k * reruns)) if rerun_cpu is not None and reruns else None,
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sessions", type=int, default=16)
    ap.add_argument("--setups", default="plain,proxy3", help="comma-separated: plain, proxyN (deploy/run.sh N)")
    ap.add_argument("--writes", type=int, default=10, help="catalog edits by a hub user during the load")
    ap.add_argument("--open-only", action="store_true", help="visitors only open the app (no search): the cost of a new visitor")
    ap.add_argument("--reruns", type=int, default=0, help="after its search, each session runs the page N more times (a widget click)")
    args = ap.parse_args()
    k = max(1, min(args.sessions, MAX_SESSIONS))
    if "proxy" in args.setups and not (shutil.which("nginx") or Path("/usr/sbin/nginx").exists()):
        sys.exit("the proxy setups need nginx (Debian: apt-get install nginx)")
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for setup in [s.strip() for s in args.setups.split(",") if s.strip()]:
            row = measure(setup, k, args.writes, Path(tmp), search=not args.open_only, reruns=max(0, min(args.reruns, 20)))
            rows.append(row)
            print(row, flush=True)
    print("\n| setup | sessions | median to first result | p95 | errors | server CPU / visitor | client CPU / visitor | writes lost |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- |")
    for r in rows:
        fmt = lambda v: f"{v:.2f} s" if isinstance(v, float) else "-"  # noqa: E731
        print(f"| {r['setup']} | {r['sessions']} | {fmt(r['median_s'])} | {fmt(r['p95_s'])} | {r['errors']} | "
              f"{r['server_cpu_per_visitor_s']:.3f} s | {r['client_cpu_per_visitor_s']:.3f} s | {r['lost_writes']} of {r['writes']} |")


if __name__ == "__main__":
    main()
