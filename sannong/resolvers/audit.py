"""The audit log, for the admins of a region."""

import strawberry

from sannong.auth import ADMIN_ROLES, require_role
from sannong.context import Context
from sannong.resolvers.inputs import region_path_of
from sannong.rules import audit as rules
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
        region = filter.region_id
        page = await rules.audit_log(
            context.db,
            viewer,
            None if region is None else await region_path_of(info, region),
            filter.action,
            filter.outcome,
            first=first,
            after=after,
        )
        return Connection[AuditEntry].from_page(page, AuditEntry.from_doc)
