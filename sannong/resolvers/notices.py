"""Township notices: admins publish, edit and withdraw; residents read and confirm."""

from collections.abc import AsyncGenerator, Iterable
from typing import Annotated

import strawberry
from strawberry import relay
from strawberry.file_uploads import Upload
from strawberry.types.nodes import SelectedField, Selection

from sannong.context import Context
from sannong.integrations.events import Event, Topic
from sannong.loaders.notices import ReceiptsByReader
from sannong.resolvers.inputs import read_files, region_path_of
from sannong.rules import notices as rules
from sannong.rules.audit import AuditAction
from sannong.rules.fanout import Pace
from sannong.rules.finance import LineDraft, StatementDraft
from sannong.rules.notices import NoticeCategory, NoticeDraft, NoticeSearch, Uploads
from sannong.types.common import Connection, mutation, node_key, object_key
from sannong.types.notices import (
    AcknowledgeNoticeInput,
    FinanceStatementInput,
    MarkNoticeReadInput,
    Notice,
    NoticePayload,
    NoticeStats,
    PublishNoticeInput,
    UpdateNoticeInput,
    VillageNoticeStats,
    WithdrawNoticeInput,
)


def _statement(input: FinanceStatementInput | None) -> StatementDraft | None:
    if input is None:
        return None
    return StatementDraft(
        period=input.period,
        lines=[
            LineDraft(kind=x.kind, category=x.category, item=x.item, amount=x.amount, note=x.note)
            for x in input.lines
        ],
        income_total=input.income_total,
        expense_total=input.expense_total,
    )


def _draft(input: PublishNoticeInput | UpdateNoticeInput) -> NoticeDraft:
    return NoticeDraft(
        category=input.category,
        title=input.title,
        body=input.body,
        pinned=input.pinned,
        expires_at=input.expires_at,
        requires_ack=input.requires_ack,
        statement=_statement(input.statement),
    )


async def _uploads(info: strawberry.Info[Context], files: list[Upload] | None) -> Uploads:
    settings = info.context.settings
    return Uploads(
        files=await read_files(files, settings.notice_attachment_max_bytes),
        limit=settings.notice_attachments,
        max_bytes=settings.notice_attachment_max_bytes,
    )


_RECEIPT_FIELDS = frozenset({"read", "acknowledged"})


def _selects(selections: Iterable[Selection], names: frozenset[str]) -> bool:
    """Whether any field of these names is selected, at any depth, fragments included."""
    return any(
        (isinstance(selection, SelectedField) and selection.name in names)
        or _selects(selection.selections, names)
        for selection in selections
    )


@strawberry.type
class NoticeQuery:
    @strawberry.field(
        description="Notices for a region (default: the viewer's village): its own and those "
        "of every region above it, pinned first, then newest; expired ones only when asked"
    )
    async def notices(
        self,
        info: strawberry.Info[Context],
        region_id: relay.GlobalID | None = None,
        category: NoticeCategory | None = None,
        unread_only: bool | None = False,
        include_expired: bool | None = False,
        within_region: Annotated[
            bool | None,
            strawberry.argument(
                description="Instead: every notice addressed to the region or inside it (admins)"
            ),
        ] = False,
        first: int | None = None,
        after: str | None = None,
    ) -> Connection[Notice]:
        context = info.context
        viewer = await context.viewer()
        path: list[str] | tuple[str, ...] | None = None
        if region_id is not None:
            path = await region_path_of(info, region_id)
        elif viewer is not None:
            path = viewer.region_path
        search = NoticeSearch(
            region_path=path,
            category=category,
            unread_only=bool(unread_only),
            include_expired=bool(include_expired),
            within_region=bool(within_region),
        )
        # The reader's receipts, asked for alongside the page when its read flags are
        # selected: each flag's load (`Notice.read`) then finds it in, so the plans answer it
        # without waiting a turn. The same one command as before (the loader's), only sooner.
        receipts = None
        if viewer is not None and _selects(info.selected_fields, _RECEIPT_FIELDS):
            receipts = ReceiptsByReader.of(context).load(viewer.id)
        page = await rules.browse_notices(context, viewer, search, first=first, after=after)
        if receipts is not None:
            await receipts
        return Connection[Notice].from_page(page, Notice.from_doc)

    @strawberry.field(description="Admins: residents, readers and confirmations per village")
    async def notice_stats(
        self, info: strawberry.Info[Context], notice_id: relay.GlobalID
    ) -> NoticeStats:
        notice, scope, counts = await rules.notice_stats(
            info.context.db,
            await info.context.viewer(),
            object_key(notice_id, "Notice", "noticeId"),
        )
        return NoticeStats(
            notice=Notice.from_doc(notice),
            villages=[
                VillageNoticeStats(
                    residents=c.residents,
                    read=c.read,
                    acknowledged=c.acknowledged,
                    village_code=c.village_id,
                )
                for c in counts
            ],
            region_code=scope,
        )


