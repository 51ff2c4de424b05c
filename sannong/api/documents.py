"""Trusted documents: the app's own operations, hashed at build time.

A client sends `{"documentId": "sha256:<hex>", "variables": {...}}` (POST) or
`?documentId=sha256:<hex>&variables=...` (GET) instead of the query text: a
short request on a weak network, and, with `SANNONG_TRUSTED_DOCUMENTS_ONLY=1`,
the only operations a public deployment runs. The manifest is a JSON object
`{"sha256:<hex>": "query ..."}`; every entry is checked against its hash on load.
"""

import hashlib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import orjson
from cross_web import HTTPException


def document_id(query: str) -> str:
    return "sha256:" + hashlib.sha256(query.encode()).hexdigest()


class TrustedDocuments:
    def __init__(self, documents: Mapping[str, str], *, only: bool = False) -> None:
        for key, query in documents.items():
            if document_id(query) != key:
                raise ValueError(f"trusted document {key} does not match its text")
        self.documents = dict(documents)
        self.only = only

    @classmethod
    def load(cls, path: Path | None, *, only: bool = False) -> "TrustedDocuments":
        documents = orjson.loads(path.read_bytes()) if path is not None else {}
        return cls(documents, only=only)

    def resolve(self, data: Any) -> Any:
        """The request with `documentId` replaced by its query; refuses what is not allowed."""
        if not isinstance(data, dict):
            return data
        key = data.get("documentId")
        if key is None:
            if self.only and data.get("query") is not None:
                raise HTTPException(400, "只接受已登记的查询文档 (documentId)")
            return data
        if not isinstance(key, str) or key not in self.documents:
            raise HTTPException(400, "未知的查询文档 ID")
        if data.get("query") not in (None, self.documents[key]):
            raise HTTPException(400, "documentId 与 query 不一致")
        return {**data, "query": self.documents[key]}
