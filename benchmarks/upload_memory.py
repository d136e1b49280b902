"""Memory of the portal while it receives and sends files of growing size.

Starts the portal in a child process on 127.0.0.1 (a throwaway SQLite database and storage
folder), signs in as a member of a group, then for each size uploads a file of that size
through the real upload form, downloads it back, and reads the server process's peak
resident memory (VmHWM, reset before each transfer) from /proc. Neither side ever holds a
whole file: the client sends and receives in chunks, and the point is to show that the
server's peak stays flat whatever the size.

    .venv/bin/python benchmarks/upload_memory.py                 # 1, 16, 64 and 192 MB
    .venv/bin/python benchmarks/upload_memory.py --sizes 1,100,500

It exits 1 if the peak grew by more than --max-growth MB between the smallest and the
largest file. Linux only (it reads /proc). It talks to nothing but 127.0.0.1, and stops the
server it started when it ends, whatever happens.
"""

from __future__ import annotations

import argparse
import hashlib
import http.client
import json
import os
import re
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
from http.cookies import SimpleCookie
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
HOST = "127.0.0.1"
EMAIL = "bench@example.org"
PASSWORD = "a benchmark password"  # noqa: S105 - a throwaway account in a throwaway database
CHUNK = 1024 * 1024
MB = 1024 * 1024
TIMEOUT = 300


# The server (child process) ------------------------------------------------------------------


def serve(workdir: Path, max_size: int) -> None:
    """Run the portal on a free port of 127.0.0.1; print the port; serve until killed."""
    sys.path.insert(0, str(ROOT))
    import logging

    from werkzeug.serving import make_server

    from app import create_app
    from app.auth.services import create_user
    from app.extensions import db
    from app.groups.models import GroupRole, Membership, WorkingGroup

    app = create_app(
        "testing",
        SQLALCHEMY_DATABASE_URI=f"sqlite:///{workdir / 'bench.sqlite3'}",
        STORAGE_PATH=str(workdir / "storage"),
        MAX_CONTENT_LENGTH=max_size,
        ARGON2_TIME_COST=1,
    )
    with app.app_context():
        db.create_all()
        user = create_user(EMAIL, PASSWORD, name="Benchmark")
        group = WorkingGroup(code="WGB", slug="bench", name_en="Benchmark group")
        db.session.add_all([group, Membership(user=user, group=group, role=GroupRole.MEMBER)])
        db.session.commit()
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    server = make_server(HOST, 0, app, threaded=True)
    print(server.server_port, flush=True)
    server.serve_forever()


# Reading the server's memory -----------------------------------------------------------------


def memory_kb(pid: int, field: str) -> int:
    """Return VmHWM (peak) or VmRSS (now) of a process, in KB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise RuntimeError(f"no {field} for process {pid}")


def reset_peak(pid: int) -> bool:
    """Reset the process's peak memory to its current size (Linux 4.0+); False if refused."""
    try:
        Path(f"/proc/{pid}/clear_refs").write_text("5")
    except OSError:
        return False
    return True


# The client ----------------------------------------------------------------------------------


