from django.urls import path

from . import views

urlpatterns = [
    path("api/agent-session-info/", views.agent_session_info, name="agent_session_info"),
    path("api/set-agent-intent/", views.set_agent_intent, name="set_agent_intent"),
    path("api/finish-agent-session/", views.finish_agent_session, name="finish_agent_session"),
]
