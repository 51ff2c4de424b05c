"""The longest text every argument and input field accepts, checked before any work.

Each `String` argument and input field of the schema has its maximum here, by its
schema coordinate; other scalars that arrive as text (`ID`, `Decimal`, dates) have
one maximum per scalar. A test fails when a new field has none. The maxima bound
the work a request can cause (segmenting, hashing, parsing); they are wider than
the rules' own limits, so a little too long still gets the friendly `userErrors`
of the rule (`TOO_LONG`), and far too long is refused with BAD_USER_INPUT before
anything runs:

    listings(filter: { text: "<1 MB>" })   →  "text 过长，最多 200 个字符"
"""

from collections.abc import Iterator, Mapping
from typing import Any

from graphql import (
    FloatValueNode,
    GraphQLInputObjectType,
    GraphQLInputType,
    GraphQLInterfaceType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLScalarType,
    GraphQLSchema,
    IntValueNode,
    ListValueNode,
    ObjectValueNode,
    StringValueNode,
    ValueNode,
    VariableNode,
    get_named_type,
)

SHORT = 100  # names, phones, passwords, units, keys
LINE = 500  # titles, reasons, notes, search text
TEXT = 5_000  # descriptions, alert texts
ARTICLE = 200_000  # an article body (its rule allows 50 000 characters)
CURSOR = 256  # a signed pagination cursor is about 110

TEXT_MAXIMA: Mapping[str, int] = {
    # arguments
    "Query.search(text:)": LINE,
    "Query.articles(after:)": CURSOR,
    "Query.latestPrices(after:)": CURSOR,
    "Query.listings(after:)": CURSOR,
    "Query.users(after:)": CURSOR,
    "Query.listingReports(after:)": CURSOR,
    "Query.myOrders(after:)": CURSOR,
    "Query.myNotifications(after:)": CURSOR,
    # accounts
    "RegisterInput.phone": SHORT,
    "RegisterInput.password": SHORT,
    "RegisterInput.name": SHORT,
    "LoginInput.phone": SHORT,
    "LoginInput.password": SHORT,
    "UpdateProfileInput.name": SHORT,
    "UpdateProfileInput.currentPassword": SHORT,
    "UpdateProfileInput.newPassword": SHORT,
    # regions
    "CreateRegionInput.code": SHORT,
    "CreateRegionInput.name": SHORT,
    "RenameRegionInput.name": SHORT,
    # information
    "PublishArticleInput.title": LINE,
    "PublishArticleInput.summary": LINE,
    "PublishArticleInput.body": ARTICLE,
    "CreateAlertInput.title": LINE,
    "CreateAlertInput.body": TEXT,
    "CreateAlertInput.advice": TEXT,
    "ReportPricesInput.source": LINE,
    "PriceRowInput.unit": SHORT,
    # marketplace
    "ListingFilter.text": LINE,
    "UserFilter.text": SHORT,
    "ListingFilter.commodity": SHORT,
    "CreateListingInput.commodity": SHORT,
    "CreateListingInput.title": LINE,
    "CreateListingInput.unit": SHORT,
    "CreateListingInput.description": TEXT,
    "UpdateListingInput.commodity": SHORT,
    "UpdateListingInput.title": LINE,
    "UpdateListingInput.unit": SHORT,
    "UpdateListingInput.description": TEXT,
    "RemoveListingPhotoInput.photoKey": SHORT,
    "ReportListingInput.reason": LINE,
    "ModerateListingInput.reason": LINE,
    "PlaceOrderInput.idempotencyKey": SHORT,
    "PlaceOrderInput.note": LINE,
    "RespondToOrderInput.reason": LINE,
    "CancelOrderInput.reason": LINE,
    # experts and consultations
    "Query.consultationSlots(after:)": CURSOR,
    "Query.myConsultations(after:)": CURSOR,
    "Query.videoSessions(after:)": CURSOR,
    "Query.experts(after:)": CURSOR,
    "Query.questions(after:)": CURSOR,
    "QuestionFilter.crop": SHORT,
    "UpdateExpertProfileInput.organization": SHORT,
    "UpdateExpertProfileInput.title": SHORT,
    "UpdateExpertProfileInput.bio": TEXT,
    "AskQuestionInput.crop": SHORT,
    "AskQuestionInput.text": TEXT,
    "AnswerQuestionInput.text": TEXT,
    "CancelSlotInput.reason": LINE,
    "BookConsultationInput.topic": LINE,
    "BookConsultationInput.idempotencyKey": SHORT,
    "BookConsultationInput.description": TEXT,
    "BookConsultationInput.crop": SHORT,
    "CancelConsultationInput.reason": LINE,
    "CompleteConsultationInput.advice": TEXT,
    "RateConsultationInput.comment": LINE,
    "SendConsultationMessageInput.clientId": SHORT,
    "SendConsultationMessageInput.text": LINE,  # rule: 200
    "SendCallSignalInput.payload": 20_000,  # an SDP offer (rule: 16 000)
    "ScheduleVideoSessionInput.title": LINE,
    "ScheduleVideoSessionInput.topic": TEXT,
    "ScheduleVideoSessionInput.streamUrl": LINE,
    "ScheduleVideoSessionInput.crops": SHORT,
    "SetVideoSessionReplayInput.replayUrl": LINE,
    # notices, feedback, audit
    "Query.notices(after:)": CURSOR,
    "Query.feedback(after:)": CURSOR,
    "Query.auditLog(after:)": CURSOR,
    "Query.similarFeedback(text:)": LINE,  # the start of a ticket is enough to match on
    "PublishNoticeInput.title": LINE,
    "PublishNoticeInput.body": ARTICLE,
    "UpdateNoticeInput.title": LINE,
    "UpdateNoticeInput.body": ARTICLE,
    "UpdateNoticeInput.note": LINE,
    "UpdateNoticeInput.removeAttachmentKeys": SHORT,
    "WithdrawNoticeInput.reason": LINE,
    "FinanceStatementInput.period": SHORT,
    "FinanceLineInput.category": SHORT,
    "FinanceLineInput.item": SHORT,
    "FinanceLineInput.note": LINE,
    "SubmitFeedbackInput.text": TEXT,
    "ReplyToFeedbackInput.text": TEXT,
    "RateFeedbackInput.comment": LINE,
}
SCALAR_MAXIMA: Mapping[str, int] = {
    "ID": 200,  # a base64 global ID of a type name and an ObjectId or region code
    "Decimal": 40,
    "Date": 40,
    "DateTime": 64,
}
# Types that never carry text: nothing to check.
_NOT_TEXT = frozenset({"Int", "Float", "Boolean", "Upload"})