class Client:
    """A minimal HTTP client for 127.0.0.1 that keeps the session cookie."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.cookies: dict[str, str] = {}

    def connection(self) -> http.client.HTTPConnection:
        return http.client.HTTPConnection(HOST, self.port, timeout=TIMEOUT)

    def _headers(self, extra: dict[str, str] | None = None) -> dict[str, str]:
        headers = dict(extra or {})
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        return headers

    def _remember(self, response: http.client.HTTPResponse) -> None:
        for value in response.headers.get_all("Set-Cookie") or []:
            cookie = SimpleCookie()
            cookie.load(value)
            for name, morsel in cookie.items():
                self.cookies[name] = morsel.value

    def get_text(self, path: str) -> str:
        conn = self.connection()
        conn.request("GET", path, headers=self._headers())
        response = conn.getresponse()
        self._remember(response)
        text = response.read().decode()
        conn.close()
        return text

    def post_form(self, path: str, fields: dict[str, str]) -> int:
        from urllib.parse import urlencode

        conn = self.connection()
        body = urlencode(fields)
        headers = self._headers({"Content-Type": "application/x-www-form-urlencoded"})
        conn.request("POST", path, body=body, headers=headers)
        response = conn.getresponse()
        self._remember(response)
        response.read()
        conn.close()
        return response.status

    def csrf(self, path: str) -> str:
        match = re.search(r'name="csrf_token"[^>]*?value="([^"]+)"', self.get_text(path))
        if not match:
            raise RuntimeError(f"no CSRF token on {path}")
        return match.group(1)

    def upload(self, path: str, size: int) -> tuple[int, str]:
        """Stream a text file of `size` bytes through the upload form; return (status, sha256)."""
        token = self.csrf(path)
        boundary = "----portal-benchmark-boundary"
        head = b""
        for name, value in {"csrf_token": token, "visibility": "group", "folder": ""}.items():
            head += (
                f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'
            ).encode()
        head += (
            f'--{boundary}\r\nContent-Disposition: form-data; name="files"; '
            f'filename="benchmark {size // MB} MB.txt"\r\nContent-Type: text/plain\r\n\r\n'
        ).encode()
        tail = f"\r\n--{boundary}--\r\n".encode()
        line = b"IC2PerMed benchmark line: memory must stay flat whatever the size.\n"
        block = (line * (CHUNK // len(line) + 1))[:CHUNK]
        digest = hashlib.sha256()
        conn = self.connection()
        conn.putrequest("POST", path)
        for key, value in self._headers(
            {
                "Content-Type": f"multipart/form-data; boundary={boundary}",
                "Content-Length": str(len(head) + size + len(tail)),
                "X-Requested-With": "XMLHttpRequest",
            }
        ).items():
            conn.putheader(key, value)
        conn.endheaders()
        conn.send(head)
        left = size
        while left > 0:
            piece = block[: min(CHUNK, left)]
            digest.update(piece)
            conn.send(piece)
            left -= len(piece)
        conn.send(tail)
        response = conn.getresponse()
        self._remember(response)
        answer = response.read()
        conn.close()
        if response.status != 200 or not json.loads(answer).get("ok"):
            raise RuntimeError(f"upload of {size} bytes answered {response.status}: {answer[:300]}")
        return response.status, digest.hexdigest()

    def download(self, path: str) -> tuple[int, str]:
        """Read a download in chunks; return (bytes read, sha256)."""
        conn = self.connection()
        conn.request("GET", path, headers=self._headers())
        response = conn.getresponse()
        if response.status != 200:
            raise RuntimeError(f"download answered {response.status}")
        digest = hashlib.sha256()
        total = 0
        while chunk := response.read(CHUNK):
            digest.update(chunk)
            total += len(chunk)
        conn.close()
        return total, digest.hexdigest()


def latest_version(database: Path) -> tuple[int, int]:
    """Return (document id, version id) of the newest upload, read from the database file."""
    with sqlite3.connect(f"file:{database}?mode=ro", uri=True) as conn:
        row = conn.execute(
            "SELECT document_id, id FROM document_versions ORDER BY id DESC LIMIT 1"
        ).fetchone()
    return row[0], row[1]


# The run -------------------------------------------------------------------------------------


def start_server(workdir: Path, max_size: int) -> tuple[subprocess.Popen, int]:
    command = [
        sys.executable,
        str(Path(__file__).resolve()),
        "--serve",
        str(workdir),
        "--max-size",
        str(max_size),
    ]
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    process = subprocess.Popen(  # noqa: S603 - our own script, fixed arguments
        command, stdout=subprocess.PIPE, text=True, env=env, cwd=ROOT
    )
    line = process.stdout.readline() if process.stdout else ""
    if not line.strip().isdigit():
        process.kill()
        raise RuntimeError("the portal did not start")
    return process, int(line)


def stop_server(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


def run(sizes_mb: list[int], max_growth_mb: float) -> int:
    if not Path("/proc/self/status").exists():
        print("This benchmark reads /proc and runs on Linux only.")
        return 2
    largest = max(sizes_mb) * MB
    with tempfile.TemporaryDirectory(prefix="portal-bench-") as folder:
        workdir = Path(folder)
        process, port = start_server(workdir, largest + MB)
        try:
            client = Client(port)
            token = client.csrf("/login")
            status = client.post_form(
                "/login", {"email": EMAIL, "password": PASSWORD, "csrf_token": token}
            )
            if status != 302:
                raise RuntimeError(f"sign-in answered {status}")
            idle = memory_kb(process.pid, "VmRSS")
            resettable = reset_peak(process.pid)
            print(
                f"server pid {process.pid} on {HOST}:{port}; resident at rest {idle / 1024:.1f} MB"
            )
            if not resettable:
                print("(peak cannot be reset here: the peak column is the peak so far)")
            print(
                f"{'file':>10} {'upload s':>9} {'peak up MB':>11} {'download s':>11} "
                f"{'peak down MB':>13} {'checksum':>9}"
            )
            peaks = []
            for size_mb in sizes_mb:
                size = size_mb * MB
                reset_peak(process.pid)
                started = time.monotonic()
                _status, sent_sha = client.upload("/groups/bench/documents/upload", size)
                upload_seconds = time.monotonic() - started
                peak_up = memory_kb(process.pid, "VmHWM") / 1024
                document_id, version_id = latest_version(workdir / "bench.sqlite3")
                reset_peak(process.pid)
                started = time.monotonic()
                received, received_sha = client.download(
                    f"/groups/bench/documents/{document_id}/versions/{version_id}/download"
                )
                download_seconds = time.monotonic() - started
                peak_down = memory_kb(process.pid, "VmHWM") / 1024
                same = received == size and received_sha == sent_sha
                peaks.append(max(peak_up, peak_down))
                print(
                    f"{size_mb:>7} MB {upload_seconds:>9.2f} {peak_up:>11.1f} "
                    f"{download_seconds:>11.2f} {peak_down:>13.1f} {'ok' if same else 'WRONG':>9}"
                )
                if not same:
                    print("the file downloaded is not the file uploaded")
                    return 1
            growth = peaks[-1] - peaks[0]
            print(f"peak growth from {sizes_mb[0]} MB to {sizes_mb[-1]} MB files: {growth:+.1f} MB")
            if growth > max_growth_mb:
                print(f"FLAT? no: more than {max_growth_mb} MB of growth")
                return 1
            print("FLAT? yes: the server's memory does not follow the file size")
            return 0
        finally:
            stop_server(process)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="1,16,64,192", help="file sizes in MB, e.g. 1,16,64")
    parser.add_argument("--max-growth", type=float, default=48.0, help="allowed growth in MB")
    parser.add_argument("--serve", metavar="WORKDIR", help=argparse.SUPPRESS)
    parser.add_argument("--max-size", type=int, default=0, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        serve(Path(args.serve), args.max_size)
        return 0
    sizes = sorted({int(s) for s in args.sizes.split(",") if s.strip()})
    if not sizes or sizes[0] <= 0:
        parser.error("give positive sizes in MB")
    return run(sizes, args.max_growth)


if __name__ == "__main__":
    sys.exit(main())
