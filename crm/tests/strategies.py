"""Hypothesis strategies for generated bad input (issue 13): form data and query strings that mix
what the page itself sends with hostile values, and the checks every generated example shares.

A target opens its page once (crm.testing.opened_form), and `mutated(base)` draws, per example, what
the browser would send with some fields kept, some replaced by a hostile value, some dropped, some
sent twice, and a few unknown ones added. `each_example()` runs one example in a savepoint that is
rolled back, so that examples do not pile up; `Snapshot` says whether a refused form changed
anything."""

from __future__ import annotations

import contextlib
import os
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping, Sequence

from django.db import transaction
from django.db.models import Model
from hypothesis import HealthCheck, event, settings
from hypothesis import strategies as st

EXAMPLES = int(os.environ.get("GENERATED_EXAMPLES", "1000"))  # fewer only while writing a test
# Derandomized: the same examples every run, so that a failure is reproducible from the test's name.
GENERATED = settings(
    max_examples=EXAMPLES,
    deadline=None,
    database=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large],
)

NUMBERS = [
    "0",
    "-1",
    "-0.01",
    "1.5",
    "1,5",
    "1 000,50",
    "0.001",
    "1e3",
    "1e309",
    "-1e309",
    "NaN",
    "nan",
    "Infinity",
    "-inf",
    "99999999999999999999",
    "-99999999999999999999",
    "9" * 40,
    "9223372036854775808",
    "2147483648",
    "0x10",
    "١٢٣",  # Arabic-Indic digits
    "１２３",  # full-width digits
    "1_000",
    "+5",
    "--5",
    ".",
    "-",
]
DATES = [
    "9999-12-31",
    "0001-01-01",
    "1899-12-31",
    "2101-01-01",
    "10000-01-01",
    "31.12.9999",
    "01.01.0001",
    "31.02.2024",
    "29.02.2023",
    "2024-13-01",
    "00.00.0000",
    "2024-02-30",
    "32.01.2025",
    "1.1.25",
    "2025-01-01T25:61",
    "-2025-01-01",
    "31/12/2025",
    "сегодня",
]
TEXTS = [
    "",
    " ",
    "\t\r\n",
    "\x00",
    "a\x00b",
    "\x01\x02\x1b\x7f",
    "\u200b\u200e\u202e",
    "\ufeff",
    "=1+1",
    "+7(999)",
    "-2+3",
    "@SUM(A1:A2)",
    '=HYPERLINK("http://x","y")',
    "<script>alert(1)</script>",
    "' OR 1=1 --",
    "%s%s%n",
    "{{ 7*7 }}",
    "../../etc/passwd",
    "я" * 300,
    "x" * 5000,
    "🙂" * 100,
    "Ромашка",
    "on",
    "true",
    "None",
    "[]",
]
INNS = ["7707083893", "7707083894", "500100732259", "500100732258", "0000000000", "123", "77070838931", "ИНН"]
KPPS = ["773601001", "12345678", "1234567890", "ABCDEFGHI", "77360100A", "000000000"]
PHONES = ["+79161234567", "+7", "8(999)", "1" * 40, "+7 916 123-45-67 доб. 12", "телефон"]
EMAILS = ["a@b.ru", "a@", "@b.ru", "a@b", "a b@c.ru", "x" * 300 + "@x.ru", "a@b..ru", "a@b.ru,c@d.ru"]
UNKNOWN_IDS = [
    "999999999",
    "-1",
    "0",
    "1.0",
    "abc",
    str(2**31),
    str(2**63),
    "1 2",
    "00000000-0000-0000-0000-000000000000",
]

surrogate_free_text = st.text(st.characters(blacklist_categories=("Cs",)), max_size=40)


def hostile(ids: Sequence[object] = ()) -> st.SearchStrategy[str]:
    """One hostile value: a number, date, text, ИНН/КПП, phone, e-mail or id that a form must
    refuse (or take) without a 500; `ids` adds the ids the test knows (others' objects among them)."""
    pools = [NUMBERS, DATES, TEXTS, INNS, KPPS, PHONES, EMAILS, UNKNOWN_IDS]
    strategies = [st.sampled_from(pool) for pool in pools]
    strategies.append(surrogate_free_text)
    strategies.append(st.integers(min_value=-(2**70), max_value=2**70).map(str))
    strategies.append(st.floats(allow_nan=True, allow_infinity=True).map(str))
    strategies.append(st.dates().map(lambda d: d.strftime("%d.%m.%Y")) | st.dates().map(str))
    if ids:
        strategies.append(st.sampled_from([str(i) for i in ids]))
    return st.one_of(strategies)


Value = str | list[str]
ACTIONS = ["choice", "hostile", "hostile", "drop", "repeat"]


