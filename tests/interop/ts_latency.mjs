// Per-call latency the official TypeScript SDK sees (for tests/bench/side_by_side.py): 20 warm-up
// calls, then the median of 200 sequential calls, in ms, on the last line.
// Usage: node ts_latency.mjs URL http|sse TOOL ARGS_JSON
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { SSEClientTransport } from "@modelcontextprotocol/sdk/client/sse.js";

const [url, kind, tool, args] = process.argv.slice(2);
const transport = kind === "sse" ? new SSEClientTransport(new URL(url)) : new StreamableHTTPClientTransport(new URL(url));
const client = new Client({ name: "latency-ts", version: "1.0.0" });
await client.connect(transport);
const call = () => client.callTool({ name: tool, arguments: JSON.parse(args) });
for (let i = 0; i < 20; i++) await call();
const times = [];
for (let i = 0; i < 200; i++) {
  const t = performance.now();
  const r = await call();
  if (r.isError) throw new Error(JSON.stringify(r));
  times.push(performance.now() - t);
}
times.sort((a, b) => a - b);
await client.close();
console.log(times[100].toFixed(3));
