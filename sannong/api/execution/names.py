"""Argument and input field names converted once, not on every call.

Strawberry converts each argument's and input field's name to camel case again on every
call (`convert_arguments`); the names are the schema's, a few hundred. This subclasses
`NameConverter`, strawberry's documented way to change naming, so it needs no version
check.
"""

from strawberry.schema.name_converter import NameConverter


class RememberedNames(NameConverter):
    def __init__(self) -> None:
        super().__init__()
        self._converted: dict[str, str] = {}

    def apply_naming_config(self, name: str) -> str:
        found = self._converted.get(name)
        if found is None:
            found = self._converted[name] = super().apply_naming_config(name)
        return found
