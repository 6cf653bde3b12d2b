class MarksInvalidFieldsMixin:
    """Adds Bootstrap's is-invalid to the widgets of fields that failed validation, so the user
    sees at a glance which box to fix."""

    def full_clean(self) -> None:
        super().full_clean()
        for name in self.errors:
            if name in self.fields:
                widget = self.fields[name].widget
                widget.attrs["class"] = f"{widget.attrs.get('class', '')} is-invalid".strip()
