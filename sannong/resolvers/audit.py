"""The audit log, for the admins of a region."""

from typing import Any

import strawberry

from sannong.auth import ADMIN_ROLES, require_role
from sannong.context import Context
from sannong.resolvers.notices import region_path_of
from sannong.rules.audit import audit_scope
from sannong.types.audit import AuditEntry, AuditFilter
from sannong.types.common import Connection


@strawberry.type
class AuditQuery:
    @strawberry.field(
        description="Admins: every admin action and refusal in a region they administer "
        "(default their own), newest first"
    )
    async def audit_log(
        self,
        info: strawberry.Info[Context],
        filter: AuditFilter | None = None,
        first: int | None = None,
        after: str | None = None,
    ) -> Connection[AuditEntry]:
        context = info.context
        viewer = require_role(await context.viewer(), *ADMIN_ROLES)
        filter = filter or AuditFilter()
        path = None if filter.region_id is None else await region_path_of(info, filter.region_id)
        query: dict[str, Any] = {"path": audit_scope(viewer, path)}
        if filter.action is not None:
            query["action"] = filter.action.value
        if filter.outcome is not None:
            query["outcome"] = filter.outcome.value
        # indexes audit_log(path, [action | outcome,] _id)
        return await Connection[AuditEntry].find(
            context.db.audit_log, query, AuditEntry.from_doc, first=first, after=after
        )
