"""Township notices: what admins publish, its history, finance statements and receipts."""

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any, Self

import strawberry
from strawberry import relay
from strawberry.file_uploads import Upload

from sannong.loaders.notices import NoticeById, ReceiptsByReader
from sannong.media import attachment_url, thumbnail_url
from sannong.money import fen_to_yuan
from sannong.rules.finance import LineKind, category_totals, statement_warnings
from sannong.rules.notices import CATEGORY_LABELS, NoticeCategory, NoticeStatus
from sannong.types.accounts import User
from sannong.types.common import DocumentNode, UserError
from sannong.types.regions import Region

strawberry.enum(
    NoticeCategory,
    description="党务公开 村务公开 财务公开 惠农补贴 政策法规 通知公告 应急预警 就业招聘",
)
strawberry.enum(NoticeStatus, description="A withdrawn notice stays readable, marked withdrawn")
strawberry.enum(LineKind, name="FinanceLineKind", description="收入 or 支出")


@strawberry.type(description="A PDF or a photo attached to a notice")
class NoticeAttachment:
    key: str
    kind: str = strawberry.field(description="PDF or IMAGE")
    name: str = strawberry.field(description="The file's name as uploaded")
    size: int = strawberry.field(description="Bytes")
    width: int | None
    height: int | None

    @classmethod
    def from_doc(cls, doc: dict[str, Any]) -> Self:
        return cls(
            key=doc["key"],
            kind=doc["kind"],
            name=doc["name"],
            size=doc["size"],
            width=doc.get("width"),
            height=doc.get("height"),
        )

    @strawberry.field
    def url(self) -> str:
        return attachment_url(self.kind, self.key)

    @strawberry.field(description="Photos only")
    def thumbnail_url(self) -> str | None:
        return thumbnail_url(self.key) if self.kind == "IMAGE" else None


@strawberry.type(description="One income or expense line of a finance statement")
class FinanceLine:
    kind: LineKind
    category: str = strawberry.field(description="科目, e.g. 公益支出; 其他… lines are watched")
    item: str
    amount: Decimal = strawberry.field(description="Yuan")
    note: str | None


@strawberry.type(description="A category's sum: one bar or slice of the chart")
class FinanceCategoryTotal:
    kind: LineKind
    category: str
    amount: Decimal
    percent: float = strawberry.field(description="Of its side's total")


@strawberry.type(description="What the app shows beside a statement: e.g. 其他 above 5 %")
class FinanceWarning:
    line_index: int
    message: str
    percent: float


def _percent(share: Decimal) -> float:
    return float((share * 100).quantize(Decimal("0.01")))


@strawberry.type(description="财务公开: line items with totals checked by the server")
class FinanceStatement:
    period: str
    doc: strawberry.Private[dict[str, Any]]

    @strawberry.field
    def lines(self) -> list[FinanceLine]:
        return [
            FinanceLine(
                kind=LineKind(line["kind"]),
                category=line["category"],
                item=line["item"],
                amount=fen_to_yuan(line["amountFen"]),
                note=line.get("note"),
            )
            for line in self.doc["lines"]
        ]

    @strawberry.field(description="Sum of the income lines, yuan")
    def income_total(self) -> Decimal:
        return fen_to_yuan(self.doc["incomeTotalFen"])

    @strawberry.field(description="Sum of the expense lines, yuan")
    def expense_total(self) -> Decimal:
        return fen_to_yuan(self.doc["expenseTotalFen"])

    @strawberry.field(description="Income minus expense, yuan")
    def balance(self) -> Decimal:
        return fen_to_yuan(self.doc["incomeTotalFen"] - self.doc["expenseTotalFen"])

    @strawberry.field(description="Sums per category, for a chart")
    def by_category(self) -> list[FinanceCategoryTotal]:
        return [
            FinanceCategoryTotal(
                kind=t.kind,
                category=t.category,
                amount=fen_to_yuan(t.amount_fen),
                percent=_percent(t.share),
            )
            for t in category_totals(self.doc)
        ]

    @strawberry.field(description="Each 其他 line above 5 % of its side's total")
    def warnings(self) -> list[FinanceWarning]:
        return [
            FinanceWarning(line_index=w.line_index, message=w.message, percent=_percent(w.share))
            for w in statement_warnings(self.doc)
        ]


def _statement(doc: dict[str, Any] | None) -> FinanceStatement | None:
    return None if doc is None else FinanceStatement(period=doc["period"], doc=doc)


