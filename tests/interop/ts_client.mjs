// Drives caspio-mcp with the official TypeScript SDK (@modelcontextprotocol/sdk 1.x) over
// Streamable HTTP, legacy SSE and stdio (the SDK launches `BINARY stdio --sandbox`, as desktop
// clients do). Usage: node ts_client.mjs BASE_URL BINARY.
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { SSEClientTransport } from "@modelcontextprotocol/sdk/client/sse.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";

const base = process.argv[2].replace(/\/$/, "");
const binary = process.argv[3];
const results = [];

function check(cond, message) {
  if (!cond) throw new Error(message);
}

async function drive(label, transport) {
  const client = new Client({ name: "interop-ts", version: "1.0.0" });
  await client.connect(transport);
  const { tools } = await client.listTools();
  check(tools.length === 71, `${tools.length} tools (70 operations and caspio_build_where)`);
  const annotated = tools.find((t) => t.name === "list_all_caspio_records");
  check(annotated?.annotations?.readOnlyHint === true, "read tools carry readOnlyHint");
  const read = await client.callTool({ name: "list_all_caspio_records", arguments: { table_name: "Inventory", where: "SKU LIKE 'OBS-2024%'", select: "SKU, In_Stock", order_by: "SKU" } });
  check(!read.isError, JSON.stringify(read));
  check(read.structuredContent.Result.length === 4, JSON.stringify(read.structuredContent));
  const write = await client.callTool({ name: "update_a_caspio_record_by_id", arguments: { table_name: "Inventory", where: "SKU = 'OBS-2024-004'", values: { Quantity: 7 } } });
  check(!write.isError && write.structuredContent.RecordsAffected === 1, JSON.stringify(write));
  const bad = await client.callTool({ name: "delete_a_caspio_record_by_id", arguments: { table_name: "Inventory" } });
  check(bad.isError === true, "a delete without where must be refused");
  const file = await client.callTool({ name: "caspio_files_download_by_path", arguments: { file_path: "/readme.txt" } });
  check(file.content.some((c) => c.type === "resource" && c.resource.text === "Demo account files."), JSON.stringify(file));
  await client.close();
}

const checks = [
  ["typescript streamable HTTP", () => drive("streamable", new StreamableHTTPClientTransport(new URL(`${base}/mcp`)))],
  ["typescript legacy SSE", () => drive("sse", new SSEClientTransport(new URL(`${base}/sse`)))],
  ["typescript stdio", () => drive("stdio", new StdioClientTransport({ command: binary, args: ["stdio", "--sandbox"], env: { ...process.env, CASPIO_MCP_LOG: "warn" } }))],
];
for (const [name, run] of checks) {
  try {
    await run();
    console.log(`ok   ${name}`);
    results.push(true);
  } catch (e) {
    console.log(`FAIL ${name}: ${e.stack || e}`);
    results.push(false);
  }
}
const passed = results.filter(Boolean).length;
console.log(`typescript: ${passed} passed, ${results.length - passed} failed`);
process.exit(passed === results.length ? 0 : 1);
