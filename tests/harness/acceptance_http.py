#!/usr/bin/env python3
"""Acceptance scenario for `sandbox --http`, driven by the official MCP Python client over
streamable HTTP.

    <venv>/bin/python tests/harness/acceptance_http.py --binary PATH --data-dir DIR \
        [--protocol legacy|stateless]

Starts `PATH sandbox --http 127.0.0.1:0 --data-dir DIR`, reads the URL and the demo agent's
bearer token from its banner (stderr), and with that token: initializes (legacy: `initialize`,
2025-11-25, with an `Mcp-Session-Id`) or discovers (stateless: `server/discover`, 2026-07-28,
no session; every request carries its version in `_meta` and `Mcp-Method`), lists the tools, reads
the agent session, sets an intent, searches Autotask's open tickets, and adds a
customer-visible note (asked for confirmation, then confirmed). A client without the token is
refused. Success: one JSON line {"ok":true,...} on stdout, exit 0; else {"ok":false,...}, exit 1.
"""
import argparse
import json
import re
import subprocess
import sys
import time

import anyio
import httpx2
from mcp import ClientSession
from mcp.client.streamable_http import streamable_http_client

CALL_TIMEOUT = 60.0


class Fail(Exception):
    pass


def need(cond, message):
    if not cond:
        raise Fail(message)


def start(binary, data_dir):
    proc = subprocess.Popen(
        [binary, "sandbox", "--http", "127.0.0.1:0", "--data-dir", data_dir],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    url = token = None
    seen = []
    deadline = time.time() + CALL_TIMEOUT
    while time.time() < deadline and not (url and token):
        line = proc.stderr.readline()
        if not line:
            break
        seen.append(line)
        m = re.search(r"Authorization: Bearer (\S+)", line)
        token = token or (m.group(1) if m else None)
        m = re.search(r"at (http://\S+/mcp)", line)
        url = url or (m.group(1) if m else None)
    if not (url and token):
        proc.kill()
        raise Fail("the sandbox did not print its URL and token: " + "".join(seen)[-2000:])
    return proc, url, token


async def call(session, tool, args):
    result = await session.call_tool(tool, args, read_timeout_seconds=CALL_TIMEOUT)
    res = result.model_dump(by_alias=True, mode="json", exclude_none=True)
    need(not res.get("isError"), f"{tool}: {json.dumps(res)[:1500]}")
    return res.get("structuredContent") or {}


async def scenario(url, token, protocol):
    headers = {"Authorization": f"Bearer {token}"}
    session_ids = set()

    async def seen(response):
        sid = response.headers.get("mcp-session-id")
        if sid:
            session_ids.add(sid)

    async with httpx2.AsyncClient(headers=headers, timeout=CALL_TIMEOUT,
                                  event_hooks={"response": [seen]}) as http, \
            streamable_http_client(url, http_client=http) as (read, write), \
            ClientSession(read, write) as session:
        with anyio.fail_after(CALL_TIMEOUT):
            if protocol == "legacy":
                await session.initialize()
            else:
                await session.discover()
        version = session.protocol_version
        want = "2025-11-25" if protocol == "legacy" else "2026-07-28"
        need(version == want, f"negotiated {version}, not {want}")
        tools = {t.name for t in (await session.list_tools()).tools}
        for t in ["autotask_search_tickets", "autotask_add_ticket_note", "freshdesk_get_ticket"]:
            need(t in tools, f"missing {t}")
        info = await call(session, "get_agent_session_info", {"response_format": "json"})
        need("sandbox-agent" in json.dumps(info), f"the session is not the token's agent: {info}")
        await call(session, "set_agent_intent", {"intent": "tell Acme Dental their printer is fixed"})
        found = await call(session, "autotask_search_tickets",
                           {"open_only": True, "company": "Acme Dental", "max_records": 5,
                            "response_format": "json"})
        need(found.get("items"), f"no open tickets: {found}")
        ticket = found["items"][0]["item"]["id"]
        args = {"ticket_id": ticket, "description": "The printer is fixed.", "visibility": "customer"}
        first = await call(session, "autotask_add_ticket_note", args)
        need(first.get("status") == "confirmation_required", f"not confirmed first: {first}")
        done = await call(session, "autotask_add_ticket_note",
                          {**args, "confirmation_token": first["confirmation_token"]})
        need(done.get("kind") == "ticket note", f"no note: {done}")
    if protocol == "legacy":
        need(len(session_ids) == 1, f"legacy: one Mcp-Session-Id expected, saw {session_ids}")
    else:
        need(not session_ids, f"stateless: the server handed out sessions {session_ids}")
    return {"ticket": ticket, "protocol": version}


async def refused_without_token(url):
    async with httpx2.AsyncClient(timeout=CALL_TIMEOUT) as http:
        r = await http.post(url, json={"jsonrpc": "2.0", "id": 1, "method": "initialize",
                                       "params": {"protocolVersion": "2025-11-25",
                                                  "capabilities": {},
                                                  "clientInfo": {"name": "x", "version": "1"}}},
                            headers={"Accept": "application/json, text/event-stream"})
        need(r.status_code == 401, f"without a token: HTTP {r.status_code}")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--binary", required=True)
    ap.add_argument("--data-dir", required=True)
    ap.add_argument("--protocol", choices=["legacy", "stateless"], default="legacy")
    a = ap.parse_args()
    proc = None
    try:
        proc, url, token = start(a.binary, a.data_dir)
        done = anyio.run(scenario, url, token, a.protocol)
        anyio.run(refused_without_token, url)
        print(json.dumps({"ok": True, **done}))
        return 0
    except Exception as exc:  # noqa: BLE001 - the harness reports any failure as one line
        print(json.dumps({"ok": False, "error": f"{type(exc).__name__}: {exc}"}))
        return 1
    finally:
        if proc is not None:
            proc.terminate()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()


if __name__ == "__main__":
    sys.exit(main())
