from django.contrib import admin

from notifications.models import Notification


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    """The letters that could not be sent: «Письмо» = «Не отправлено», with the error."""

    list_display = ("created_at", "recipient", "kind", "text", "read_at", "email_state", "email_attempts")
    list_filter = ("email_state", "kind")
    search_fields = ("text", "recipient__username")
    raw_id_fields = ("recipient",)
    readonly_fields = ("email_error",)
