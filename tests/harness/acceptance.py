#!/usr/bin/env python3
"""Acceptance scenario for helpdesk-operator, driven by the official MCP Python client (`mcp`).

    <venv>/bin/python tests/harness/acceptance.py --binary PATH [-- EXTRA SERVER ARGS]

Runs `PATH serve [EXTRA...]` over stdio with this process's environment (DJANGO_HELPDESK_URL,
DJANGO_HELPDESK_USERNAME, DJANGO_HELPDESK_PASSWORD, DATABASE_URL, ... set by the caller) and checks:
tools/list, the intent gate, set/get agent session, create/follow-up/update/get ticket, finish session.
Success: one JSON line {"ok":true,"ticket_id":..,"branch":..,"intent":..} on stdout, exit 0.
Any unexpected answer (isError included): a clear message on stderr, {"ok":false,"error":..} on stdout, exit 1.
The server's own stderr passes through to ours.
"""
import argparse
import json
import os
import re
import sys

import anyio
from mcp import ClientSession, StdioServerParameters, types
from mcp.client.stdio import stdio_client

# ---- Names the Rust side might spell differently: adjust here only. ----
REQUIRED_TOOLS = [
    "get_agent_session_info", "set_agent_intent", "finish_agent_session",
    "django_helpdesk_list_tickets", "django_helpdesk_get_ticket", "django_helpdesk_create_ticket",
    "django_helpdesk_add_followup", "django_helpdesk_update_ticket", "django_helpdesk_delete_ticket",
    "django_helpdesk_get_queues", "django_helpdesk_get_users",
]
T_SET_INTENT, T_SESSION_INFO, T_FINISH = "set_agent_intent", "get_agent_session_info", "finish_agent_session"
T_CREATE, T_FOLLOWUP = "django_helpdesk_create_ticket", "django_helpdesk_add_followup"
T_UPDATE, T_GET = "django_helpdesk_update_ticket", "django_helpdesk_get_ticket"
K_BRANCH, K_INTENT, K_WRITES, K_SUCCEEDED = "branch", "intent", "writes", "succeeded"
K_TICKET, K_ID, K_TITLE, K_PRIORITY, K_PRIORITY_NAME = "ticket", "id", "title", "priority", "priority_name"
K_FOLLOWUPS, K_COMMENT = "followups", "comment"
USERNAME_ENV = "DJANGO_HELPDESK_USERNAME"

INTENT = "acceptance: triage printer tickets"
CREATE_ARGS = {"queue": "Support", "title": "Acceptance printer on fire", "description": "It smokes.",
               "priority": "high", "submitter_email": "customer@example.com"}
TEMPLATE_TEXT = "{{ ticket.title }}"
UNTRUSTED_END = "\u27e6end of untrusted text\u27e7"


def unmark(text):
    """The text inside helpdesk-operator's untrusted-text marker (customer-written text)."""
    if not isinstance(text, str) or not text.endswith(UNTRUSTED_END):
        return text
    body = text[: -len(UNTRUSTED_END)].split("\u27e7", 1)[1]
    return body.strip(" ")
FOLLOWUP_COMMENT = f"Checked the toner {TEMPLATE_TEXT}"
UPDATED_TITLE = "Acceptance printer on fire (updated)"
CALL_TIMEOUT = 60.0  # seconds per MCP request


class Fail(Exception):
    pass


def step(name):
    print(f"[acceptance] {name}", file=sys.stderr, flush=True)


def text_of(res):
    return "\n".join(c.get("text", "") for c in res.get("content", []) if c.get("type") == "text")


async def call(session, tool, args, *, expect_error=False):
    """tools/call; returns the result as a wire-format dict (isError, structuredContent, content)."""
    try:
        result = await session.call_tool(tool, args, read_timeout_seconds=CALL_TIMEOUT)
    except Exception as exc:  # JSON-RPC error, timeout, or the SDK's output-schema validation
        raise Fail(f"{tool} {json.dumps(args)}: request failed: {type(exc).__name__}: {exc}") from exc
    res = result.model_dump(by_alias=True, mode="json", exclude_none=True)
    if bool(res.get("isError")) != expect_error:
        want = "an isError result" if expect_error else "success"
        raise Fail(f"{tool} {json.dumps(args)}: expected {want}, got: {json.dumps(res)[:2000]}")
    if not expect_error and not isinstance(res.get("structuredContent"), dict):
        raise Fail(f"{tool}: no structuredContent object in result: {json.dumps(res)[:2000]}")
    return res


def need(cond, message):
    if not cond:
        raise Fail(message)


