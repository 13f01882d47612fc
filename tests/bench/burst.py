"""A burst of clients connecting at once, as a load balancer's health checks or many agents
starting together do: N clients each open a connection at the same moment and make M tool calls
over it (stateless MCP, keep-alive). Reports requests/s, p50 and p99 of the calls, the first
call (which includes the connect) among them. With the default listen backlog of 128, 200
clients overflowed it and waited about one second for a SYN retransmit.

Usage: python3 tests/bench/burst.py URL [CLIENTS] [CALLS]   (URL: http://127.0.0.1:8080/mcp of a
`caspio-mcp serve --stateless` server). Prints one line.
"""
import asyncio
import json
import statistics
import sys
import time
from urllib.parse import urlparse


async def client(host: str, port: int, path: str, calls: int, start: asyncio.Event, times: list) -> None:
    await start.wait()
    began = time.perf_counter()
    reader, writer = await asyncio.open_connection(host, port)
    for i in range(calls):
        body = json.dumps({"jsonrpc": "2.0", "id": i + 1, "method": "tools/call",
                           "params": {"name": "list_all_caspio_tables", "arguments": {}}}).encode()
        head = (f"POST {path} HTTP/1.1\r\nHost: {host}:{port}\r\nContent-Type: application/json\r\n"
                f"Accept: application/json, text/event-stream\r\nMCP-Protocol-Version: 2025-11-25\r\n"
                f"Content-Length: {len(body)}\r\n\r\n").encode()
        if i > 0:
            began = time.perf_counter()
        writer.write(head + body)
        await writer.drain()
        status = await reader.readline()
        length, chunked = 0, False
        while True:
            line = await reader.readline()
            if line in (b"\r\n", b""):
                break
            name, _, value = line.decode().partition(":")
            if name.lower() == "content-length":
                length = int(value)
            if name.lower() == "transfer-encoding" and "chunked" in value:
                chunked = True
        if chunked:
            while True:
                size = int((await reader.readline()).strip(), 16)
                await reader.readexactly(size + 2)
                if size == 0:
                    break
        else:
            await reader.readexactly(length)
        if b" 200 " not in status:
            raise SystemExit(f"HTTP answer {status!r}")
        times.append((time.perf_counter() - began) * 1000)
    writer.close()


async def main() -> None:
    url = urlparse(sys.argv[1])
    clients = int(sys.argv[2]) if len(sys.argv) > 2 else 200
    calls = int(sys.argv[3]) if len(sys.argv) > 3 else 20
    start, times = asyncio.Event(), []
    tasks = [asyncio.create_task(client(url.hostname, url.port, url.path, calls, start, times))
             for _ in range(clients)]
    await asyncio.sleep(0.2)
    t0 = time.perf_counter()
    start.set()
    await asyncio.gather(*tasks)
    elapsed = time.perf_counter() - t0
    times.sort()
    p99 = times[min(len(times) - 1, int(len(times) * 0.99))]
    print(f"burst of {clients} clients x {calls} calls: {len(times) / elapsed:.0f} requests/s, "
          f"p50 {statistics.median(times):.2f} ms, p99 {p99:.2f} ms, max {times[-1]:.2f} ms")


if __name__ == "__main__":
    asyncio.run(main())