def carries_text(type_: GraphQLInputType) -> bool:
    named = get_named_type(type_)
    if isinstance(named, GraphQLScalarType):
        return named.name not in _NOT_TEXT
    return isinstance(named, GraphQLInputObjectType)


def maximum(coordinate: str, type_: GraphQLInputType) -> int | None:
    """The declared maximum of a text position; None when its type is not text."""
    named = get_named_type(type_)
    if not isinstance(named, GraphQLScalarType) or named.name in _NOT_TEXT:
        return None
    if named.name == "String":
        return TEXT_MAXIMA.get(coordinate, SHORT)  # the schema test keeps this table complete
    return SCALAR_MAXIMA.get(named.name, SHORT)


def first_overlong(value: Any, type_: GraphQLInputType, coordinate: str) -> tuple[str, int] | None:
    """The first text inside a runtime value (a variable) longer than its position allows,
    as (field name, maximum); the value is walked along its declared type."""
    if value is None or not carries_text(type_):
        return None
    if isinstance(type_, GraphQLNonNull):
        return first_overlong(value, type_.of_type, coordinate)
    if isinstance(type_, GraphQLList):
        items = value if isinstance(value, list) else [value]
        for item in items:
            if found := first_overlong(item, type_.of_type, coordinate):
                return found
        return None
    if isinstance(type_, GraphQLInputObjectType):
        if not isinstance(value, dict):
            return None  # coercion reports the wrong shape
        for name, item in value.items():
            field = type_.fields.get(name)
            if field is not None and (
                found := first_overlong(item, field.type, f"{type_.name}.{name}")
            ):
                return found
        return None
    limit = maximum(coordinate, type_)
    if limit is not None and isinstance(value, str) and len(value) > limit:
        return _field_name(coordinate), limit
    return None


def first_overlong_literal(
    node: ValueNode, type_: GraphQLInputType, coordinate: str, variables: Mapping[str, Any]
) -> tuple[str, int] | None:
    """The same for a value written in the document, where variables may stand for parts."""
    if isinstance(node, VariableNode):
        return first_overlong(variables.get(node.name.value), type_, coordinate)
    if not carries_text(type_):
        return None
    if isinstance(type_, GraphQLNonNull):
        return first_overlong_literal(node, type_.of_type, coordinate, variables)
    if isinstance(type_, GraphQLList):
        items = node.values if isinstance(node, ListValueNode) else (node,)
        for item in items:
            if found := first_overlong_literal(item, type_.of_type, coordinate, variables):
                return found
        return None
    if isinstance(type_, GraphQLInputObjectType):
        if not isinstance(node, ObjectValueNode):
            return None
        for field_node in node.fields:
            name = field_node.name.value
            field = type_.fields.get(name)
            if field is not None and (
                found := first_overlong_literal(
                    field_node.value, field.type, f"{type_.name}.{name}", variables
                )
            ):
                return found
        return None
    limit = maximum(coordinate, type_)
    written = isinstance(node, StringValueNode | IntValueNode | FloatValueNode)
    if limit is not None and written and len(node.value) > limit:  # type: ignore[attr-defined]
        return _field_name(coordinate), limit  # numbers too: `minPrice: 999…9` is text to parse
    return None


def _field_name(coordinate: str) -> str:
    """`Query.search(text:)` → `text`; `ListingFilter.text` → `text`."""
    if coordinate.endswith(":)"):
        return coordinate[coordinate.index("(") + 1 : -2]
    return coordinate.rpartition(".")[2]


def text_positions(schema: GraphQLSchema) -> Iterator[str]:
    """Coordinates of every `String` argument and input field of the schema."""
    for name, type_ in schema.type_map.items():
        if name.startswith("__"):
            continue
        if isinstance(type_, GraphQLObjectType | GraphQLInterfaceType):
            for field_name, field in type_.fields.items():
                for arg_name, arg in field.args.items():
                    if get_named_type(arg.type).name == "String":
                        yield f"{name}.{field_name}({arg_name}:)"
        elif isinstance(type_, GraphQLInputObjectType):
            for field_name, field in type_.fields.items():
                if get_named_type(field.type).name == "String":
                    yield f"{name}.{field_name}"