@strawberry.type(description="An earlier version of a notice, as readers saw it then")
class NoticeRevision:
    version: int
    title: str
    body: str
    category: NoticeCategory
    pinned: bool
    requires_ack: bool
    expires_at: datetime | None
    published_at: datetime = strawberry.field(description="When this version was published")
    note: str | None = strawberry.field(description="The edit's explanation, if any")
    doc: strawberry.Private[dict[str, Any]]

    @strawberry.field
    def attachments(self) -> list[NoticeAttachment]:
        return [NoticeAttachment.from_doc(a) for a in self.doc.get("attachments") or []]

    @strawberry.field
    def statement(self) -> FinanceStatement | None:
        return _statement(self.doc.get("statement"))

    @strawberry.field(description="Who published this version")
    async def editor(self, info: strawberry.Info) -> User | None:
        return await User.load(info, self.doc.get("by"))


@strawberry.type(description="A notice (政务公开) to a county, township or village")
class Notice(DocumentNode):
    loader = NoticeById

    key: relay.NodeID[str]
    title: str
    summary: str
    body: str = strawberry.field(description="Sanitized HTML")
    category: NoticeCategory
    status: NoticeStatus
    pinned: bool
    requires_ack: bool = strawberry.field(description="Residents are asked to confirm it")
    expires_at: datetime | None
    published_at: datetime
    version: int = strawberry.field(description="1 when never edited")
    revised_at: datetime | None = strawberry.field(description="修改于…: the last edit")
    revision_note: str | None
    withdrawn_at: datetime | None
    withdraw_reason: str | None
    sms: bool = strawberry.field(description="Residents were also told by SMS")
    doc: strawberry.Private[dict[str, Any]]

    @classmethod
    def from_doc(cls, doc: dict[str, Any]) -> Self:
        return cls(
            key=str(doc["_id"]),
            title=doc["title"],
            summary=doc["summary"],
            body=doc["body"],
            category=NoticeCategory(doc["category"]),
            status=NoticeStatus(doc["status"]),
            pinned=doc["pinned"],
            requires_ack=doc["requiresAck"],
            expires_at=doc.get("expiresAt"),
            published_at=doc["publishedAt"],
            version=doc["version"],
            revised_at=doc.get("revisedAt"),
            revision_note=doc.get("revisionNote"),
            withdrawn_at=doc.get("withdrawnAt"),
            withdraw_reason=doc.get("withdrawReason"),
            sms=doc.get("sms", False),
            doc=doc,
        )

    @strawberry.field(description="E.g. 财务公开")
    def category_label(self) -> str:
        return CATEGORY_LABELS[self.category]

    @strawberry.field(description="Past its expiry: hidden from lists unless asked for")
    def expired(self) -> bool:
        return self.expires_at is not None and self.expires_at <= datetime.now(UTC)

    @strawberry.field(description="The region it is addressed to")
    async def region(self, info: strawberry.Info) -> Region | None:
        return await Region.load(info, self.doc["regionId"])

    @strawberry.field(description="The admin who published it")
    async def author(self, info: strawberry.Info) -> User | None:
        return await User.load(info, self.doc.get("authorId"))

    @strawberry.field
    def attachments(self) -> list[NoticeAttachment]:
        return [NoticeAttachment.from_doc(a) for a in self.doc.get("attachments", [])]

    @strawberry.field(description="财务公开 only: the statement with checked totals")
    def statement(self) -> FinanceStatement | None:
        return _statement(self.doc.get("statement"))

    @strawberry.field(description="Every earlier version, oldest first (查看历史)")
    async def revisions(self, info: strawberry.Info) -> list[NoticeRevision]:
        doc = self.doc
        if "revisions" not in doc:  # lists leave them out: loaded when asked for
            doc = await NoticeById.of(info.context).load(doc["_id"]) or doc
        return [
            NoticeRevision(
                version=r["version"],
                title=r["title"],
                body=r["body"],
                category=NoticeCategory(r["category"]),
                pinned=r["pinned"],
                requires_ack=r["requiresAck"],
                expires_at=r.get("expiresAt"),
                published_at=r["at"],
                note=r.get("note"),
                doc=r,
            )
            for r in doc.get("revisions", [])
        ]

    async def _receipt(self, info: strawberry.Info) -> dict[str, Any] | None:
        viewer = await info.context.viewer()
        if viewer is None:
            return None
        return self._own(await ReceiptsByReader.of(info.context).load(viewer.id))

    def _own(self, receipts: list[dict[str, Any]]) -> dict[str, Any] | None:
        return next((r for r in receipts if r["noticeId"] == self.doc["_id"]), None)

    @strawberry.field(description="The viewer has opened it (null when signed out)")
    async def read(self, info: strawberry.Info) -> bool | None:
        if await info.context.viewer() is None:
            return None
        return await self._receipt(info) is not None

    @strawberry.field(description="The viewer has confirmed it (null when signed out)")
    async def acknowledged(self, info: strawberry.Info) -> bool | None:
        if await info.context.viewer() is None:
            return None
        receipt = await self._receipt(info)
        return receipt is not None and receipt.get("acknowledgedAt") is not None


