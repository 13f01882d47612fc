"""Scoping through the official Python SDK (PyPI `mcp` 2.x), as a model would meet it:
discovery exposure over Streamable HTTP (search, schema, call, all inside the scope), and
stdio servers the SDK launches with each scope flag and with the same scope from a config file.
A scope that keeps no tool must stop the server with the reason.
Usage: py_scoped.py DISCOVERY_BASE_URL BINARY, where the server at DISCOVERY_BASE_URL runs with
--tool-exposure discovery --tags tables,records --read-only.
Prints one line per check and 'N passed, M failed'."""

import asyncio
import os
import subprocess
import sys
import tempfile
import traceback

from mcp import Client, StdioServerParameters

BASE = sys.argv[1].rstrip("/")
BINARY = sys.argv[2]
results = []


def is_error(result):
    return bool(getattr(result, "is_error", None) or getattr(result, "isError", None))


def structured(result):
    value = getattr(result, "structured_content", None)
    return value if value is not None else getattr(result, "structuredContent", None)


async def refused(call):
    """A call the server refuses, as a JSON-RPC error or a tool error: its text."""
    try:
        result = await call
    except Exception as e:  # noqa: BLE001 - the SDK raises its own error type for JSON-RPC errors
        return str(e)
    assert is_error(result), f"expected a refusal, got {result}"
    return str(result)


async def discovery():
    async with Client(f"{BASE}/mcp") as client:
        names = [t.name for t in (await client.list_tools()).tools]
        assert names == ["caspio_search_tools", "caspio_tool_schema", "caspio_call_tool"], names
        found = structured(await client.call_tool("caspio_search_tools", {"query": "query records of a table"}))
        best = found["matches"][0]
        assert best["name"] == "list_all_caspio_records", found
        assert "where" in best["inputSchema"]["properties"], best
        assert all(not m["name"].startswith(("delete", "update", "create")) for m in found["matches"]), found
        schema = structured(await client.call_tool("caspio_tool_schema", {"name": "list_all_caspio_tables"}))
        assert schema["name"] == "list_all_caspio_tables", schema
        await refused(client.call_tool("caspio_tool_schema", {"name": "delete_a_caspio_record_by_id"}))
        rows = await client.call_tool("caspio_call_tool", {"name": "list_all_caspio_records", "arguments": {"table_name": "Support_Tickets", "where": "Status = 'Escalated'", "select": "Title"}})
        assert not is_error(rows), rows
        escalated = structured(rows)["Result"]
        assert escalated, rows
        # Outside the scope: through the meta-tool and directly; nothing changes either way.
        await refused(client.call_tool("caspio_call_tool", {"name": "delete_a_caspio_record_by_id", "arguments": {"table_name": "Support_Tickets", "where": "Status = 'Escalated'", "confirm_count": 3}}))
        hidden = await refused(client.call_tool("delete_a_caspio_record_by_id", {"table_name": "Support_Tickets", "where": "Status = 'Escalated'", "confirm_count": 3}))
        absent = await refused(client.call_tool("no_such_tool", {}))
        assert hidden.replace("delete_a_caspio_record_by_id", "X") == absent.replace("no_such_tool", "X"), (hidden, absent)
        again = await client.call_tool("caspio_call_tool", {"name": "list_all_caspio_records", "arguments": {"table_name": "Support_Tickets", "where": "Status = 'Escalated'", "select": "Title"}})
        assert structured(again)["Result"] == escalated


async def listed(args, config=None):
    """The tool names a stdio server launched with `args` lists."""
    server = StdioServerParameters(command=BINARY, args=["stdio", "--sandbox", *args], env={"CASPIO_MCP_LOG": "warn"})
    async with Client(server) as client:
        return [t.name for t in (await client.list_tools()).tools], client


async def stdio_flags():
    # (flags, the tools listed)
    cases = [
        (["--methods", "read", "--tags", "directories"], ["list_all_caspio_directories", "list_all_caspio_users"]),
        (["--methods", "run"], ["caspio_tasks_run"]),
        (["--tools", "list_all_caspio_tables,caspio_build_where"], ["list_all_caspio_tables", "caspio_build_where"]),
        (["--read-only", "--tags", "webhooks"], ["list_all_caspio_webhooks", "get_single_caspio_webhook_by_id", "list_all_caspio_webhook_events", "get_single_caspio_webhook_event_by_id"]),
        (["--tags", "users", "--tool-exposure", "discovery"], ["caspio_search_tools", "caspio_tool_schema", "caspio_call_tool"]),
    ]
    for flags, expected in cases:
        server = StdioServerParameters(command=BINARY, args=["stdio", "--sandbox", *flags], env={"CASPIO_MCP_LOG": "warn"})
        async with Client(server) as client:
            names = [t.name for t in (await client.list_tools()).tools]
            assert names == expected, (flags, names)
            if "--methods" in flags and "read" in flags:
                # A write of the same tag exists, but not here.
                text = await refused(client.call_tool("caspio_users_activate", {"directory_id": "402", "user_guid": "x"}))
                assert "unknown tool" in text, text


async def config_file():
    with tempfile.NamedTemporaryFile("w", suffix=".toml", delete=False) as f:
        f.write('methods = ["read"]\ntags = ["directories"]\nread_only = true\ntool_exposure = "all"\n')
        path = f.name
    try:
        server = StdioServerParameters(command=BINARY, args=["stdio", "--sandbox", "--config", path], env={"CASPIO_MCP_LOG": "warn"})
        async with Client(server) as client:
            names = [t.name for t in (await client.list_tools()).tools]
            assert names == ["list_all_caspio_directories", "list_all_caspio_users"], names
    finally:
        os.unlink(path)


async def empty_scope():
    run = subprocess.run([BINARY, "stdio", "--sandbox", "--tags", "webhooks", "--methods", "run"],
                         input=b"", capture_output=True, timeout=30)
    assert run.returncode != 0, run
    assert b"matches no tool" in run.stderr, run.stderr


async def main():
    checks = [
        ("python discovery over HTTP: search, schema, call, inside the scope", discovery),
        ("python stdio with --methods, --tags, --tools, --read-only, --tool-exposure", stdio_flags),
        ("python stdio with the scope in a config file", config_file),
        ("a scope that matches no tool stops the server", empty_scope),
    ]
    for name, run in checks:
        try:
            await asyncio.wait_for(run(), timeout=120)
            print(f"ok   {name}")
            results.append(True)
        except BaseException:  # noqa: BLE001 - report every failure and go on
            print(f"FAIL {name}")
            traceback.print_exc()
            results.append(False)
    passed = sum(results)
    print(f"python scoped: {passed} passed, {len(results) - passed} failed")
    sys.exit(0 if passed == len(results) else 1)


asyncio.run(main())
