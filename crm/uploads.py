"""The limits on a file a user uploads beside a document (a task's attachment, the scan of a client's
answer to an «Акт сверки»): its size and its type by extension, set in settings
(TASK_ATTACHMENT_MAX_BYTES, TASK_ATTACHMENT_EXTENSIONS); a refused file gets a message naming why."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext as _


def checked_upload(upload: UploadedFile) -> UploadedFile:
    """The upload, or a ValidationError saying what is wrong with it (for a form's clean_<field>)."""
    limit = settings.TASK_ATTACHMENT_MAX_BYTES
    if upload.size > limit:
        raise forms.ValidationError(
            _("Файл больше %(limit)s МБ: загрузите файл поменьше.") % {"limit": limit // (1024 * 1024)}
        )
    extension = upload.name.rsplit(".", 1)[-1].lower() if "." in upload.name else ""
    if extension not in settings.TASK_ATTACHMENT_EXTENSIONS:
        raise forms.ValidationError(
            _("Файлы «.%(ext)s» не принимаются. Можно: %(allowed)s.")
            % {"ext": extension or "?", "allowed": ", ".join(sorted(settings.TASK_ATTACHMENT_EXTENSIONS))}
        )
    return upload
