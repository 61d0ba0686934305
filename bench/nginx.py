"""Serve a directory with nginx on 127.0.0.1: install the Debian package if missing, start it
in the foreground on a free port with a generated config, count requests from its access log."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Self

CONFIG = """\
{user}worker_processes 1;
daemon off;
pid {run}/nginx.pid;
error_log {run}/error.log warn;
events {{ worker_connections 1024; }}
http {{
    include {mime_types};
    default_type application/octet-stream;
    log_format bench '$msec $status $sent_http_content_type $request_uri';
    access_log {run}/access.log bench;
    client_body_temp_path {run}/body;
    proxy_temp_path {run}/proxy;
    fastcgi_temp_path {run}/fastcgi;
    uwsgi_temp_path {run}/uwsgi;
    scgi_temp_path {run}/scgi;
    sendfile on;
    tcp_nopush on;
    keepalive_timeout 65;
    keepalive_requests 10000;
    gzip on;
    gzip_types text/html text/css text/plain application/javascript application/xml;
    gzip_min_length 256;
    server {{
        listen 127.0.0.1:{port};
        server_name localhost;
        root {root};
        index index.html;
    }}
}}
"""


class NginxError(RuntimeError):
    """nginx could not be installed or started."""


def ensure_installed() -> str:
    """The nginx binary, installed with apt-get from Debian when it is missing."""
    found = shutil.which("nginx") or next(
        (p for p in ("/usr/sbin/nginx", "/usr/local/sbin/nginx") if os.path.exists(p)), None
    )
    if found:
        return found
    apt_install("nginx")
    found = shutil.which("nginx") or "/usr/sbin/nginx"
    if not os.path.exists(found):
        raise NginxError("apt-get installed nginx but there is no nginx binary")
    return found


def apt_install(package: str) -> None:
    """Install one Debian package (needs root); raises NginxError when it fails."""
    if os.geteuid() != 0:
        raise NginxError(f"{package} is missing: install it (apt-get install {package})")
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    for argv in (["apt-get", "update", "-qq"], ["apt-get", "install", "-y", "-qq", package]):
        done = subprocess.run(argv, env=env, capture_output=True, text=True, check=False)
        if done.returncode != 0:
            raise NginxError(f"{' '.join(argv)} failed: {done.stderr.strip()[-500:]}")


def free_port() -> int:
    """A TCP port on 127.0.0.1 nobody listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class RequestCounts:
    """What nginx answered in a stretch of its access log."""

    pages: int  # 200 responses with an HTML body
    responses: int  # every request answered
    first: float  # time of the first and last request (epoch seconds)
    last: float

    @property
    def span(self) -> float:
        return max(self.last - self.first, 1e-9)


class Nginx:
    """A foreground nginx serving ``root``; use as a context manager."""

    def __init__(self, root: Path, run_dir: Path, port: int | None = None) -> None:
        self.root = root.resolve()
        self.run_dir = run_dir.resolve()
        self.port = port or free_port()
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/"

    @property
    def access_log(self) -> Path:
        return self.run_dir / "access.log"

    def _config(self, binary: str) -> Path:
        mime = next(
            (
                p
                for p in ("/etc/nginx/mime.types", "/usr/local/nginx/conf/mime.types")
                if os.path.exists(p)
            ),
            None,
        )
        if mime is None:
            raise NginxError("no mime.types next to nginx")
        user = "user root root;\n" if os.geteuid() == 0 else ""
        path = self.run_dir / "nginx.conf"
        path.write_text(
            CONFIG.format(
                user=user, run=self.run_dir, mime_types=mime, port=self.port, root=self.root
            )
        )
        return path

    def start(self) -> None:
        """Start nginx and wait until it accepts connections."""
        binary = ensure_installed()
        self.run_dir.mkdir(parents=True, exist_ok=True)
        self.access_log.write_bytes(b"")
        config = self._config(binary)
        self.process = subprocess.Popen(
            [
                binary,
                "-c",
                str(config),
                "-p",
                str(self.run_dir),
                "-e",
                str(self.run_dir / "error.log"),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                err = (
                    self.process.stderr.read().decode(errors="replace")
                    if self.process.stderr
                    else ""
                )
                raise NginxError(f"nginx exited at start: {err.strip()[-500:]}")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.2):
                    return
            except OSError:
                time.sleep(0.05)
        self.stop()
        raise NginxError(f"nginx did not listen on port {self.port}")

    def stop(self) -> None:
        """Stop nginx (SIGTERM) and wait for it."""
        if self.process is None or self.process.poll() is not None:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()

    def log_offset(self) -> int:
        """Where the access log ends now: pass it to `counts_since` after a run."""
        return self.access_log.stat().st_size

    def counts_since(self, offset: int) -> RequestCounts:
        """Count the requests logged after ``offset``."""
        with open(self.access_log, "rb") as log:
            log.seek(offset)
            lines = log.read().splitlines()
        pages = responses = 0
        first = last = 0.0
        for line in lines:
            parts = line.split(b" ", 3)
            if len(parts) < 4:
                continue
            stamp = float(parts[0])
            first = stamp if not responses else min(first, stamp)
            last = max(last, stamp)
            responses += 1
            if parts[1] == b"200" and parts[2].startswith(b"text/html"):
                pages += 1
        return RequestCounts(pages=pages, responses=responses, first=first, last=last)

    def __enter__(self) -> Self:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()
