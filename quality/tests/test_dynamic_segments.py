"""The wizard's «Настройка отбора» offers dynamic segments, and step 3 looks at their clients now."""

from django.http import QueryDict

from clients.models import Segment
from clients.services.segments import create_segment
from quality import services


def test_step3_with_a_dynamic_segment_looks_at_its_clients_now(base, email_run):
    segment = create_segment(name="Класс A", kind=Segment.Kind.DYNAMIC, query="abc_class=A")
    offered = [label for _value, label in services.filterset(email_run).form.fields["segments"].choices]
    assert "Класс A (по отбору)" in offered
    email_run.filter_query = f"segments={segment.pk}"
    assert [c.name for c in services.clients_in_selection(email_run)] == ["Бета", "Гамма"]
    base["delta"].abc_class = "A"
    base["delta"].save()
    assert [c.name for c in services.clients_in_selection(email_run)] == ["Бета", "Гамма", "Дельта"]


def test_a_segment_whose_filter_went_wrong_is_an_error_at_step2_not_the_whole_base(base, email_run):
    segment = create_segment(name="Класс A", kind=Segment.Kind.DYNAMIC, query="abc_class=A")
    Segment.objects.filter(pk=segment.pk).update(query="abc_class=Q")
    chosen = services.filterset(email_run, data=QueryDict(f"segments={segment.pk}"))
    assert not chosen.is_valid()
    assert "Отбор сегмента «Класс A» задан неверно" in str(chosen.form.errors["segments"])
