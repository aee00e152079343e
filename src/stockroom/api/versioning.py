"""Optimistic locking over HTTP: ``ETag``/``If-Match`` or a ``version`` field in the body."""

import re
from typing import Annotated

from fastapi import Header

from stockroom.api.errors import ApiProblem

IfMatch = Annotated[
    str | None,
    Header(max_length=100, description='The ETag you read, e.g. "3"; or send version'),
]

_ETAG = re.compile(r'^(?:W/)?"(\d{1,9})"$')


def etag(version: int) -> str:
    return f'"{version}"'


def sent_version(if_match: str | None, body_version: int | None) -> int | None:
    """The version the client says it read, from If-Match or the body; None if neither."""
    if if_match is None:
        return body_version
    match = _ETAG.match(if_match.strip())
    if match is None:
        raise ApiProblem(400, "bad_request", 'If-Match must be an ETag from this API, like "3"')
    version = int(match.group(1))
    if body_version is not None and body_version != version:
        raise ApiProblem(400, "bad_request", "If-Match and version disagree")
    return version


def required_version(if_match: str | None, body_version: int | None) -> int:
    """Updates must say which version they change, so no one overwrites unseen changes."""
    version = sent_version(if_match, body_version)
    if version is None:
        raise ApiProblem(
            428,
            "precondition_required",
            "send the version you read, as If-Match header or version field",
        )
    return version
