"""`make bench`'s load running: gunicorn with the bench's settings on a loopback port, and wrk.

`load_test(pages, args, workers, env)` installs wrk when it is missing (the Debian package),
starts gunicorn (its log in bench/results/gunicorn.log),
checks that every URL answers 200 to its session cookie, then runs wrk (with a Lua script that
takes turns over the URLs and their cookies) in rounds, the pages taking turns, and returns each
page's median requests/s, p50 and p99. Nothing here needs django.setup(): bench/run.py passes in
the pages and the environment gunicorn runs with.
"""

import json
import os
import shutil
import signal
import socket
import statistics
import subprocess
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
HOST = "127.0.0.1"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


def start_gunicorn(port: int, workers: int, env: dict[str, str]) -> subprocess.Popen:
    command = [
        str(ROOT / ".venv" / "bin" / "gunicorn"),
        "config.wsgi:application",
        f"--bind={HOST}:{port}",
        f"--workers={workers}",
        "--worker-class=sync",
        "--log-level=warning",
        "--timeout=120",
    ]
    log = open(RESULTS / "gunicorn.log", "w")  # noqa: SIM115 - closed with the process
    process = subprocess.Popen(  # noqa: S603 - our own command line
        command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"gunicorn exited with {process.returncode}; see {log.name}")
        try:
            with urllib.request.urlopen(f"http://{HOST}:{port}/healthz", timeout=2) as answer:  # noqa: S310
                if answer.status == 200:
                    return process
        except OSError:
            time.sleep(0.3)
    stop(process)
    raise SystemExit("gunicorn did not answer /healthz within 60 s")


def stop(process: subprocess.Popen) -> None:
    """Stop gunicorn by its own pid (the master stops its workers)."""
    if process.poll() is None:
        os.kill(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.kill(process.pid, signal.SIGKILL)
            process.wait()


def check_through_gunicorn(port: int, pages) -> None:
    """Every URL wrk will ask for answers 200 to its cookie (not a redirect to sign in)."""

    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args, **kwargs):
            return None

    opener = urllib.request.build_opener(NoRedirect)
    for name, entries in pages.items():
        for path, header in entries:
            request = urllib.request.Request(f"http://{HOST}:{port}{path}", headers=headers(header))
            try:
                with opener.open(request, timeout=60) as answer:
                    status = answer.status
            except urllib.error.HTTPError as error:
                status = error.code
            if status != 200:
                raise SystemExit(f"{name}: {path} answered {status} through gunicorn")


def headers(header: str) -> dict[str, str]:
    """A page's session cookie, or the FHIR figure's bearer token."""
    return {"Authorization": header} if header.startswith("Bearer ") else {"Cookie": header}


LUA = """
local entries = {%(entries)s}
local counter = 0
request = function()
  counter = counter + 1
  local entry = entries[(counter %% #entries) + 1]
  return wrk.format("GET", entry[1], {[entry[2]] = entry[3], ["Host"] = "%(host)s"})
end
done = function(summary, latency, requests)
  io.write(string.format(
    'WRKJSON {"requests": %%d, "seconds": %%f, "p50_us": %%d, "p99_us": %%d, "errors": %%d}\\n',
    summary.requests, summary.duration / 1e6, latency:percentile(50), latency:percentile(99),
    summary.errors.status + summary.errors.connect + summary.errors.read
      + summary.errors.write + summary.errors.timeout))
end
"""


def wrk_script(entries: list[tuple[str, str]], directory: Path) -> Path:
    rows = []
    for path, header in entries:
        ((name, value),) = headers(header).items()
        rows.append(f'{{"{path}", "{name}", "{value}"}}')
    body = ", ".join(rows)
    script = directory / f"wrk-{abs(hash(body))}.lua"
    script.write_text(LUA % {"entries": body, "host": HOST})
    return script


def wrk(port: int, script: Path, seconds: float, connections: int) -> dict:
    command = [
        "wrk",
        "--threads=1",
        f"--connections={connections}",
        f"--duration={max(1, round(seconds))}s",
        "--timeout=30s",
        f"--script={script}",
        f"http://{HOST}:{port}/",
    ]
    done = subprocess.run(command, capture_output=True, text=True, check=True)  # noqa: S603
    output = done.stdout
    line = next(line for line in output.splitlines() if line.startswith("WRKJSON "))
    result = json.loads(line.removeprefix("WRKJSON "))
    if result["errors"]:
        raise SystemExit(f"wrk saw {result['errors']} errors:\n{output}")
    return result


def ensure_wrk() -> None:
    if shutil.which("wrk"):
        return
    print("wrk is missing: installing the Debian package", flush=True)
    sudo = [] if os.geteuid() == 0 else ["sudo"]
    subprocess.run([*sudo, "apt-get", "install", "-y", "-q", "wrk"], check=True)  # noqa: S603


def load_test(pages, args, workers: int, env: dict[str, str]) -> dict[str, dict]:
    """Rounds of wrk runs, the pages taking turns, so a busy machine slows them alike."""
    ensure_wrk()
    port = free_port()
    process = start_gunicorn(port, workers, env)
    try:
        check_through_gunicorn(port, pages)
        runs: dict[str, list[dict]] = {name: [] for name in pages}
        with tempfile.TemporaryDirectory() as directory:
            scripts = {name: wrk_script(e, Path(directory)) for name, e in pages.items()}
            for name in pages:  # warm-up: caches, connections, compiled templates
                wrk(port, scripts[name], 1, workers)
            for _round in range(args.rounds):
                for name in pages:
                    runs[name].append(wrk(port, scripts[name], args.seconds, workers))
    finally:
        stop(process)
    return {
        name: {
            "rps": statistics.median(r["requests"] / r["seconds"] for r in results),
            "p50_ms": statistics.median(r["p50_us"] for r in results) / 1000,
            "p99_ms": statistics.median(r["p99_us"] for r in results) / 1000,
            "requests": sum(r["requests"] for r in results),
        }
        for name, results in runs.items()
    }
