"""The side-by-side benchmark (issue 14): one sandbox, and in front of it caspio-mcp (sessions,
stateless, legacy SSE), FastMCP's `from_openapi` over the same document, and the direct REST call,
driven by the Rust load client (`server/examples/load.rs`: keep-alive connections, a session per
user, unique ids) at concurrency 1, 8 and 64; then the per-call latency the official Python and
TypeScript SDKs see, memory, and cold start. Prints Markdown tables with ratios from this one run.

Run it through `bash tests/bench/side_by_side.sh [REQUESTS] [--write]`, which builds and installs
what it needs; `--write` puts the tables into BENCHMARKS.md between its side-by-side markers.
"""
import asyncio
import json
import os
import re
import socket
import statistics
import subprocess
import sys
import time
import urllib.request

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
BIN = os.path.join(ROOT, "target/release/caspio-mcp")
LOAD = os.path.join(ROOT, "target/release/examples/load")
PY = os.path.join(ROOT, "tests/bench/.venv/bin/python")
WRITE = "--write" in sys.argv
ARGS = [a for a in sys.argv[1:] if a != "--write"]
REQUESTS = int(ARGS[0]) if ARGS else 2000
procs = []
report = []


def say(line=""):
    print(line)
    report.append(line)


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def spawn(args, wait_for, env=None):
    """Starts a process and waits for a line matching `wait_for`; returns (process, match)."""
    p = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env)
    procs.append(p)
    deadline = time.time() + 60
    while time.time() < deadline:
        line = p.stdout.readline()
        if not line:
            break
        m = re.search(wait_for, line)
        if m:
            # Keep draining its output so it never blocks on a full pipe.
            import threading
            threading.Thread(target=lambda: [None for _ in p.stdout], daemon=True).start()
            return p, m
    raise SystemExit(f"{args[0]} did not start")


