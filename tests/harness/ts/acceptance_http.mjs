#!/usr/bin/env node
// Acceptance scenario for `sandbox --http`, driven by the official TypeScript MCP SDK client
// over streamable HTTP (`@modelcontextprotocol/sdk`, pinned in package-lock.json).
//
//     node acceptance_http.mjs --binary PATH --data-dir DIR
//
// Runs from a folder whose node_modules holds the pinned SDK (see acceptance.mjs). Starts
// `PATH sandbox --http 127.0.0.1:0 --data-dir DIR`, reads the URL and the demo agent's bearer
// token from its banner (stderr), and with that token: lists the tools (zod, and Ajv on every
// outputSchema), reads the agent session, sets an intent and searches Autotask's open tickets
// (structuredContent checked against the schema). A client without the token is refused.
// Success: one JSON line {"ok":true,...} on stdout, exit 0; else {"ok":false,...}, exit 1.

import { spawn } from 'node:child_process';
import process from 'node:process';
import { parseArgs } from 'node:util';

import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';

const TIMEOUT_MS = 120_000;
// The sandbox, stopped whatever happens.
let running;

function fail(step, error) {
  running?.kill();
  process.stdout.write(JSON.stringify({ ok: false, step, error: String(error) }) + '\n');
  process.exit(1);
}

function start(binary, dataDir) {
  const child = spawn(binary, ['sandbox', '--http', '127.0.0.1:0', '--data-dir', dataDir], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  return new Promise((resolve, reject) => {
    let seen = '';
    let url;
    let token;
    const timer = setTimeout(() => reject(new Error(`no URL and token in: ${seen}`)), 60_000);
    child.stderr.on('data', (chunk) => {
      seen += chunk.toString();
      token ??= seen.match(/Authorization: Bearer (\S+)/)?.[1];
      url ??= seen.match(/at (http:\/\/\S+\/mcp)/)?.[1];
      if (url && token) {
        clearTimeout(timer);
        resolve({ child, url, token });
      }
    });
    child.on('exit', (code) => reject(new Error(`sandbox exited (${code}): ${seen}`)));
  });
}

async function main() {
  const { values } = parseArgs({
    options: { binary: { type: 'string' }, 'data-dir': { type: 'string' } },
  });
  setTimeout(() => fail('timeout', `no result in ${TIMEOUT_MS} ms`), TIMEOUT_MS).unref();
  const { child, url, token } = await start(values.binary, values['data-dir']);
  running = child;
  try {
    const client = new Client({ name: 'acceptance-http', version: '1.0.0' });
    const transport = new StreamableHTTPClientTransport(new URL(url), {
      requestInit: { headers: { Authorization: `Bearer ${token}` } },
    });
    await client.connect(transport);
    const tools = (await client.listTools()).tools;
    if (!tools.some((t) => t.name === 'autotask_search_tickets')) {
      throw new Error('no autotask_search_tickets');
    }
    const info = await client.callTool({
      name: 'get_agent_session_info',
      arguments: { response_format: 'json' },
    });
    if (!JSON.stringify(info.structuredContent).includes('sandbox-agent')) {
      throw new Error(`not the token's agent: ${JSON.stringify(info)}`);
    }
    await client.callTool({ name: 'set_agent_intent', arguments: { intent: 'read the queue' } });
    const found = await client.callTool({
      name: 'autotask_search_tickets',
      arguments: { open_only: true, max_records: 5, response_format: 'json' },
    });
    if (found.isError || !found.structuredContent?.items?.length) {
      throw new Error(`search: ${JSON.stringify(found).slice(0, 800)}`);
    }
    await client.close();
    const bare = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'ping' }),
    });
    if (bare.status !== 401) {
      throw new Error(`without a token: HTTP ${bare.status}`);
    }
    process.stdout.write(JSON.stringify({ ok: true, tools: tools.length }) + '\n');
  } finally {
    child.kill();
  }
}

main().catch((e) => fail('scenario', e?.stack ?? e));
