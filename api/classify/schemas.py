"""`POST /api/v1/classify` bodies: one text or up to 256; answers in the Classification shape."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StrictStr, model_validator

from models.contract import Classification

MAX_TEXT_BYTES = 65_536
MAX_TEXTS = 256

# Not stripped: PII offsets index the text exactly as submitted.
Text = Annotated[StrictStr, Field(min_length=1, description="message text, at most 64 kB")]


class ClassifyRequest(BaseModel):
    """Exactly one of `text` or `texts`."""

    model_config = ConfigDict(extra="forbid")

    text: Text | None = None
    texts: list[Text] | None = Field(default=None, min_length=1, max_length=MAX_TEXTS)

    @model_validator(mode="after")
    def _one_of(self) -> ClassifyRequest:
        if (self.text is None) == (self.texts is None):
            raise ValueError("send exactly one of 'text' or 'texts'")
        for value in self.all_texts():
            if not value.strip():
                raise ValueError("a text is empty or only whitespace")
        return self

    def all_texts(self) -> list[str]:
        return [self.text] if self.text is not None else list(self.texts or [])


class ClassifyBatchResponse(BaseModel):
    results: list[Classification]
