"""Slow clients, and the example reverse-proxy configuration run by Debian's nginx.

Review finding: 110 connections that each sent a header line every 5 s blocked every request for
as long as they lasted (waitress accepted no more than 100 connections, and bounded only idle
time).
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import time
import urllib.request
from pathlib import Path

import pytest

from tests.conftest import REPO, Server, free_port, start_server, stop_server
from tests.test_server import get

EXAMPLE = REPO / "examples" / "nginx" / "search-app.conf"
NGINX = shutil.which("nginx") or "/usr/sbin/nginx"


@pytest.fixture
def patient_server(tmp_path: Path, corpus_dir: Path):
    running = start_server(corpus_dir, tmp_path / "index", HEADER_SECONDS="2")
    yield running
    stop_server(running)


def _slow_client(server: Server) -> socket.socket:
    sock = socket.create_connection(("127.0.0.1", int(server.url.rsplit(":", 1)[1])))
    sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n")
    return sock


def test_slow_clients_neither_block_others_nor_hold_their_connection(
    patient_server: Server,
) -> None:
    slow = [_slow_client(patient_server) for _ in range(110)]
    try:
        started = time.monotonic()
        status, _headers, _body = get(patient_server.url + "/healthz")
        assert status == 200 and time.monotonic() - started < 1.0
        deadline = time.monotonic() + 8
        closed: set[int] = set()
        while len(closed) < len(slow) and time.monotonic() < deadline:
            for number, sock in enumerate(slow):  # one more header line each, as they do
                if number in closed:
                    continue
                try:
                    sock.sendall(b"X-Slow: 1\r\n")
                    sock.settimeout(0.01)
                    if sock.recv(1) == b"":
                        closed.add(number)
                except (BlockingIOError, TimeoutError):
                    pass
                except OSError:  # reset by the server
                    closed.add(number)
            time.sleep(0.5)
        # each had 2 s (SEARCH_APP_HEADER_SECONDS) to send its headers
        assert len(closed) == len(slow)
        assert time.monotonic() - started > 2
    finally:
        for sock in slow:
            sock.close()


def test_the_example_configuration_passes_nginx_own_check(tmp_path: Path) -> None:
    config = _nginx_config(tmp_path, listen=free_port(), upstream=free_port())
    result = subprocess.run(
        [NGINX, "-t", "-p", str(tmp_path), "-c", str(config)], capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    assert "syntax is ok" in result.stderr and "test is successful" in result.stderr


def test_searches_documents_and_healthz_are_served_through_nginx(
    tmp_path: Path, corpus_dir: Path
) -> None:
    server = start_server(corpus_dir, tmp_path / "index", RATE_LIMIT="0")
    port = free_port()
    config = _nginx_config(tmp_path, listen=port, upstream=int(server.url.rsplit(":", 1)[1]))
    nginx = subprocess.Popen(
        [NGINX, "-p", str(tmp_path), "-c", str(config), "-g", "daemon off;"],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        proxied = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 10
        while True:
            try:
                urllib.request.urlopen(proxied + "/healthz", timeout=2).close()
                break
            except OSError:
                assert time.monotonic() < deadline and nginx.poll() is None, "nginx did not start"
                time.sleep(0.1)
        status, headers, body = get(proxied + "/search?q=commission&page=2")
        assert status == 200 and "page 2 of 3" in body
        assert headers["Content-Security-Policy"].startswith("default-src 'none'")
        assert get(proxied + "/doc/reports/commission?q=families")[0] == 200
        assert get(proxied + "/static/app.js")[0] == 200
        statuses = [get(proxied + "/search?q=graves")[0] for _ in range(30)]
        # nginx's own limit: bursts of 20 (two used above), then two a second
        assert statuses[:15] == [200] * 15 and statuses[-1] == 429
    finally:
        nginx.terminate()
        nginx.wait(timeout=10)
        nginx.stderr.close()
        stop_server(server)


def _nginx_config(folder: Path, listen: int, upstream: int) -> Path:
    """The example, on free ports, inside the least nginx.conf that runs without root."""
    example = EXAMPLE.read_text(encoding="utf-8")
    example = example.replace("listen 80;", f"listen 127.0.0.1:{listen};")
    example = example.replace("server 127.0.0.1:8000;", f"server 127.0.0.1:{upstream};")
    (folder / "logs").mkdir(exist_ok=True)
    temp = {name: folder / name for name in ("body", "proxy")}
    for path in temp.values():
        path.mkdir(exist_ok=True)
    config = folder / "nginx.conf"
    config.write_text(
        f"""pid {folder}/nginx.pid;
error_log {folder}/logs/error.log;
events {{ worker_connections 256; }}
http {{
    access_log off;
    client_body_temp_path {temp["body"]};
    proxy_temp_path {temp["proxy"]};
{example}
}}
""",
        encoding="utf-8",
    )
    return config
