from rest_framework.pagination import CursorPagination


class IdCursorPagination(CursorPagination):
    """Pages by the row's id: a row added or removed meanwhile never shifts a page."""

    ordering = "id"
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200
