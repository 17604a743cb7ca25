from django.apps import AppConfig


class AgentSessionsConfig(AppConfig):
    name = "agent_sessions"
    default_auto_field = "django.db.models.BigAutoField"
