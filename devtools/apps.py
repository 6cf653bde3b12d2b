from django.apps import AppConfig


class DevtoolsConfig(AppConfig):
    """The developers' tools: `seed_demo`, `bench`, `check_pages`, `bench_move`, `bench_generation`,
    the seeders of the demo data set (devtools/seed/) and the bench scenarios (devtools/bench/).
    Last in INSTALLED_APPS and imported by nothing: it reads every app, no app reads it."""

    name = "devtools"
