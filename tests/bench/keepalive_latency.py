"""Per-request latency of a keep-alive HTTP/1.1 client in one MCP session, as the TypeScript SDK
and load tools run it: one connection, unique JSON-RPC ids, the event-stream answer read whole.
It is the benchmark that shows the delayed-ACK stall (about 40 ms a request) when accepted
sockets lack TCP_NODELAY; a client that opens a connection per request hides it.

Usage: python3 tests/bench/keepalive_latency.py URL [REQUESTS]   (URL: http://127.0.0.1:8080/mcp)
Prints the median and p99 of ping and tools/call (list_all_caspio_tables) in milliseconds.
"""
import http.client
import json
import statistics
import sys
import time
from urllib.parse import urlparse


def main() -> None:
    url = urlparse(sys.argv[1])
    count = int(sys.argv[2]) if len(sys.argv) > 2 else 200
    conn = http.client.HTTPConnection(url.hostname, url.port, timeout=30)
    headers = {
        "content-type": "application/json",
        "accept": "application/json, text/event-stream",
    }
    ids = iter(range(1, 1_000_000))

    def post(message: dict, extra: dict | None = None) -> tuple[float, http.client.HTTPResponse, bytes]:
        started = time.perf_counter()
        conn.request("POST", url.path, json.dumps(message), {**headers, **(extra or {})})
        response = conn.getresponse()
        body = response.read()
        return (time.perf_counter() - started) * 1000, response, body

    init = {"jsonrpc": "2.0", "id": next(ids), "method": "initialize",
            "params": {"protocolVersion": "2025-11-25", "capabilities": {},
                       "clientInfo": {"name": "keepalive-bench", "version": "1"}}}
    _, response, _ = post(init)
    session = {"mcp-session-id": response.getheader("mcp-session-id") or "",
               "mcp-protocol-version": "2025-11-25"}
    post({"jsonrpc": "2.0", "method": "notifications/initialized"}, session)
    for name, message in [
        ("ping", lambda: {"jsonrpc": "2.0", "id": next(ids), "method": "ping"}),
        ("tools/call", lambda: {"jsonrpc": "2.0", "id": next(ids), "method": "tools/call",
                                "params": {"name": "list_all_caspio_tables", "arguments": {}}}),
    ]:
        times = []
        for _ in range(count):
            elapsed, response, body = post(message(), session)
            if response.status != 200 or b'"result"' not in body:
                raise SystemExit(f"{name}: HTTP {response.status}: {body[:200]!r}")
            times.append(elapsed)
        times.sort()
        p99 = times[min(len(times) - 1, int(len(times) * 0.99))]
        print(f"{name:10} keep-alive, one session: median {statistics.median(times):.2f} ms, "
              f"p99 {p99:.2f} ms ({count} requests)")


if __name__ == "__main__":
    main()
