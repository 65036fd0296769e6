"""Pages' forms as models (a route takes `Annotated[SomeForm, Form()]`).

Every field is text as typed, never refused here: the service judges it, and the page
shows its refusal at the field in the person's language with what was typed kept (a
validation error here could only answer JSON). The CSRF token is read by the access
dependency (snicert.web.access), so the models leave it out.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Form
from pydantic import BaseModel, ConfigDict


class PageForm(BaseModel):
    model_config = ConfigDict(extra="ignore")

    def typed(self) -> dict[str, str]:
        """What was typed, to fill the form again."""
        return {k: v for k, v in self.model_dump(by_alias=True).items() if isinstance(v, str)}


class ReasonForm(PageForm):
    reason: str = ""


class NoteForm(PageForm):
    note: str = ""


class FieldsForm(PageForm):
    """A form whose field names come from data (a checklist's parameters, a product's
    seals, the auditors, the roles...): every text field as sent, in `fields`."""

    model_config = ConfigDict(extra="allow")

    @property
    def fields(self) -> dict[str, str]:
        # a name sent twice counts once, its last value (as Starlette's FormData reads it)
        sent = {k: v[-1] if isinstance(v, list) else v for k, v in (self.model_extra or {}).items()}
        return {k: v for k, v in sent.items() if isinstance(v, str)}

    def typed(self) -> dict[str, str]:
        return {**self.fields, **super().typed()}


# Where a model cannot declare a form's fields, its route takes them all.
Fields = Annotated[FieldsForm, Form()]
