"""urls_plain plus a Dolt-free imitation of the dolthub fork's agent-session endpoints.

The agent_sessions routes come first so they win over anything under helpdesk's api/ prefix.
"""
from agent_sessions.urls import urlpatterns as agent_session_patterns

from .urls_plain import urlpatterns as plain_patterns

urlpatterns = [*agent_session_patterns, *plain_patterns]
