from django.db import models
from django.utils import timezone


class FinishedAgentSession(models.Model):
    """One row per POST /api/finish-agent-session/ (stands in for the fork's Dolt commit + PR row)."""

    branch_name = models.CharField(max_length=255)
    intent = models.TextField(null=True, blank=True)
    username = models.CharField(max_length=150)
    finished_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["id"]

    def __str__(self):
        return f"{self.branch_name} ({self.username})"
