#!/usr/bin/env python3
"""Acceptance scenario for sandbox mode, driven by the official MCP Python client (`mcp`).

    <venv>/bin/python tests/harness/acceptance_sandbox.py --binary PATH --data-dir DIR

Starts `PATH sandbox --data-dir DIR` over stdio (simulated Freshdesk and django-helpdesk with
demo data, embedded audit log, shipped default policy) and, as a newcomer would: reads the
agent session (django-helpdesk's agent-session endpoints), sets an intent, lists and searches
Freshdesk tickets, creates one, replies (confirmation), adds a private note, deletes it
(confirmation), and lists django-helpdesk tickets.
Success: one JSON line {"ok":true,...} on stdout, exit 0. Otherwise {"ok":false,"error":..}, exit 1.
"""
import argparse
import json
import os
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


async def call(session, tool, args, *, error=False):
    try:
        result = await session.call_tool(tool, args, read_timeout_seconds=CALL_TIMEOUT)
    except Exception as exc:
        raise Fail(f"{tool} {json.dumps(args)}: request failed: {type(exc).__name__}: {exc}") from exc
    res = result.model_dump(by_alias=True, mode="json", exclude_none=True)
    if bool(res.get("isError")) != error:
        raise Fail(f"{tool} {json.dumps(args)}: expected {'an error' if error else 'success'}, got {json.dumps(res)[:1500]}")
    return res.get("structuredContent") or {}


async def confirmed(session, tool, args, rule):
    first = await call(session, tool, args)
    need(first.get("status") == "confirmation_required" and first.get("rule") == rule,
         f"{tool}: expected confirmation_required by {rule}, got {json.dumps(first)[:800]}")
    return await call(session, tool, {**args, "confirmation_token": first["confirmation_token"]})


async def scenario(binary, data_dir):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_HELPDESK_", "FRESHDESK_", "DATABASE_URL"))}
    params = StdioServerParameters(command=binary, args=["sandbox", "--data-dir", data_dir], env=env)
    async with stdio_client(params) as (read, write), ClientSession(read, write) as session:
        with anyio.fail_after(CALL_TIMEOUT):
            await session.initialize()
        tools = {t.name for t in (await session.list_tools()).tools}
        for t in ["freshdesk_search_tickets", "freshdesk_reply_to_ticket", "django_helpdesk_list_tickets", "set_agent_intent"]:
            need(t in tools, f"sandbox lacks {t}")

        info = await call(session, "get_agent_session_info", {})
        need(info.get("mode") == "instance", f"the sandbox django-helpdesk should keep the session (fork endpoints): {info}")
        await call(session, "set_agent_intent", {"intent": "sandbox tour: triage a VPN ticket"})

        listed = await call(session, "freshdesk_list_tickets", {"per_page": 5, "updated_since": "2020-01-01"})
        need(len(listed.get("items", [])) == 5 and listed.get("has_more"), f"list: {listed}")
        found = await call(session, "freshdesk_search_tickets", {"status": ["open", "pending"]})
        need(found.get("total", 0) > 0, f"search found nothing: {found}")

        created = await call(session, "freshdesk_create_ticket", {
            "subject": "Sandbox: VPN drops hourly", "description": "Reported during the sandbox tour.",
            "requester_email": "newcomer@example.com", "priority": "medium", "group": "Technical"})
        tid = created["object"]["id"]
        await confirmed(session, "freshdesk_reply_to_ticket", {"ticket_id": tid, "body": "Thanks, we are looking into it."}, "customer-visible")
        note = await call(session, "freshdesk_add_note", {"ticket_id": tid, "body": "Internal: check the VPN concentrator."})
        need(note["object"].get("private") is True, f"note should be private: {note}")
        await confirmed(session, "freshdesk_delete_ticket", {"ticket_id": tid}, "any-delete")

        dj = await call(session, "django_helpdesk_list_tickets", {"status": "open", "page_size": 5})
        need(dj.get("total", 0) > 0, f"django-helpdesk sandbox has no open tickets: {dj}")

        # Kayako Classic: every tool once (read only).
        for tool in ["kayako_get_departments", "kayako_get_ticket_statuses", "kayako_get_ticket_priorities",
                     "kayako_get_ticket_types", "kayako_list_staff"]:
            await call(session, tool, {})
        ky = await call(session, "kayako_list_tickets", {"limit": 5})
        need(len(ky.get("tickets", [])) == 5 and ky.get("more") and ky.get("total"), f"kayako_list_tickets: {ky}")
        ky_id = ky["tickets"][0]["display_id"]
        ky_ticket = await call(session, "kayako_get_ticket", {"ticket_id": ky_id, "include_posts": True})
        need(ky_ticket.get("display_id") == ky_id and ky_ticket.get("posts"), f"kayako_get_ticket: {ky_ticket}")
        await call(session, "kayako_get_ticket_posts", {"ticket_id": ky_id})
        await call(session, "kayako_get_ticket_notes", {"ticket_id": ky_id})
        found = await call(session, "kayako_search_tickets", {"query": ky_id})
        need(any(t["display_id"] == ky_id for t in found.get("tickets", [])), f"kayako search: {found}")

        # Daktela: a list, a ticket with its activities, a cleaned e-mail, a transcript.
        dk = await call(session, "daktela_list_tickets", {"stage": "OPEN", "take": 5})
        need(len(dk.get("items", [])) == 5 and dk.get("total"), f"daktela_list_tickets: {dk}")
        detail = await call(session, "daktela_get_ticket_detail", {"ticket_id": dk["items"][0]["name"]})
        need(isinstance(detail.get("activities"), list), f"daktela_get_ticket_detail: {detail}")
        mails = await call(session, "daktela_list_emails", {"take": 1})
        await call(session, "daktela_get_email", {"name": mails["items"][0]["name"]})
        calls = await call(session, "daktela_list_calls", {"take": 1})
        await call(session, "daktela_get_call_transcript", {"call_id": calls["items"][0]["name"]})
        fin = await call(session, "finish_agent_session", {})
        need(fin.get("writes", {}).get("succeeded", 0) >= 4, f"finish: {fin}")
        return {"ok": True, "ticket_id": tid, "branch": info.get("branch")}


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--binary", required=True)
    ap.add_argument("--data-dir", required=True)
    args = ap.parse_args()
    try:
        outcome = anyio.run(scenario, args.binary, args.data_dir)
    except BaseException as exc:  # noqa: BLE001 - report every failure
        leaves = [exc]
        while leaves and isinstance(leaves[0], BaseExceptionGroup):
            leaves = list(leaves[0].exceptions) + leaves[1:]
        message = "; ".join(str(e) if isinstance(e, Fail) else f"{type(e).__name__}: {e}" for e in leaves)
        print(f"[acceptance-sandbox] FAILED: {message}", file=sys.stderr, flush=True)
        print(json.dumps({"ok": False, "error": message}), flush=True)
        return 1
    print(json.dumps(outcome), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