def mutated(
    base: Mapping[str, Value],
    *,
    ids: Sequence[object] = (),
    choices: Mapping[str, Sequence[str]] | None = None,
    extra_names: Sequence[str] = (),
    most: int = 4,
) -> st.SearchStrategy[dict[str, Value]]:
    """Form data drawn from `base` (what the page sends as it is): up to `most` of its fields
    replaced by a hostile value or by one of their `choices` (valid values the test names),
    dropped, or sent twice; then up to two unknown or `extra_names` fields added. The rest is sent
    as the page would, so that an example is refused for what it changed, or accepted."""
    choices = choices or {}
    value = hostile(ids)
    names = list(base)

    def edit(name: str) -> st.SearchStrategy[tuple[str, Value | None]]:
        good = st.sampled_from(list(choices[name])) if choices.get(name) else None
        replacement = (good | value) if good is not None else value

        def act(action: str) -> st.SearchStrategy[Value | None]:
            if action == "choice":
                return good if good is not None else value
            if action == "hostile":
                return value
            if action == "drop":
                return st.none()
            return st.tuples(replacement, replacement).map(list)

        return st.sampled_from(ACTIONS).flatmap(act).map(lambda v: (name, v))

    edits = st.lists(st.sampled_from(names).flatmap(edit), max_size=most, unique_by=lambda pair: pair[0])
    unknown = st.sampled_from([*extra_names, "x", "id", "pk"])
    additions = st.lists(st.tuples(unknown, value), max_size=2)

    def assemble(drawn) -> dict[str, Value]:
        changes, added = drawn
        data = dict(base)
        for name, v in changes:
            if v is None:
                data.pop(name, None)
            else:
                data[name] = v
        for name, v in added:
            data.setdefault(name, v)
        return data

    return st.tuples(edits, additions).map(assemble)


def query_strings(names: Iterable[str], ids: Sequence[object] = ()) -> st.SearchStrategy[list[tuple[str, str]]]:
    """A list's query string as pairs: its own parameter names (and the frame's: page, per_page,
    sort, columns, q, period dates, export, print), each with a hostile or plausible value,
    repeated names included."""
    names = sorted({*names, "page", "per_page", "sort", "columns", "q", "period_after", "period_before"})
    plausible = st.sampled_from(["1", "2", "25", "200", "-name", "name", "-date", "amount", "xlsx", "today", "yes"])
    value = plausible | hostile(ids)
    return st.lists(st.tuples(st.sampled_from(names), value), max_size=8)


@contextlib.contextmanager
def each_example() -> Iterator[None]:
    """One example in a savepoint, rolled back afterwards whatever happened."""
    with transaction.atomic():
        try:
            yield
        finally:
            transaction.set_rollback(True)


class Snapshot:
    """The row counts of `models` and the stored state of `rows`, to say whether a refused form
    changed anything."""

    def __init__(self, models: Iterable[type[Model]], rows: Iterable[Model] = ()):
        self.models = list(models)
        self.rows = list(rows)
        self.before = self.take()

    def take(self) -> tuple[dict[str, int], list[dict]]:
        counts = {model._meta.label: model._default_manager.count() for model in self.models}
        states = [type(row)._default_manager.filter(pk=row.pk).values().first() for row in self.rows]
        return counts, states

    def assert_unchanged(self, context: object = "") -> None:
        after = self.take()
        assert after[0] == self.before[0], f"rows changed by a refused request {context}: {self.before[0]} → {after[0]}"
        assert after[1] == self.before[1], f"a row changed by a refused request {context}"


def last(data: Mapping[str, Value], name: str, default: str = "") -> str:
    """The value Django reads for `name` (QueryDict.get: the last one sent)."""
    value = data.get(name, default)
    if isinstance(value, list):
        return value[-1] if value else default
    return value


# The answers of this process by form and status, for a look at what the examples reached.
ANSWERS: Counter[str] = Counter()


def assert_answered(response, context: object = "", *, label: str = "") -> None:
    """No server error: a page, a redirect, a refusal or a form error are all answers. `label`
    counts the answers by form and status (pytest --hypothesis-show-statistics)."""
    if label:
        event(f"{label}: {response.status_code}")
        ANSWERS[f"{label}: {response.status_code}"] += 1
    assert response.status_code < 500, f"{response.status_code} for {context}"


def offered_choices(html: str | bytes, form_id: str = "") -> dict[str, list[str]]:
    """The values each select and radio/checkbox group of a form (or of the whole page) offers:
    valid choices for `mutated`, read from the page as the browser gets it."""
    from lxml import html as lxml_html

    page = lxml_html.fromstring(html)
    root = page.get_element_by_id(form_id) if form_id else page
    offered: dict[str, list[str]] = {}
    for select in root.iter("select"):
        if select.get("name"):
            offered.setdefault(select.get("name"), []).extend(
                o.get("value", o.text or "") for o in select.iter("option")
            )
    for box in root.iter("input"):
        if box.get("name") and box.get("type") in ("checkbox", "radio"):
            offered.setdefault(box.get("name"), []).append(box.get("value", "on"))
    return offered


def form_names(html: str | bytes) -> set[str]:
    """Every control name of every form on the page (a list's filter, its «Колонки»)."""
    from lxml import html as lxml_html

    page = lxml_html.fromstring(html)
    return {c.get("name") for c in page.iter("input", "select", "textarea") if c.get("name")} - {"csrfmiddlewaretoken"}
