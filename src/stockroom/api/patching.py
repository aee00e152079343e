"""PATCH semantics: only the fields sent change; null clears only fields that may be empty."""

from typing import Any

from pydantic import BaseModel

from stockroom.api.errors import ApiProblem


def patch_changes(body: BaseModel, nullable: set[str]) -> dict[str, Any]:
    sent = body.model_dump(exclude_unset=True, exclude={"version"})
    required = sorted(k for k, v in sent.items() if v is None and k not in nullable)
    if required:
        raise ApiProblem(422, "validation_error", f"cannot be null: {', '.join(required)}")
    return sent