def rss_mb(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def load(mode, url, concurrency, requests, tool=None, args=None, token=""):
    cmd = [LOAD, mode, url, str(concurrency), str(requests)]
    if tool:
        cmd += [tool, json.dumps(args)]
    out = subprocess.run(cmd, capture_output=True, text=True, env={**os.environ, "TOKEN": token}, timeout=900)
    line = out.stdout.strip().splitlines()[-1] if out.stdout.strip() else "{}"
    result = json.loads(line)
    if result.get("errors"):
        print(f"  ({mode} at {concurrency}: {result['errors']} errors)", file=sys.stderr)
    return result


def wait_http(url, body=None, headers=None):
    deadline = time.time() + 60
    while time.time() < deadline:
        try:
            req = urllib.request.Request(url, data=body, headers=headers or {}, method="POST" if body else "GET")
            with urllib.request.urlopen(req, timeout=5) as r:
                r.read()
                return
        except Exception:
            time.sleep(0.005)
    raise SystemExit(f"{url} never answered")


INIT = json.dumps({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {"protocolVersion": "2025-11-25", "capabilities": {}, "clientInfo": {"name": "bench", "version": "1"}}}).encode()
MCP_HEADERS = {"content-type": "application/json", "accept": "application/json, text/event-stream"}


def cold_start(args, url):
    """Milliseconds from spawn to the first answered initialize."""
    started = time.perf_counter()
    p = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_http(url, INIT, MCP_HEADERS)
        return (time.perf_counter() - started) * 1000
    finally:
        p.kill()
        p.wait()


def open_sessions(url, n):
    for _ in range(n):
        req = urllib.request.Request(url, data=INIT, headers=MCP_HEADERS, method="POST")
        with urllib.request.urlopen(req, timeout=10) as r:
            r.read()


async def sdk_python(url, transport, tool, args, n=200):
    from mcp import Client
    from mcp.client.sse import sse_client
    from mcp import ClientSession
    times = []
    if transport == "sse":
        async with sse_client(url) as (read, write):
            async with ClientSession(read, write) as session:
                await session.initialize()
                for _ in range(n):
                    t = time.perf_counter()
                    await session.call_tool(tool, args)
                    times.append((time.perf_counter() - t) * 1000)
    else:
        async with Client(url, mode=transport) as client:
            for _ in range(n):
                t = time.perf_counter()
                await client.call_tool(tool, args)
                times.append((time.perf_counter() - t) * 1000)
    return statistics.median(times)


def main():
    sandbox, m = spawn([BIN, "sandbox", "--memory", "--port", "0"], r"at (http://\S+)")
    sb = m.group(1)
    tok = json.loads(urllib.request.urlopen(urllib.request.Request(f"{sb}/oauth/token", data=b"grant_type=client_credentials&client_id=sandbox-client&client_secret=sandbox-secret")).read())["access_token"]
    account = ["--account", sb, "--client-id", "sandbox-client", "--client-secret", "sandbox-secret"]
    sessions, m = spawn([BIN, "serve", *account, "--listen", "127.0.0.1:0", "--max-sessions", "5000"], r"Streamable HTTP: (http://\S+)")
    mcp = m.group(1)
    stateless, m = spawn([BIN, "serve", *account, "--listen", "127.0.0.1:0", "--stateless"], r"Streamable HTTP: (http://\S+)")
    mcp_stateless = m.group(1)
    fport = free_port()
    fast = subprocess.Popen([PY, os.path.join(ROOT, "tests/bench/fastmcp_server.py"), os.path.join(ROOT, "caspio-spec/openapi.yaml"), sb, tok, str(fport)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    procs.append(fast)
    fast_url = f"http://127.0.0.1:{fport}/mcp"
    wait_http(fast_url, INIT, MCP_HEADERS)
    rss_idle = {"caspio-mcp": rss_mb(sessions.pid), "FastMCP": rss_mb(fast.pid)}

    read = {"table_name": "Inventory", "where": "In_Stock = 1", "select": "SKU,Quantity"}
    fast_read = {"tableName": "Inventory", "q.where": "In_Stock = 1", "q.select": "SKU,Quantity"}
    direct = f"{sb}/integrations/rest/v3/tables/Inventory/records?q.where=In_Stock%20%3D%201&q.select=SKU,Quantity"
    guarded = {"table_name": "Inventory", "where": "SKU = 'OBS-2024-002'", "values": {"Quantity": 12}}
    rows = {}
    for c in (1, 8, 64):
        n = max(REQUESTS // 4, 200) if c == 1 else REQUESTS
        rows[c] = {
            "direct REST (the floor)": load("direct", direct, c, n, token=tok),
            "caspio-mcp stateless": load("stateless", mcp_stateless, c, n, "list_all_caspio_records", read),
            "caspio-mcp session (keep-alive)": load("session", mcp, c, n, "list_all_caspio_records", read),
            "caspio-mcp legacy SSE": load("sse", mcp.replace("/mcp", "/sse"), c, n, "list_all_caspio_records", read),
            "caspio-mcp guarded update (count + write)": load("session", mcp, c, n, "update_a_caspio_record_by_id", guarded),
            "FastMCP from_openapi (session)": load("session", fast_url, c, max(n // 4, 100), "ListTableRecords", fast_read),
        }
    rss_after = {"caspio-mcp": rss_mb(sessions.pid), "FastMCP": rss_mb(fast.pid)}
    sdk = {}
    for label, url, transport in [("session", mcp, "legacy"), ("stateless", mcp_stateless, "legacy"), ("SSE", mcp.replace("/mcp", "/sse"), "sse")]:
        sdk[("Python SDK", label)] = asyncio.run(sdk_python(url, transport, "list_all_caspio_records", read))
    sdk[("Python SDK", "FastMCP")] = asyncio.run(sdk_python(fast_url, "legacy", "ListTableRecords", fast_read))
    ts = os.path.join(ROOT, "tests/interop/node_modules/@modelcontextprotocol/sdk")
    if os.path.isdir(ts):
        for label, url, transport in [("session", mcp, "http"), ("stateless", mcp_stateless, "http"), ("SSE", mcp.replace("/mcp", "/sse"), "sse"), ("FastMCP", fast_url, "http")]:
            tool, args = ("ListTableRecords", fast_read) if label == "FastMCP" else ("list_all_caspio_records", read)
            out = subprocess.run(["node", os.path.join(ROOT, "tests/interop/ts_latency.mjs"), url, transport, tool, json.dumps(args)], capture_output=True, text=True, cwd=os.path.join(ROOT, "tests/interop"), timeout=300)
            sdk[("TypeScript SDK", label)] = float(out.stdout.strip().splitlines()[-1]) if out.returncode == 0 else float("nan")
    open_sessions(mcp, 1000)
    rss_1000 = rss_mb(sessions.pid)
    cold_port = free_port()
    cold = {
        "caspio-mcp": statistics.median(cold_start([BIN, "serve", *account, "--listen", f"127.0.0.1:{cold_port}"], f"http://127.0.0.1:{cold_port}/mcp") for _ in range(5)),
        "FastMCP": statistics.median(cold_start([PY, os.path.join(ROOT, "tests/bench/fastmcp_server.py"), os.path.join(ROOT, "caspio-spec/openapi.yaml"), sb, tok, str(cold_port)], f"http://127.0.0.1:{cold_port}/mcp") for _ in range(3)),
    }

    say(f"## Side by side ({REQUESTS} requests per row at concurrency 8 and 64, {max(REQUESTS // 4, 200)} at 1; FastMCP a quarter of that)\n")
    for c in (1, 8, 64):
        base = rows[c]["direct REST (the floor)"]
        fm = rows[c]["FastMCP from_openapi (session)"]
        say(f"### Concurrency {c}\n")
        say("| path | requests/s | p50 ms | p99 ms | p50 / direct | throughput / direct | vs FastMCP (throughput) | errors |")
        say("|---|---|---|---|---|---|---|---|")
        for name, r in rows[c].items():
            say(f"| {name} | {r['rps']:,.0f} | {r['p50_ms']:.2f} | {r['p99_ms']:.2f} | {r['p50_ms'] / base['p50_ms']:.2f}x | {r['rps'] / base['rps']:.0%} | {r['rps'] / fm['rps']:.1f}x | {r['errors']} |")
        say()
    say("### Per-call latency through the official SDKs (median of 200 sequential calls, ms)\n")
    say("| SDK | session | stateless | SSE | FastMCP |")
    say("|---|---|---|---|---|")
    for s in ("Python SDK", "TypeScript SDK"):
        if (s, "session") in sdk:
            say(f"| {s} | " + " | ".join(f"{sdk.get((s, k), float('nan')):.2f}" for k in ("session", "stateless", "SSE", "FastMCP")) + " |")
    say("\n### Memory and cold start\n")
    say("| | caspio-mcp | FastMCP |")
    say("|---|---|---|")
    say(f"| RSS idle | {rss_idle['caspio-mcp']:.0f} MB | {rss_idle['FastMCP']:.0f} MB |")
    say(f"| RSS after the runs above | {rss_after['caspio-mcp']:.0f} MB | {rss_after['FastMCP']:.0f} MB |")
    say(f"| RSS with 1,000 more open sessions | {rss_1000:.0f} MB | |")
    say(f"| cold start to the first answered initialize (median) | {cold['caspio-mcp']:.0f} ms | {cold['FastMCP']:.0f} ms |")


    if WRITE:
        path = os.path.join(ROOT, "BENCHMARKS.md")
        text = open(path, encoding="utf-8").read()
        start, end = "<!-- side-by-side:start -->", "<!-- side-by-side:end -->"
        head, rest = text.split(start)
        _, tail = rest.split(end)
        table = "\n".join(report).replace("## Side by side", "Last run", 1)
        open(path, "w", encoding="utf-8").write(f"{head}{start}\n{table}\n{end}{tail}")


try:
    main()
finally:
    for p in procs:
        p.kill()
