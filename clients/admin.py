from django.contrib import admin

from clients.models import BusinessRegion, Client, ContactInfoKind, Segment

admin.site.register(BusinessRegion)
admin.site.register(Segment)
admin.site.register(ContactInfoKind)


@admin.register(Client)
class ClientAdmin(admin.ModelAdmin):
    list_display = ("name", "kind", "inn", "responsible")
    search_fields = ("name", "inn")
    raw_id_fields = ("responsible",)
