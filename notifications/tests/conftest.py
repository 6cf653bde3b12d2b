import pytest

from notifications.tests.smtp import SMTPServer


@pytest.fixture
def smtp(settings):
    """A real SMTP server on loopback, and the project's mail sent to it through Django's SMTP
    backend (the worker thread reads the same settings)."""
    with SMTPServer() as server:
        settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
        settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", server.port
        settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
        settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
        settings.EMAIL_TIMEOUT = 5
        yield server.mailbox
