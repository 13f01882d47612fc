// Scoping through the official TypeScript SDK (@modelcontextprotocol/sdk 1.x): discovery exposure
// over Streamable HTTP (search, schema, call, inside the scope), and a stdio server the SDK
// launches with --read-only --tags users. Usage: node ts_scoped.mjs DISCOVERY_BASE_URL BINARY,
// where the server at DISCOVERY_BASE_URL runs with
// --tool-exposure discovery --tags tables,records --read-only.
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";

const base = process.argv[2].replace(/\/$/, "");
const binary = process.argv[3];
const results = [];

function check(cond, message) {
  if (!cond) throw new Error(message);
}

// A call the server refuses, as a JSON-RPC error or a tool error: its text.
async function refused(call) {
  try {
    const result = await call;
    check(result.isError === true, `expected a refusal, got ${JSON.stringify(result)}`);
    return JSON.stringify(result);
  } catch (e) {
    if (e.message.startsWith("expected a refusal")) throw e;
    return String(e.message);
  }
}

async function discovery() {
  const client = new Client({ name: "interop-ts-scoped", version: "1.0.0" });
  await client.connect(new StreamableHTTPClientTransport(new URL(`${base}/mcp`)));
  const { tools } = await client.listTools();
  check(JSON.stringify(tools.map((t) => t.name)) === JSON.stringify(["caspio_search_tools", "caspio_tool_schema", "caspio_call_tool"]), JSON.stringify(tools.map((t) => t.name)));
  const found = (await client.callTool({ name: "caspio_search_tools", arguments: { query: "list tables" } })).structuredContent;
  check(found.matches[0].name === "list_all_caspio_tables", JSON.stringify(found));
  check(found.matches[0].inputSchema?.type === "object", "the best match comes with its schema");
  const schema = (await client.callTool({ name: "caspio_tool_schema", arguments: { name: "list_all_caspio_records" } })).structuredContent;
  check(schema.inputSchema.properties.where, JSON.stringify(schema));
  const rows = await client.callTool({ name: "caspio_call_tool", arguments: { name: "list_all_caspio_records", arguments: { table_name: "Inventory", where: "SKU LIKE 'OBS-2024%'", select: "SKU" } } });
  check(!rows.isError && rows.structuredContent.Result.length === 4, JSON.stringify(rows));
  await refused(client.callTool({ name: "caspio_call_tool", arguments: { name: "update_a_caspio_record_by_id", arguments: { table_name: "Inventory", where: "SKU LIKE 'OBS-2024%'", values: { Quantity: 0 } } } }));
  await refused(client.callTool({ name: "update_a_caspio_record_by_id", arguments: { table_name: "Inventory", where: "SKU LIKE 'OBS-2024%'", values: { Quantity: 0 } } }));
  const after = await client.callTool({ name: "caspio_call_tool", arguments: { name: "list_all_caspio_records", arguments: { table_name: "Inventory", where: "SKU LIKE 'OBS-2024%' AND Quantity = 0", select: "SKU" } } });
  check(!after.isError, JSON.stringify(after));
  const zeroed = after.structuredContent.Result.length;
  check(zeroed < 4, `the refused update changed nothing (${zeroed} of 4 at 0)`);
  await client.close();
}

async function stdioReadOnlyUsers() {
  const client = new Client({ name: "interop-ts-scoped", version: "1.0.0" });
  await client.connect(new StdioClientTransport({ command: binary, args: ["stdio", "--sandbox", "--read-only", "--tags", "users"], env: { ...process.env, CASPIO_MCP_LOG: "warn" } }));
  const { tools } = await client.listTools();
  check(JSON.stringify(tools.map((t) => t.name)) === JSON.stringify(["list_all_caspio_users"]), JSON.stringify(tools.map((t) => t.name)));
  const users = await client.callTool({ name: "list_all_caspio_users", arguments: { directory_id: "402", select: "Email" } });
  check(!users.isError && users.structuredContent.Result.length > 0, JSON.stringify(users));
  const text = await refused(client.callTool({ name: "delete_a_caspio_user_by_id", arguments: { directory_id: "402", where: "1=1", confirm_count: 4 } }));
  check(text.includes("unknown tool"), text);
  await client.close();
}

for (const [name, run] of [
  ["typescript discovery over HTTP: search, schema, call, inside the scope", discovery],
  ["typescript stdio with --read-only --tags users", stdioReadOnlyUsers],
]) {
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
console.log(`typescript scoped: ${passed} passed, ${results.length - passed} failed`);
process.exit(passed === results.length ? 0 : 1);
