"""Prints FastMCP's tools/list for an OpenAPI document, as the JSON array of tools a client receives.

FastMCP builds its server in-process from the document; its in-memory client speaks MCP to it, and
the tools are dumped as the MCP SDK puts them on the wire (aliases, no nulls).
"""
import asyncio
import json
import sys

import httpx2
from fastmcp import Client, FastMCP


async def main(path: str) -> None:
    with open(path) as f:
        spec = json.load(f)
    http = httpx2.AsyncClient(base_url="https://example.caspio.com/rest")
    server = FastMCP.from_openapi(openapi_spec=spec, client=http)
    async with Client(server) as client:
        tools = await client.list_tools()
    wire = [t.model_dump(by_alias=True, exclude_none=True, mode="json") for t in tools]
    print(json.dumps(wire, separators=(",", ":"), ensure_ascii=False))


asyncio.run(main(sys.argv[1]))
