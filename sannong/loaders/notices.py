from typing import Any, ClassVar

from sannong.loaders import ById, ManyByField


class NoticeById(ById):
    collection = "notices"


class ReceiptsByReader(ManyByField):
    """Every receipt of a reader, once per request: the page's read and acknowledged
    flags and the unread count all come from this one query."""

    collection = "notice_reads"
    field = "userId"  # index notice_reads(userId, noticeId)
    sort: ClassVar[list[tuple[str, int]]] = [("noticeId", 1)]
    projection: ClassVar[dict[str, Any] | None] = {
        "userId": 1,
        "noticeId": 1,
        "acknowledgedAt": 1,
    }
