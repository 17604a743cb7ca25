"""Dolt-free imitation of the dolthub/django-helpdesk fork's agent-session endpoints.

Shapes, status codes and messages follow the fork's helpdesk/views/api.py. Differences, on purpose:
- "agent" means membership of the Django group `agents` (the fork uses UserSettings.is_agent);
- the branch name is created by these views on first use (the fork's middleware also runs
  `CALL dolt_branch`/`dolt_checkout`; no Dolt here);
- finishing records a FinishedAgentSession row instead of `CALL FinishSession(branch, intent)`.
Session authentication only (as in the fork's demo), so DRF enforces CSRF on the POSTs.
"""
import secrets
import string

from django.contrib.auth import logout
from rest_framework.authentication import SessionAuthentication
from rest_framework.decorators import api_view, authentication_classes, permission_classes
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response

from .models import FinishedAgentSession

AGENT_GROUP = "agents"
INTENT_MAX_LEN = 512
_BRANCH_ALPHABET = string.ascii_lowercase + string.digits


def _error(status, error, message):
    return Response({"error": error, "message": message}, status=status)


def _not_agent(request):
    if request.user.groups.filter(name=AGENT_GROUP).exists():
        return None
    return _error(403, "Not an agent user", "This endpoint is only available for agent users.")


def _branch_name(request):
    """`<username>-<8 chars of [a-z0-9]>`, created in the HTTP session on first use."""
    if "branch_name" not in request.session:
        suffix = "".join(secrets.choice(_BRANCH_ALPHABET) for _ in range(8))
        request.session["branch_name"] = f"{request.user.username}-{suffix}"
    return request.session["branch_name"]


def _session_key(request):
    # DB-backed sessions: the real key (the fork reports `cookie_<uid>_<branch>` for signed cookies).
    if request.session.session_key is None:
        request.session.save()
    return request.session.session_key


def _agent_view(methods):
    def wrap(func):
        func = permission_classes([IsAuthenticated])(func)
        func = authentication_classes([SessionAuthentication])(func)
        return api_view(methods)(func)

    return wrap


@_agent_view(["GET"])
def agent_session_info(request):
    if (denied := _not_agent(request)) is not None:
        return denied
    branch_name = _branch_name(request)
    return Response(
        {
            "user_id": request.user.id,
            "username": request.user.username,
            "is_agent": True,
            "branch_name": branch_name,
            "intent": request.session.get("intent"),
            "session_key": _session_key(request),
            "session_available": True,
            "authentication_method": "session",
        }
    )


@_agent_view(["POST"])
def set_agent_intent(request):
    if (denied := _not_agent(request)) is not None:
        return denied
    data = request.data if hasattr(request.data, "get") else {}
    intent = data.get("intent")
    if intent is None:
        return _error(400, "Intent required", "The intent field is required.")
    if not isinstance(intent, str):
        return _error(400, "Invalid intent type", "Intent must be a string.")
    if len(intent) > INTENT_MAX_LEN:
        return _error(400, "Intent too long", f"Intent must be {INTENT_MAX_LEN} characters or less.")
    branch_name = _branch_name(request)
    request.session["intent"] = intent
    return Response(
        {
            "success": True,
            "message": "Intent set successfully",
            "intent": intent,
            "user_id": request.user.id,
            "username": request.user.username,
            "branch_name": branch_name,
            "session_key": _session_key(request),
        }
    )


@_agent_view(["POST"])
def finish_agent_session(request):
    if (denied := _not_agent(request)) is not None:
        return denied
    branch_name = _branch_name(request)
    intent = request.session.get("intent")
    session_key = _session_key(request)
    try:
        FinishedAgentSession.objects.create(
            branch_name=branch_name, intent=intent, username=request.user.username
        )
    except Exception as exc:  # the fork answers 500 only for failures outside its stored procedure
        return _error(500, "Session finish failed", f"Error during session cleanup: {exc}")
    request.session.pop("branch_name", None)
    request.session.pop("intent", None)
    body = {
        "success": True,
        "message": "Session finished successfully",
        "user_id": request.user.id,
        "username": request.user.username,
        "session_key": session_key,
        "branch_name": branch_name,
        "intent": intent,
    }
    logout(request)
    return Response(body)
