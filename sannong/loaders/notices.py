from collections.abc import Sequence
from typing import Any

from bson import ObjectId

from sannong.loaders import ById, Loader


class NoticeById(ById):
    collection = "notices"


type ReceiptKey = tuple[ObjectId, ObjectId]  # (reader, notice)


class ReceiptByReaderAndNotice(Loader[ReceiptKey, dict[str, Any] | None]):
    """A reader's receipts of the notices on a page: one query per reader (usually one)."""

    async def batch_load(self, keys: Sequence[ReceiptKey]) -> Sequence[dict[str, Any] | None]:
        found: dict[ReceiptKey, dict[str, Any]] = {}
        for reader in {reader for reader, _ in keys}:
            notices = list({notice for who, notice in keys if who == reader})
            # index notice_reads(userId, noticeId)
            receipts = self.db.notice_reads.find({"userId": reader, "noticeId": {"$in": notices}})
            async for receipt in receipts:
                found[(reader, receipt["noticeId"])] = receipt
        return [found.get(key) for key in keys]
