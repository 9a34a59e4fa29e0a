"""A real nginx on loopback for tests: WebDAV PUT/DELETE, ETags, a temporary root.

    from tests.support.nginx import nginx_server   # a pytest fixture factory, see below

    def test_publish(nginx):            # `nginx` fixture: an Nginx serving tmp_path/"www"
        url = nginx.url                 # http://127.0.0.1:<port>/
        logs = nginx.url + "logs/"      # a log sink: PUT, and a JSON index to pull from

nginx runs as our own child (`-p PREFIX -c CONF -g 'daemon off;'`) on a free port of 127.0.0.1,
with its prefix, logs and temp folders in a temporary directory; the system service is never
touched. Tests that need it are skipped, with the reason, only when nginx is not installed.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

CANDIDATES = ("nginx", "/usr/sbin/nginx", "/usr/local/sbin/nginx", "/usr/local/nginx/sbin/nginx")
START_TIMEOUT = 10.0

CONF = """\
worker_processes 1;
{user}
error_log {prefix}/error.log warn;
pid {prefix}/nginx.pid;
events {{ worker_connections 128; }}
http {{
    access_log {prefix}/access.log;
    client_body_temp_path {prefix}/tmp/body;
    proxy_temp_path {prefix}/tmp/proxy;
    fastcgi_temp_path {prefix}/tmp/fastcgi;
    uwsgi_temp_path {prefix}/tmp/uwsgi;
    scgi_temp_path {prefix}/tmp/scgi;
    types {{ application/json json; }}
    default_type application/octet-stream;
    sendfile off;
    etag on;
    server {{
        listen 127.0.0.1:{port};
        server_name localhost;
        root {root};
        client_max_body_size 64m;
        location / {{
            dav_methods PUT DELETE;
            create_full_put_path on;
            dav_access user:rw group:rw all:r;
        }}
        # Log sinks (promptpress_reader's log_to=URL): PUT of finished segments, and a JSON
        # directory index for `promptpress logs pull`. ^~ keeps the regexes below out of it.
        location ^~ /logs/ {{
            dav_methods PUT;
            create_full_put_path on;
            dav_access user:rw group:rw all:r;
            autoindex on;
            autoindex_format json;
        }}
        location ~ /channels/[^/]+$ {{
            dav_methods PUT DELETE;
            create_full_put_path on;
            add_header Cache-Control "no-cache";
        }}
        location ~ /blobs/sha256/[^/]+$ {{
            dav_methods PUT DELETE;
            create_full_put_path on;
            add_header Cache-Control "public, max-age=31536000, immutable";
        }}
    }}
}}
"""


def nginx_binary() -> str | None:
    for candidate in CANDIDATES:
        found = shutil.which(candidate)
        if found:
            return found
    return None


@dataclass
class Nginx:
    root: Path
    prefix: Path
    port: int
    process: subprocess.Popen[bytes]

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/"

    def error_log(self) -> str:
        with contextlib.suppress(OSError):
            return (self.prefix / "error.log").read_text(errors="replace")
        return ""

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)  # fast shutdown: master stops its workers
            try:
                self.process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=5)


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_ready(server: Nginx) -> bool:
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            return False
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", server.port),
                                                                     timeout=0.2):
            return True
        time.sleep(0.02)
    return False


@contextlib.contextmanager
def run_nginx(root: Path, prefix: Path) -> Iterator[Nginx]:
    """Start nginx serving `root` (created if needed); stop it when the block ends."""
    binary = nginx_binary()
    if binary is None:
        pytest.skip("nginx is not installed (apt-get install nginx) - HTTP publishing tests need it")
    root.mkdir(parents=True, exist_ok=True)
    (prefix / "tmp").mkdir(parents=True, exist_ok=True)
    user = "user root;" if hasattr(os, "geteuid") and os.geteuid() == 0 else ""
    last_error = ""
    for _attempt in range(5):  # a free port can be taken between choosing and binding it
        port = _free_port()
        conf = prefix / "nginx.conf"
        conf.write_text(CONF.format(user=user, prefix=prefix, port=port, root=root))
        process = subprocess.Popen(
            [binary, "-p", str(prefix), "-e", str(prefix / "error.log"), "-c", str(conf),
             "-g", "daemon off;"],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
            start_new_session=True,
        )
        server = Nginx(root, prefix, port, process)
        if _wait_ready(server):
            try:
                yield server
            finally:
                server.stop()
                if process.stderr:
                    process.stderr.close()
            return
        server.stop()
        stderr = process.stderr.read().decode(errors="replace") if process.stderr else ""
        if process.stderr:
            process.stderr.close()
        last_error = stderr + server.error_log()
        if "Address already in use" not in last_error:
            break
    raise RuntimeError(f"nginx did not start:\n{last_error}")


@pytest.fixture
def nginx(tmp_path: Path) -> Iterator[Nginx]:
    """A fresh nginx for one test, serving tmp_path/'www'."""
    with run_nginx(tmp_path / "www", tmp_path / "nginx") as server:
        yield server


@pytest.fixture(scope="module")
def nginx_module(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Nginx]:
    """One nginx for a whole test module (tests use separate sub-folders of its root)."""
    base = tmp_path_factory.mktemp("nginx")
    with run_nginx(base / "www", base / "nginx") as server:
        yield server


def main() -> None:
    """`python -m tests.support.nginx ROOT_DIR PREFIX_DIR`: serve until interrupted (for .ci/run)."""
    import sys

    root, prefix = Path(sys.argv[1]), Path(sys.argv[2])
    with run_nginx(root, prefix) as server:
        print(server.url, flush=True)
        try:
            server.process.wait()
        except KeyboardInterrupt:
            pass


if __name__ == "__main__":
    main()
