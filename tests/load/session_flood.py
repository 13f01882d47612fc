#!/usr/bin/env python3
"""Opens Streamable HTTP sessions in a loop against a running `caspio-mcp serve` and reports how
many were accepted, how many refused (503), and the server's resident memory before and after.

Usage: python3 tests/load/session_flood.py URL PID COUNT
  e.g. python3 tests/load/session_flood.py http://127.0.0.1:8080/mcp $(pgrep -f 'caspio-mcp serve') 5000
Not a test: a measurement for BENCHMARKS.md (Linux, for /proc).
"""
import concurrent.futures
import json
import sys
import urllib.error
import urllib.request

url, pid, count = sys.argv[1], sys.argv[2], int(sys.argv[3])
INIT = json.dumps({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {
    "protocolVersion": "2025-06-18", "capabilities": {}, "clientInfo": {"name": "flood", "version": "1"}}}).encode()


def rss_kb():
    with open(f"/proc/{pid}/status") as f:
        return next(int(l.split()[1]) for l in f if l.startswith("VmRSS:"))


def open_one(_):
    request = urllib.request.Request(url, data=INIT, headers={
        "Content-Type": "application/json", "Accept": "application/json"})
    try:
        with urllib.request.urlopen(request) as r:
            r.read()
            return r.status
    except urllib.error.HTTPError as e:
        return e.code


before = rss_kb()
with concurrent.futures.ThreadPoolExecutor(32) as pool:
    statuses = list(pool.map(open_one, range(count)))
after = rss_kb()
print(f"{count} initialize requests: {statuses.count(200)} sessions opened, "
      f"{statuses.count(503)} refused with 503; RSS {before // 1024} MB -> {after // 1024} MB "
      f"(+{(after - before) // 1024} MB)")
