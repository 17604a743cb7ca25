#!/usr/bin/env node
// Acceptance scenario for sandbox mode, driven by the official TypeScript MCP SDK client
// (`@modelcontextprotocol/sdk`, pinned in package-lock.json).
//
//     node acceptance.mjs --binary PATH [--data-dir DIR]
//     (or HELPDESK_OPERATOR_BIN=PATH HELPDESK_OPERATOR_SANDBOX_DIR=DIR node acceptance.mjs)
//
// The script must run from a folder whose node_modules holds the pinned SDK (ESM ignores
// NODE_PATH): tests/it/ts_client.rs installs it with `npm ci` under target/test-services/ and
// runs a copy of this file there. By hand: `npm ci` in tests/harness/ts, then run it in place.
//
// Starts `PATH sandbox --data-dir DIR` over stdio (simulated Freshdesk and django-helpdesk with
// demo data, embedded audit log, the shipped default policy) and:
//   1. lists the tools: the SDK checks the whole answer against its zod schema, and compiles
//      every outputSchema with Ajv; every later callTool validates structuredContent with it;
//   2. reads the agent session, sets an intent;
//   3. reads a Freshdesk ticket and a django-helpdesk ticket;
//   4. resolves the Freshdesk ticket, which the policy gates (rule close-or-resolve,
//      via token): the first call answers confirmation_required and changes nothing, the same
//      call plus confirmation_token resolves it;
//   5. adds a private note, which needs no confirmation;
//   6. finishes the session.
// Success: one JSON line {"ok":true,...} on stdout, exit 0. Otherwise the failing step on
// stderr, {"ok":false,"step":..,"error":..} on stdout, exit 1.

import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import process from 'node:process';
import { parseArgs } from 'node:util';

import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { ResultSchema } from '@modelcontextprotocol/sdk/types.js';

const CALL_TIMEOUT_MS = 60_000;
const TOTAL_TIMEOUT_MS = 150_000;

const EXPECTED_TOOLS = [
  'get_agent_session_info',
  'set_agent_intent',
  'finish_agent_session',
  'django_helpdesk_list_tickets',
  'django_helpdesk_get_ticket',
  'django_helpdesk_create_ticket',
  'django_helpdesk_add_followup',
  'django_helpdesk_update_ticket',
  'django_helpdesk_delete_ticket',
  'django_helpdesk_get_queues',
  'django_helpdesk_get_users',
  'freshdesk_list_tickets',
  'freshdesk_search_tickets',
  'freshdesk_get_ticket',
  'freshdesk_create_ticket',
  'freshdesk_update_ticket',
  'freshdesk_delete_ticket',
  'freshdesk_restore_ticket',
  'freshdesk_reply_to_ticket',
  'freshdesk_add_note',
  'freshdesk_update_note',
  'freshdesk_list_conversations',
  'freshdesk_list_contacts',
  'freshdesk_search_contacts',
  'freshdesk_get_contact',
  'freshdesk_create_contact',
  'freshdesk_update_contact',
  'freshdesk_list_companies',
  'freshdesk_get_company',
  'freshdesk_create_company',
  'freshdesk_update_company',
  'freshdesk_list_agents',
  'freshdesk_get_agent',
  'freshdesk_get_current_agent',
  'freshdesk_list_groups',
  'freshdesk_list_ticket_fields',
];

class Fail extends Error {}

let step = 'start';

function need(cond, message) {
  if (!cond) throw new Fail(message);
}

const brief = (v, n = 1500) => {
  const s = JSON.stringify(v);
  return s.length > n ? `${s.slice(0, n)}...` : s;
};

function describe(err) {
  if (err instanceof Fail) return err.message;
  // zod errors carry the offending paths in `issues`; McpError carries the server's code.
  if (Array.isArray(err?.issues)) {
    const issues = err.issues.map((i) => `${(i.path ?? []).join('.')}: ${i.message} (${i.code})`);
    return `${err.name ?? 'ZodError'}: ${issues.join('; ')}`;
  }
  const code = err?.code !== undefined ? ` (code ${err.code})` : '';
  return `${err?.name ?? 'Error'}${code}: ${err?.message ?? String(err)}`;
}

