"""FastMCP's `from_openapi` over our document, proxying the same sandbox: what a Python user would
pick instead of caspio-mcp. Serves Streamable HTTP on PORT (path /mcp).

Usage: fastmcp_server.py SPEC_YAML SANDBOX_URL TOKEN PORT
With --probe instead of PORT, prints the list tool's name and input schema and exits."""
import asyncio
import json
import sys

import httpx2
import yaml
from fastmcp import Client, FastMCP

spec_path, sandbox, token, port = sys.argv[1:5]
with open(spec_path) as f:
    spec = yaml.safe_load(f)
http = httpx2.AsyncClient(base_url=f"{sandbox}/integrations/rest", headers={"Authorization": f"Bearer {token}"}, timeout=30)
server = FastMCP.from_openapi(openapi_spec=spec, client=http, name="caspio-fastmcp")

if port == "--probe":
    async def probe():
        async with Client(server) as client:
            tools = await client.list_tools()
            tool = next(t for t in tools if "ListTableRecords" in t.name or "list_table_records" in t.name.lower())
            print(tool.name)
            print(json.dumps(tool.inputSchema)[:600])
            args = {"tableName": "Inventory", "q.where": "In_Stock = 1", "q.select": "SKU,Quantity"}
            known = tool.inputSchema.get("properties", {})
            args = {k: v for k, v in args.items() if k in known}
            result = await client.call_tool(tool.name, args)
            print(str(result)[:300])
    asyncio.run(probe())
else:
    server.run(transport="http", host="127.0.0.1", port=int(port), show_banner=False, log_level="warning")
