"""Drives caspio-mcp with the official Python SDK (PyPI `mcp` 2.x): Streamable HTTP in the
2026-07-28 era (auto: server/discover) and the legacy handshake, the legacy SSE transport, and
stdio (the SDK launches `BINARY stdio --sandbox`, as desktop clients do).
Usage: py_client.py BASE_URL BINARY. Prints one line per check and 'N passed, M failed'."""

import asyncio
import sys
import traceback

from mcp import Client, ClientSession, StdioServerParameters
from mcp.client.sse import sse_client

BASE = sys.argv[1].rstrip("/")
BINARY = sys.argv[2]
results = []


def is_error(result):
    return bool(getattr(result, "is_error", None) or getattr(result, "isError", None))


def structured(result):
    value = getattr(result, "structured_content", None)
    if value is None:
        value = getattr(result, "structuredContent", None)
    return value


async def exercise(label, call_tool, list_tools):
    tools = (await list_tools()).tools
    assert len(tools) == 71, f"{len(tools)} tools (70 operations and caspio_build_where)"
    names = {t.name for t in tools}
    assert "list_all_caspio_records" in names and "caspio_deployments_bulk_update" in names
    read = await call_tool("list_all_caspio_users", {"directory_id": "402", "where": "_2fa_status <> 'Enabled'", "select": "Email"})
    assert not is_error(read), read
    emails = sorted(r["Email"] for r in structured(read)["Result"])
    assert emails == ["auditor@acmecorp.com", "cfo@acmecorp.com", "it.admin@acmecorp.com"], emails
    write = await call_tool("create_a_caspio_record", {"table_name": "Support_Tickets", "record": {"Title": f"python {label}", "Status": "Open"}})
    assert not is_error(write), write
    pk = structured(write)["Result"][0]["PK_ID"]
    check = await call_tool("list_all_caspio_records", {"table_name": "Support_Tickets", "where": f"PK_ID = {pk}", "select": "Title"})
    assert structured(check)["Result"] == [{"Title": f"python {label}"}], structured(check)
    bad = await call_tool("list_all_caspio_records", {"table_name": "Support_Tickets", "where": "Status = 'Open"})
    assert is_error(bad), "a q.where syntax error must be a tool error"


async def streamable(mode):
    async with Client(f"{BASE}/mcp", mode=mode) as client:
        await exercise(f"streamable-{mode}", client.call_tool, client.list_tools)
        return str(client.protocol_version)


async def stdio(mode):
    server = StdioServerParameters(command=BINARY, args=["stdio", "--sandbox"], env={"CASPIO_MCP_LOG": "warn"})
    async with Client(server, mode=mode) as client:
        await exercise(f"stdio-{mode}", client.call_tool, client.list_tools)
        return str(client.protocol_version)


async def sse():
    async with sse_client(f"{BASE}/sse") as (read, write):
        async with ClientSession(read, write) as session:
            await session.initialize()
            await exercise("sse", session.call_tool, session.list_tools)


async def main():
    checks = [
        ("python streamable HTTP, auto (2026-07-28 discover)", lambda: streamable("auto")),
        ("python streamable HTTP, legacy handshake", lambda: streamable("legacy")),
        ("python legacy SSE", sse),
        ("python stdio, auto", lambda: stdio("auto")),
        ("python stdio, legacy handshake", lambda: stdio("legacy")),
    ]
    for name, run in checks:
        try:
            detail = await asyncio.wait_for(run(), timeout=60)
            print(f"ok   {name}" + (f" (protocol {detail})" if detail else ""))
            results.append(True)
        except BaseException:  # noqa: BLE001 - report every failure and go on
            print(f"FAIL {name}")
            traceback.print_exc()
            results.append(False)
    passed = sum(results)
    print(f"python: {passed} passed, {len(results) - passed} failed")
    sys.exit(0 if passed == len(results) else 1)


asyncio.run(main())