// When the SDK rejects tools/list, fetch the same answer without its schema to name the tools
// and show the values its zod issues point at.
async function explainToolsList(client, err, cursor) {
  if (!Array.isArray(err?.issues)) return describe(err);
  let raw;
  try {
    raw = await client.request({ method: 'tools/list', params: cursor ? { cursor } : {} }, ResultSchema, {
      timeout: CALL_TIMEOUT_MS,
    });
  } catch (again) {
    return `${describe(err)} (raw tools/list also failed: ${describe(again)})`;
  }
  const lines = err.issues.map((i) => {
    const path = i.path ?? [];
    let value = raw;
    for (const k of path) value = value?.[k];
    const tool = path[0] === 'tools' ? raw.tools?.[path[1]]?.name : undefined;
    return `${tool ?? '?'}: ${path.join('.')} = ${brief(value, 200)}: ${i.message} (${i.code})`;
  });
  return `the SDK's ListToolsResultSchema (zod) rejected tools/list: ${err.name ?? 'ZodError'}: ${lines.join('; ')}`;
}

function options() {
  const { values } = parseArgs({
    options: { binary: { type: 'string' }, 'data-dir': { type: 'string' } },
  });
  const binary = values.binary ?? process.env.HELPDESK_OPERATOR_BIN;
  if (!binary) throw new Fail('no server binary: pass --binary PATH or set HELPDESK_OPERATOR_BIN');
  const dataDir =
    values['data-dir'] ??
    process.env.HELPDESK_OPERATOR_SANDBOX_DIR ??
    mkdtempSync(join(tmpdir(), 'helpdesk-operator-ts-'));
  return { binary, dataDir };
}

// The server's environment: ours without any real backend, store or policy configuration, so
// the sandbox's own simulators, its audit DB in dataDir and the shipped policy are what run.
function serverEnv() {
  const drop = ['DJANGO_HELPDESK_', 'FRESHDESK_', 'DATABASE_URL', 'HELPDESK_OPERATOR_'];
  return Object.fromEntries(
    Object.entries(process.env).filter(([k]) => !drop.some((p) => k.startsWith(p))),
  );
}

