"""What the reports keep of the past: a daily snapshot of «Заполненность» by responsible manager, so
that the home page can say how it changed (nothing else keeps a past figure)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from crm.models import Run


class CompletenessSnapshot(Run):
    """One day's «Заполненность» by manager, taken by the beat's job (reports.jobs) through crm.runs;
    its lines are written in the run's transaction, so a failed run leaves none."""

    job = "reports.take_completeness_snapshot"

    day = models.DateField(_("День"), unique=True)

    class Meta(Run.Meta):
        verbose_name = _("Снимок заполненности")

    def __str__(self) -> str:
        return str(self.day)

    def may_retry(self, user) -> bool:
        return False  # the beat takes the next day's; nobody runs a past day again


class CompletenessFigure(models.Model):
    """A manager's line of a snapshot: reports.completeness.figures.Counts as they were that day.
    The responsible is kept as a plain id: a line of history outlives a deleted user."""

    snapshot = models.ForeignKey(CompletenessSnapshot, on_delete=models.CASCADE, related_name="figures")
    responsible_id = models.IntegerField(null=True)
    clients = models.PositiveIntegerField(default=0)
    score_sum = models.PositiveBigIntegerField(default=0)
    complete = models.PositiveIntegerField(default=0)
    below_half = models.PositiveIntegerField(default=0)
    not_scored = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["snapshot", "responsible_id"], name="completeness_figure_once")]

    def __str__(self) -> str:
        return f"{self.snapshot_id}: {self.responsible_id}"