async def scenario(binary, extra_args, username):
    params = StdioServerParameters(command=binary, args=["serve", *extra_args], env=dict(os.environ))
    async with stdio_client(params) as (read, write), ClientSession(read, write) as session:
        try:
            with anyio.fail_after(CALL_TIMEOUT):
                await session.initialize()
        except Exception as exc:
            raise Fail(f"initialize failed ({type(exc).__name__}: {exc}); did `{binary} serve` start? "
                       "Its stderr is above.") from exc

        step("a. tools/list")
        tools, cursor = [], None
        while True:
            page = await session.list_tools(params=types.PaginatedRequestParams(cursor=cursor) if cursor else None)
            tools += [t.model_dump(by_alias=True, mode="json", exclude_none=True) for t in page.tools]
            cursor = page.next_cursor
            if not cursor:
                break
        names = {t["name"] for t in tools}
        need(not (missing := [n for n in REQUIRED_TOOLS if n not in names]), f"tools/list lacks {missing}")
        need(not (bare := sorted(t["name"] for t in tools if not t.get("annotations"))),
             f"tools without annotations: {bare}")

        step("b. write without intent is refused")
        res = await call(session, T_CREATE, CREATE_ARGS, expect_error=True)
        need(T_SET_INTENT in text_of(res), f"{T_CREATE} without intent: error does not mention {T_SET_INTENT}: "
                                           f"{text_of(res)!r}")

        step("c. set intent, read session info")
        await call(session, T_SET_INTENT, {"intent": INTENT})
        info = (await call(session, T_SESSION_INFO, {}))["structuredContent"]
        branch = info.get(K_BRANCH)
        need(isinstance(branch, str) and re.fullmatch(rf"{re.escape(username)}-[a-z0-9]{{8}}", branch),
             f"{T_SESSION_INFO}: {K_BRANCH}={branch!r} does not match {username}-<8 of [a-z0-9]>: {info}")
        need(info.get(K_INTENT) == INTENT, f"{T_SESSION_INFO}: {K_INTENT}={info.get(K_INTENT)!r}, want {INTENT!r}")

        step("d. create ticket")
        created = (await call(session, T_CREATE, CREATE_ARGS))["structuredContent"]
        ticket_id = (created.get(K_TICKET) or {}).get(K_ID)
        need(isinstance(ticket_id, int), f"{T_CREATE}: no integer {K_TICKET}.{K_ID} in {created}")

        step(f"e. follow-up on ticket {ticket_id}")
        await call(session, T_FOLLOWUP, {"ticket_id": ticket_id, "comment": FOLLOWUP_COMMENT, "public": False})

        step("f. update ticket (critical priority needs a confirmation bound to this exact call)")
        update_args = {"ticket_id": ticket_id, "priority": "critical", "title": UPDATED_TITLE}
        pending = (await call(session, T_UPDATE, update_args))["structuredContent"]
        need(pending.get("status") == "confirmation_required" and pending.get("confirmation_token"),
             f"{T_UPDATE} to critical: expected status confirmation_required with a token, got {pending}")
        changes = {c.get("field"): c for c in (pending.get("preview") or {}).get("changes", [])}
        need(changes.get("priority", {}).get("after") == "critical",
             f"{T_UPDATE}: preview does not show priority -> critical: {pending.get('preview')}")
        await call(session, T_UPDATE, {**update_args, "confirmation_token": pending["confirmation_token"]})

        step("g. get ticket")
        got = (await call(session, T_GET, {"ticket_id": ticket_id, "response_format": "json"}))["structuredContent"]
        ticket = got.get(K_TICKET) or {}
        need(unmark(ticket.get(K_TITLE)) == UPDATED_TITLE, f"{T_GET}: {K_TITLE}={ticket.get(K_TITLE)!r}, want {UPDATED_TITLE!r}")
        need(ticket.get(K_PRIORITY) == 1 or "critical" in str(ticket.get(K_PRIORITY_NAME, "")).lower(),
             f"{T_GET}: priority not critical: {K_PRIORITY}={ticket.get(K_PRIORITY)!r}, "
             f"{K_PRIORITY_NAME}={ticket.get(K_PRIORITY_NAME)!r}")
        followups = ticket.get(K_FOLLOWUPS)
        need(isinstance(followups, list), f"{T_GET}: {K_TICKET}.{K_FOLLOWUPS} is not a list: {ticket}")
        need(any(TEMPLATE_TEXT in str(f.get(K_COMMENT, "")) for f in followups if isinstance(f, dict)),
             f"{T_GET}: no follow-up comment contains the literal {TEMPLATE_TEXT!r} (substituted?): {followups}")

        step("h. finish session")
        fin = (await call(session, T_FINISH, {}))["structuredContent"]
        need(fin.get(K_BRANCH) == branch, f"{T_FINISH}: {K_BRANCH}={fin.get(K_BRANCH)!r}, want {branch!r}")
        succeeded = (fin.get(K_WRITES) or {}).get(K_SUCCEEDED)
        need(isinstance(succeeded, int) and succeeded >= 3,
             f"{T_FINISH}: {K_WRITES}.{K_SUCCEEDED}={succeeded!r}, want >= 3: {fin}")
        return {"ok": True, "ticket_id": ticket_id, "branch": branch, "intent": INTENT}


def leaf_errors(exc):
    """Flatten anyio's exception groups to the errors that matter."""
    if isinstance(exc, BaseExceptionGroup):
        return [leaf for sub in exc.exceptions for leaf in leaf_errors(sub)]
    return [exc]


def main():
    argv = sys.argv[1:]
    extra = argv[argv.index("--") + 1:] if "--" in argv else []
    argv = argv[:argv.index("--")] if "--" in argv else argv
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--binary", required=True, help="path of the helpdesk-operator binary")
    args = ap.parse_args(argv)

    def fail(message):
        print(f"[acceptance] FAILED: {message}", file=sys.stderr, flush=True)
        print(json.dumps({"ok": False, "error": message}), flush=True)
        return 1

    if not (os.path.isfile(args.binary) and os.access(args.binary, os.X_OK)):
        return fail(f"--binary {args.binary!r} is not an executable file")
    username = os.environ.get(USERNAME_ENV)
    if not username:
        return fail(f"{USERNAME_ENV} is not set (the server and the branch check need it)")
    try:
        outcome = anyio.run(scenario, args.binary, extra, username)
    except BaseException as exc:  # noqa: BLE001 - every failure must be reported, never swallowed
        leaves = leaf_errors(exc)
        fails = [e for e in leaves if isinstance(e, Fail)]
        if isinstance(exc, KeyboardInterrupt):
            return fail("interrupted")
        return fail("; ".join(str(e) for e in fails) if fails else
                    "; ".join(f"{type(e).__name__}: {e}" for e in leaves))
    print(json.dumps(outcome), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
