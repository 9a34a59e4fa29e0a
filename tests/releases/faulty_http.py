"""A small HTTP server over a repository folder that misbehaves on request (for reader tests).

Faults per path: "403", "404", "500", "drop" (closes the connection mid-body), "stale304" (answers
304 Not Modified whatever changed, like a broken proxy), "endless" (streams without end, bounded
so the test stops by itself), "huge-length" (claims 10 GB), or bytes to serve instead (a stale
proxy copy), or "gzip" / "deflate" (the file compressed, with that Content-Encoding, although
the reader asked for identity). ETags are strong (sha256 of the body).
"""

from __future__ import annotations

import gzip
import hashlib
import socket
import threading
import zlib
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path


class FaultyServer:
    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.faults: dict[str, object] = {}
        self.requests: Counter[str] = Counter()
        self.not_modified = 0
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def setup(self):
                super().setup()  # no Nagle delay between headers and body
                self.request.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

            def do_GET(self):
                path = self.path.lstrip("/")
                server.requests[path] += 1
                fault = server.faults.get(path)
                if fault in ("403", "404", "500"):
                    self._send(int(fault), b"error")
                    return
                if fault == "huge-length":
                    self.send_response(200)
                    self.send_header("Content-Length", str(10 * 1024 ** 3))
                    self.end_headers()
                    self.wfile.write(b"x" * 1024)
                    self.close_connection = True
                    return
                if fault == "endless":
                    self.send_response(200)
                    self.send_header("Connection", "close")
                    self.end_headers()
                    try:
                        for _ in range(2048):  # 64 MB at most: bounded
                            self.wfile.write(b"x" * 32768)
                    except OSError:
                        pass
                    self.close_connection = True
                    return
                if fault == "stale304" and self.headers.get("If-None-Match"):
                    server.not_modified += 1
                    self.send_response(304)
                    self.send_header("ETag", self.headers["If-None-Match"])
                    self.end_headers()
                    return
                if isinstance(fault, bytes):
                    body = fault
                else:
                    try:
                        body = (server.folder / path).read_bytes()
                    except OSError:
                        self._send(404, b"not found")
                        return
                etag = '"' + hashlib.sha256(body).hexdigest()[:32] + '"'
                if self.headers.get("If-None-Match") == etag:
                    server.not_modified += 1
                    self.send_response(304)
                    self.send_header("ETag", etag)
                    self.end_headers()
                    return
                if fault in ("gzip", "deflate"):
                    packed = gzip.compress(body) if fault == "gzip" else zlib.compress(body)
                    self._send(200, packed, etag, {"Content-Encoding": fault})
                    return
                if fault == "drop":
                    self.send_response(200)
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body[: len(body) // 2])
                    self.wfile.flush()
                    self.close_connection = True
                    return
                self._send(200, body, etag)

            def _send(self, status, body, etag=None, headers=None):
                self.send_response(status)
                self.send_header("Content-Length", str(len(body)))
                if etag:
                    self.send_header("ETag", etag)
                for name, value in (headers or {}).items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(body)

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/"
        self.thread = threading.Thread(target=self.httpd.serve_forever, args=(0.05,), daemon=True)

    def __enter__(self) -> "FaultyServer":
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join(timeout=5)