@strawberry.type
class NoticeMutation:
    @mutation(
        "Admins: publish to a county, township or village of their region "
        "(attachments as multipart uploads)",
        audit=AuditAction.PUBLISH_NOTICE,
    )
    async def publish_notice(
        self, info: strawberry.Info[Context], input: PublishNoticeInput
    ) -> NoticePayload:
        context = info.context
        doc = await rules.publish_notice(
            context,
            context.services.photos,
            await context.viewer(),
            region_code=node_key(input.region_id, "Region", "regionId"),
            draft=_draft(input),
            uploads=await _uploads(info, input.attachments),
            sms=input.send_sms,
            pace=Pace.from_settings(context.settings),
        )
        return NoticePayload(notice=Notice.from_doc(doc))

    @mutation(
        "Admins: a new version of a notice; the one it replaces stays in its history",
        audit=AuditAction.UPDATE_NOTICE,
    )
    async def update_notice(
        self, info: strawberry.Info[Context], input: UpdateNoticeInput
    ) -> NoticePayload:
        context = info.context
        doc = await rules.update_notice(
            context.db,
            context.services.photos,
            await context.viewer(),
            object_key(input.notice_id, "Notice", "noticeId"),
            draft=_draft(input),
            note=input.note,
            uploads=await _uploads(info, input.add_attachments),
            remove_attachment_keys=list(input.remove_attachment_keys or []),
        )
        return NoticePayload(notice=Notice.from_doc(doc))

    @mutation(
        "Admins: withdraw a notice with a reason; it stays readable, marked withdrawn",
        audit=AuditAction.WITHDRAW_NOTICE,
    )
    async def withdraw_notice(
        self, info: strawberry.Info[Context], input: WithdrawNoticeInput
    ) -> NoticePayload:
        doc = await rules.withdraw_notice(
            info.context.db,
            await info.context.viewer(),
            object_key(input.notice_id, "Notice", "noticeId"),
            input.reason,
        )
        return NoticePayload(notice=Notice.from_doc(doc))

    @mutation("The viewer has opened a notice (the first time counts)")
    async def mark_notice_read(
        self, info: strawberry.Info[Context], input: MarkNoticeReadInput
    ) -> NoticePayload:
        doc = await rules.mark_notice_read(
            info.context.db,
            await info.context.viewer(),
            object_key(input.notice_id, "Notice", "noticeId"),
        )
        return NoticePayload(notice=Notice.from_doc(doc))

    @mutation("A resident confirms a notice that asks for it")
    async def acknowledge_notice(
        self, info: strawberry.Info[Context], input: AcknowledgeNoticeInput
    ) -> NoticePayload:
        doc = await rules.acknowledge_notice(
            info.context.db,
            await info.context.viewer(),
            object_key(input.notice_id, "Notice", "noticeId"),
        )
        return NoticePayload(notice=Notice.from_doc(doc))


@strawberry.type
class NoticeSubscription:
    @strawberry.subscription(
        description="Notices as they are published for a region: to it or any region above it"
    )
    async def notice_published(
        self, info: strawberry.Info[Context], region_id: relay.GlobalID
    ) -> AsyncGenerator[Notice]:
        path = await region_path_of(info, region_id)

        async def load(event: Event) -> Notice | None:
            (notice,) = await Notice.resolve_nodes(info=info, node_ids=[str(event.ids[0])])
            return notice

        async for notice in info.context.follow([(Topic.NOTICES, code) for code in path], load):
            yield notice
