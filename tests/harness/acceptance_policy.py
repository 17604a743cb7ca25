#!/usr/bin/env python3
"""Acceptance scenario for the policy layer, driven by the official MCP Python client (`mcp`).

    <venv>/bin/python tests/harness/acceptance_policy.py --binary PATH --psql-url URL [--fault-titles T1,T2,...]

Runs `PATH serve` over stdio with the shipped default policy and this process's environment.
1. If --fault-titles is given, creates one ticket per title first (the caller injects failures
   in front of django-helpdesk for these creates and counts the tickets afterwards).
2. With the default policy, closing a ticket, a public reply and a delete each come back as
   `confirmation_required` and change nothing; the same call with the token goes through.
3. A token replayed, used with changed arguments, or expired (made to expire through psql on
   the audit database) is refused.
Success: one JSON line {"ok":true,...} on stdout, exit 0. Any surprise: {"ok":false,"error":..}, exit 1.
"""
import argparse
import json
import os
import subprocess
import sys

import anyio
from mcp import ClientSession, StdioServerParameters
from mcp.client.stdio import stdio_client

CALL_TIMEOUT = 60.0


class Fail(Exception):
    pass


def need(cond, message):
    if not cond:
        raise Fail(message)


def step(name):
    print(f"[acceptance-policy] {name}", file=sys.stderr, flush=True)


def text_of(res):
    return "\n".join(c.get("text", "") for c in res.get("content", []) if c.get("type") == "text")


async def call(session, tool, args, *, error=False):
    try:
        result = await session.call_tool(tool, args, read_timeout_seconds=CALL_TIMEOUT)
    except Exception as exc:
        raise Fail(f"{tool} {json.dumps(args)}: request failed: {type(exc).__name__}: {exc}") from exc
    res = result.model_dump(by_alias=True, mode="json", exclude_none=True)
    if bool(res.get("isError")) != error:
        raise Fail(f"{tool} {json.dumps(args)}: expected {'an error' if error else 'success'}, got {json.dumps(res)[:1500]}")
    return res


async def pending(session, tool, args, rule):
    res = (await call(session, tool, args))["structuredContent"]
    need(res.get("status") == "confirmation_required", f"{tool} {args}: expected confirmation_required, got {res}")
    need(res.get("rule") == rule, f"{tool}: expected rule {rule}, got {res.get('rule')}")
    need(isinstance(res.get("confirmation_token"), str) and res.get("preview"), f"{tool}: no token or preview: {res}")
    return res


async def ticket(session, tid):
    return (await call(session, "django_helpdesk_get_ticket", {"ticket_id": tid, "response_format": "json"}))["structuredContent"]["ticket"]


def psql(url, sql):
    out = subprocess.run(["psql", url, "-v", "ON_ERROR_STOP=1", "-qAtc", sql], capture_output=True, text=True)
    if out.returncode != 0:
        raise Fail(f"psql failed: {out.stderr.strip()}")
    return out.stdout.strip()


async def scenario(binary, psql_url, fault_titles):
    params = StdioServerParameters(command=binary, args=["serve"], env=dict(os.environ))
    async with stdio_client(params) as (read, write), ClientSession(read, write) as session:
        with anyio.fail_after(CALL_TIMEOUT):
            await session.initialize()
        await call(session, "set_agent_intent", {"intent": "acceptance: policy layer"})

        created = {}
        for title in fault_titles:
            step(f"create under injected failure: {title}")
            res = (await call(session, "django_helpdesk_create_ticket",
                              {"queue": "Support", "title": title, "description": "fault"}))["structuredContent"]
            created[title] = res["ticket"]["id"]

        step("create a ticket to work on")
        tid = (await call(session, "django_helpdesk_create_ticket",
                          {"queue": "Support", "title": "Policy acceptance", "description": "d"}))["structuredContent"]["ticket"]["id"]

        step("close: confirmation required, nothing changes")
        close = {"ticket_id": tid, "comment": "Fixed.", "new_status": "closed"}
        p = await pending(session, "django_helpdesk_add_followup", close, "close-or-resolve")
        need((await ticket(session, tid))["status"] == "open", "the ticket was closed without confirmation")

        step("changed arguments with that token: refused; the token is void")
        res = await call(session, "django_helpdesk_add_followup",
                         {**close, "comment": "Fixed!", "confirmation_token": p["confirmation_token"]}, error=True)
        need("arguments differ" in text_of(res), f"unexpected refusal text: {text_of(res)}")
        res = await call(session, "django_helpdesk_add_followup", {**close, "confirmation_token": p["confirmation_token"]}, error=True)
        need((await ticket(session, tid))["status"] == "open", "closed by a void token")

        step("public reply: confirmation required; token once; replay refused")
        reply = {"ticket_id": tid, "comment": "Hello, we are on it.", "public": True}
        p = await pending(session, "django_helpdesk_add_followup", reply, "customer-visible")
        need(len((await ticket(session, tid))["followups"]) == 1, "a public reply went out without confirmation")
        await call(session, "django_helpdesk_add_followup", {**reply, "confirmation_token": p["confirmation_token"]})
        res = await call(session, "django_helpdesk_add_followup", {**reply, "confirmation_token": p["confirmation_token"]}, error=True)
        need("already used" in text_of(res), f"replay: {text_of(res)}")
        need(len((await ticket(session, tid))["followups"]) == 2, "expected exactly one public reply")

        step("expired token refused")
        p = await pending(session, "django_helpdesk_add_followup", close, "close-or-resolve")
        psql(psql_url, f"UPDATE confirmations SET expires_at = now() - interval '1 second' WHERE id = '{p['confirmation_id']}'")
        res = await call(session, "django_helpdesk_add_followup", {**close, "confirmation_token": p["confirmation_token"]}, error=True)
        need("expired" in text_of(res), f"expired: {text_of(res)}")
        need((await ticket(session, tid))["status"] == "open", "closed by an expired token")

        step("close with a fresh token")
        p = await pending(session, "django_helpdesk_add_followup", close, "close-or-resolve")
        await call(session, "django_helpdesk_add_followup", {**close, "confirmation_token": p["confirmation_token"]})
        need((await ticket(session, tid))["status"] == "closed", "not closed after confirmation")

        step("delete: confirmation required; then deleted")
        p = await pending(session, "django_helpdesk_delete_ticket", {"ticket_id": tid}, "any-delete")
        await ticket(session, tid)
        await call(session, "django_helpdesk_delete_ticket", {"ticket_id": tid, "confirmation_token": p["confirmation_token"]})
        await call(session, "django_helpdesk_get_ticket", {"ticket_id": tid}, error=True)
        return {"ok": True, "ticket_id": tid, "created": created}


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--binary", required=True)
    ap.add_argument("--psql-url", required=True, help="the audit database (to make a token expire)")
    ap.add_argument("--fault-titles", default="")
    args = ap.parse_args()
    titles = [t for t in args.fault_titles.split(",") if t]
    try:
        outcome = anyio.run(scenario, args.binary, args.psql_url, titles)
    except BaseException as exc:  # noqa: BLE001 - report every failure
        leaves = [exc]
        while leaves and isinstance(leaves[0], BaseExceptionGroup):
            leaves = list(leaves[0].exceptions) + leaves[1:]
        message = "; ".join(str(e) if isinstance(e, Fail) else f"{type(e).__name__}: {e}" for e in leaves)
        print(f"[acceptance-policy] FAILED: {message}", file=sys.stderr, flush=True)
        print(json.dumps({"ok": False, "error": message}), flush=True)
        return 1
    print(json.dumps(outcome), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