@strawberry.type(description="Read and acknowledged counts of one village")
class VillageNoticeStats:
    residents: int
    read: int
    acknowledged: int
    village_code: strawberry.Private[str]

    @strawberry.field
    async def village(self, info: strawberry.Info) -> Region | None:
        return await Region.load(info, self.village_code)


@strawberry.type(description="Who has read and confirmed a notice, per village")
class NoticeStats:
    notice: Notice
    villages: list[VillageNoticeStats]
    region_code: strawberry.Private[str]

    @strawberry.field(description="The region counted: the notice's, or the admin's inside it")
    async def region(self, info: strawberry.Info) -> Region | None:
        return await Region.load(info, self.region_code)

    @strawberry.field
    def residents(self) -> int:
        return sum(v.residents for v in self.villages)

    @strawberry.field
    def read(self) -> int:
        return sum(v.read for v in self.villages)

    @strawberry.field
    def acknowledged(self) -> int:
        return sum(v.acknowledged for v in self.villages)


@strawberry.type
class NoticePayload:
    notice: Notice | None = None
    user_errors: list[UserError] = strawberry.field(default_factory=list)

    @strawberry.field(
        description="The signed-in person after the change: a reader's unread count comes "
        "back with the read or confirmation that changed it"
    )
    async def me(self, info: strawberry.Info) -> User | None:
        # The app writes the count from here instead of fetching it again (one round trip
        # less on a slow link, and no moment without a count on the screen).
        viewer = await info.context.viewer()
        return None if viewer is None else await User.load(info, viewer.id)


@strawberry.input
class FinanceLineInput:
    kind: LineKind
    category: str = strawberry.field(description="科目, e.g. 经营收入, 公益支出, 其他支出")
    item: str
    amount: Decimal = strawberry.field(description="Yuan, > 0")
    note: str | None = None


@strawberry.input
class FinanceStatementInput:
    period: str = strawberry.field(description="E.g. 2026 年第三季度")
    lines: list[FinanceLineInput]
    income_total: Decimal = strawberry.field(description="As on the paper statement: checked")
    expense_total: Decimal = strawberry.field(description="As on the paper statement: checked")


@strawberry.input
class PublishNoticeInput:
    region_id: relay.GlobalID = strawberry.field(description="A county, township or village")
    category: NoticeCategory
    title: str
    body: str = strawberry.field(description="HTML; scripts, styles and handlers are removed")
    pinned: bool = False
    expires_at: datetime | None = None
    requires_ack: bool = False
    send_sms: bool = strawberry.field(default=False, description="Also an SMS to each resident")
    statement: FinanceStatementInput | None = None
    attachments: list[Upload] | None = strawberry.field(
        default=None, description="Multipart upload; PDF, JPEG, PNG or WebP, ≤ 10 MB each, ≤ 5"
    )


@strawberry.input
class UpdateNoticeInput:
    notice_id: relay.GlobalID
    category: NoticeCategory | None = None
    title: str | None = None
    body: str | None = None
    pinned: bool | None = None
    expires_at: datetime | None = None
    requires_ack: bool | None = None
    statement: FinanceStatementInput | None = None
    note: str | None = strawberry.field(default=None, description="Why it was changed")
    add_attachments: list[Upload] | None = None
    remove_attachment_keys: list[str] | None = None


@strawberry.input
class WithdrawNoticeInput:
    notice_id: relay.GlobalID
    reason: str


@strawberry.input
class MarkNoticeReadInput:
    notice_id: relay.GlobalID


@strawberry.input
class AcknowledgeNoticeInput:
    notice_id: relay.GlobalID