async function scenario(binary, dataDir) {
  const transport = new StdioClientTransport({
    command: binary,
    args: ['sandbox', '--data-dir', dataDir],
    env: serverEnv(),
    stderr: 'pipe',
  });
  // The server's banner and logs, kept for the failure report.
  let serverStderr = '';
  transport.stderr?.on('data', (chunk) => {
    serverStderr = (serverStderr + chunk.toString()).slice(-20_000);
  });
  const client = new Client({ name: 'helpdesk-operator-ts-acceptance', version: '0.0.0' });
  const summary = { ok: true, sdk: '@modelcontextprotocol/sdk' };
  try {
    step = 'initialize';
    await client.connect(transport, { timeout: CALL_TIMEOUT_MS });
    summary.server = client.getServerVersion();

    step = 'tools/list';
    const tools = [];
    let cursor;
    do {
      let page;
      try {
        page = await client.listTools(cursor ? { cursor } : undefined, { timeout: CALL_TIMEOUT_MS });
      } catch (err) {
        throw new Fail(await explainToolsList(client, err, cursor));
      }
      tools.push(...page.tools);
      cursor = page.nextCursor;
    } while (cursor);
    const names = new Set(tools.map((t) => t.name));
    const missing = EXPECTED_TOOLS.filter((n) => !names.has(n));
    need(missing.length === 0, `tools/list lacks ${missing.join(', ')}; it has ${[...names].join(', ')}`);
    const withoutOutput = tools.filter((t) => !t.outputSchema).map((t) => t.name);
    need(withoutOutput.length === 0, `tools without an outputSchema: ${withoutOutput.join(', ')}`);
    summary.tools = tools.length;

    // Every call goes through the SDK's callTool, which validates structuredContent against
    // the tool's outputSchema (compiled by Ajv at tools/list) and throws if it does not match.
    const calls = [];
    const call = async (tool, args, { error = false } = {}) => {
      need(client.getToolOutputValidator(tool), `${tool}: the SDK holds no outputSchema validator for it`);
      let res;
      try {
        res = await client.callTool({ name: tool, arguments: args }, undefined, { timeout: CALL_TIMEOUT_MS });
      } catch (err) {
        throw new Fail(`${tool} ${brief(args)}: ${describe(err)}`);
      }
      calls.push(tool);
      const text = (res.content ?? []).map((c) => c.text ?? '').join('\n');
      need(
        Boolean(res.isError) === error,
        `${tool} ${brief(args)}: expected ${error ? 'an error' : 'success'}, got ${text.slice(0, 1500) || brief(res)}`,
      );
      need(res.structuredContent, `${tool}: no structuredContent: ${brief(res)}`);
      return res.structuredContent;
    };

    step = 'agent session';
    const info = await call('get_agent_session_info', {});
    need(info.agent === 'sandbox-agent' && info.branch, `get_agent_session_info: ${brief(info)}`);
    need(info.mode === 'instance', `the sandbox django-helpdesk keeps the session (fork endpoints): ${brief(info)}`);
    const intent = 'typescript client: triage an open Freshdesk ticket';
    const set = await call('set_agent_intent', { intent });
    need(set.intent === intent && set.branch === info.branch, `set_agent_intent: ${brief(set)}`);
    summary.branch = info.branch;

    step = 'reads';
    const open = await call('freshdesk_search_tickets', { status: ['open'] });
    need(Array.isArray(open.items) && open.items.length > 0, `no open Freshdesk ticket in the demo data: ${brief(open)}`);
    const ticketId = open.items[0].id;
    const getTicket = async () => {
      const got = await call('freshdesk_get_ticket', { ticket_id: ticketId });
      need(got.kind === 'ticket' && got.object?.id === ticketId, `freshdesk_get_ticket ${ticketId}: ${brief(got)}`);
      return got.object;
    };
    const before = await getTicket();
    need(
      typeof before.subject === 'string' && before.subject.length > 0 && before.status_name === 'open',
      `freshdesk_get_ticket ${ticketId}: an agent should see its subject and status: ${brief(before)}`,
    );
    need(typeof before.description_text === 'string', `freshdesk_get_ticket ${ticketId}: no description: ${brief(before)}`);
    summary.freshdesk_ticket = ticketId;

    const dj = await call('django_helpdesk_list_tickets', { status: 'open', page_size: 5 });
    need(Array.isArray(dj.tickets) && dj.tickets.length > 0, `django_helpdesk_list_tickets: ${brief(dj)}`);
    const djId = dj.tickets[0].id;
    const djTicket = await call('django_helpdesk_get_ticket', { ticket_id: djId });
    need(
      djTicket.ticket?.id === djId && typeof djTicket.ticket?.title === 'string' && djTicket.ticket?.status === 'open',
      `django_helpdesk_get_ticket ${djId}: ${brief(djTicket)}`,
    );
    summary.django_ticket = djId;

    // Kayako Classic: every tool once (read only), each answer checked by Ajv.
    step = 'kayako reads';
    for (const tool of [
      'kayako_get_departments',
      'kayako_get_ticket_statuses',
      'kayako_get_ticket_priorities',
      'kayako_get_ticket_types',
      'kayako_list_staff',
    ]) {
      await call(tool, {});
    }
    const ky = await call('kayako_list_tickets', { limit: 5 });
    need(
      Array.isArray(ky.tickets) && ky.tickets.length === 5 && ky.more === true && typeof ky.total === 'number',
      `kayako_list_tickets: ${brief(ky)}`,
    );
    const kyId = ky.tickets[0].display_id;
    const kyTicket = await call('kayako_get_ticket', { ticket_id: kyId, include_posts: true });
    need(
      kyTicket.display_id === kyId && Array.isArray(kyTicket.posts) && typeof kyTicket.status === 'string',
      `kayako_get_ticket ${kyId}: ${brief(kyTicket)}`,
    );
    await call('kayako_get_ticket_posts', { ticket_id: kyId });
    await call('kayako_get_ticket_notes', { ticket_id: kyId });
    const kyFound = await call('kayako_search_tickets', { query: kyId });
    need(
      kyFound.tickets.some((t) => t.display_id === kyId),
      `kayako_search_tickets by display id ${kyId}: ${brief(kyFound)}`,
    );
    summary.kayako_ticket = kyId;

    // Daktela: a list, a ticket with its activities, a cleaned e-mail, a transcript.
    step = 'daktela reads';
    const dk = await call('daktela_list_tickets', { stage: 'OPEN', take: 5 });
    need(Array.isArray(dk.items) && dk.items.length === 5 && typeof dk.total === 'number', `daktela_list_tickets: ${brief(dk)}`);
    const dkTicket = await call('daktela_get_ticket_detail', { ticket_id: dk.items[0].name });
    need(Array.isArray(dkTicket.activities), `daktela_get_ticket_detail: ${brief(dkTicket)}`);
    const mails = await call('daktela_list_emails', { take: 1 });
    await call('daktela_get_email', { name: mails.items[0].name });
    const dkCalls = await call('daktela_list_calls', { take: 1 });
    await call('daktela_get_call_transcript', { call_id: dkCalls.items[0].name });
    await call('daktela_list_users', {});
    summary.daktela_ticket = dk.items[0].name;

    // An error is a normal result too: isError, the message as text, and its kind in
    // structuredContent, which the SDK validates against the same outputSchema.
    step = 'an error result';
    const missingTicket = await call('freshdesk_get_ticket', { ticket_id: 987654321 }, { error: true });
    need(
      missingTicket.error?.kind === 'not_found' && typeof missingTicket.error?.message === 'string',
      `freshdesk_get_ticket of a missing ticket: expected error.kind not_found: ${brief(missingTicket)}`,
    );

    step = 'confirmed write';
    const resolve = { ticket_id: ticketId, status: 'resolved' };
    const pending = await call('freshdesk_update_ticket', resolve);
    need(
      pending.status === 'confirmation_required' &&
        typeof pending.confirmation_token === 'string' &&
        pending.confirmation_token.length > 0,
      `resolving ticket ${ticketId} should need confirmation: ${brief(pending)}`,
    );
    need(
      pending.rule === 'close-or-resolve' && pending.via === 'token',
      `resolving ticket ${ticketId}: expected rule close-or-resolve via token: ${brief(pending)}`,
    );
    const unchanged = await getTicket();
    need(
      unchanged.status_name === 'open' && unchanged.updated_at === before.updated_at,
      `nothing may change before confirmation, but ticket ${ticketId} is now ${brief(unchanged)}`,
    );
    const done = await call('freshdesk_update_ticket', { ...resolve, confirmation_token: pending.confirmation_token });
    need(
      done.kind === 'ticket' && done.object?.id === ticketId && done.object?.status_name === 'resolved',
      `the confirmed update should resolve ticket ${ticketId}: ${brief(done)}`,
    );
    const resolved = await getTicket();
    need(resolved.status_name === 'resolved', `ticket ${ticketId} read back after confirming: ${brief(resolved)}`);
    summary.confirmation_rule = pending.rule;

    step = 'plain write';
    const body = 'Internal: resolved after checking the VPN concentrator logs.';
    const note = await call('freshdesk_add_note', { ticket_id: ticketId, body, private: true });
    need(note.status !== 'confirmation_required', `a private note should need no confirmation: ${brief(note)}`);
    need(
      note.kind === 'conversation' && note.object?.private === true && typeof note.object?.id === 'number',
      `freshdesk_add_note: ${brief(note)}`,
    );
    const convs = await call('freshdesk_list_conversations', { ticket_id: ticketId });
    need(
      Array.isArray(convs.items) && convs.items.some((c) => c.id === note.object.id && c.private === true),
      `the note ${note.object.id} is not among ticket ${ticketId}'s conversations: ${brief(convs)}`,
    );
    summary.note = note.object.id;

    step = 'finish session';
    const fin = await call('finish_agent_session', {});
    need((fin.writes?.succeeded ?? 0) >= 2, `finish_agent_session should count the two writes: ${brief(fin)}`);
    summary.calls = calls.length;
    return summary;
  } catch (err) {
    if (serverStderr) process.stderr.write(`[acceptance-ts] server stderr (tail):\n${serverStderr.slice(-4000)}\n`);
    throw err;
  } finally {
    await client.close().catch(() => {});
  }
}

async function main() {
  const watchdog = setTimeout(() => {
    const error = `no result after ${TOTAL_TIMEOUT_MS / 1000}s (step: ${step})`;
    process.stderr.write(`[acceptance-ts] FAILED: ${error}\n`);
    process.stdout.write(`${JSON.stringify({ ok: false, step, error })}\n`);
    process.exit(1);
  }, TOTAL_TIMEOUT_MS);
  watchdog.unref();
  try {
    const { binary, dataDir } = options();
    const summary = await scenario(binary, dataDir);
    process.stdout.write(`${JSON.stringify(summary)}\n`);
    return 0;
  } catch (err) {
    const error = describe(err);
    process.stderr.write(`[acceptance-ts] FAILED at ${step}: ${error}\n`);
    process.stdout.write(`${JSON.stringify({ ok: false, step, error })}\n`);
    return 1;
  } finally {
    clearTimeout(watchdog);
  }
}

process.exitCode = await main();
