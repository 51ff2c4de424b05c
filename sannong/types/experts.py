"""Experts: their profiles, and the photo type experts' domains share."""

from datetime import datetime
from typing import Any, Self

import strawberry
from strawberry import relay

from sannong.loaders.experts import ExpertById
from sannong.media import photo_url, thumbnail_url
from sannong.rules.experts import Specialty, rating_average
from sannong.types.accounts import User
from sannong.types.common import DocumentNode, UserError
from sannong.types.regions import Region

__all__ = ["Specialty"]

strawberry.enum(
    Specialty,
    description="植物保护、土壤肥料、畜牧兽医、水产养殖、果树蔬菜、农业机械、农业经济",
)


@strawberry.type(description="A photo (WebP, EXIF removed) of a question or a booking")
class Photo:
    key: str
    width: int
    height: int

    @strawberry.field(description="Up to 1600 px on the longest side")
    def url(self) -> str:
        return photo_url(self.key)

    @strawberry.field(description="Up to 320 px, for lists")
    def thumbnail_url(self) -> str:
        return thumbnail_url(self.key)

    @classmethod
    def many(cls, docs: list[dict[str, Any]]) -> list[Self]:
        return [cls(key=p["key"], width=p["width"], height=p["height"]) for p in docs]


@strawberry.type(description="Stars given by farmers after consultations")
class Rating:
    average: float = strawberry.field(description="1–5, two decimals")
    count: int


@strawberry.type(description="An agricultural expert: what they know and where they serve")
class Expert(DocumentNode):
    loader = ExpertById

    key: relay.NodeID[str]  # the expert's user id
    specialties: list[Specialty]
    organization: str
    title: str = strawberry.field(description="E.g. 高级农艺师")
    bio: str
    answer_count: int
    consultation_count: int = strawberry.field(description="Consultations completed")
    updated_at: datetime
    doc: strawberry.Private[dict[str, Any]]

    @classmethod
    def from_doc(cls, doc: dict[str, Any]) -> Self:
        return cls(
            key=str(doc["_id"]),
            specialties=[Specialty(s) for s in doc["specialties"]],
            organization=doc["organization"],
            title=doc["title"],
            bio=doc["bio"],
            answer_count=doc.get("answerCount", 0),
            consultation_count=doc.get("consultationCount", 0),
            updated_at=doc["updatedAt"],
            doc=doc,
        )

    @strawberry.field(description="The account: name, village")
    async def user(self, info: strawberry.Info) -> User | None:
        return await User.load(info, self.doc["_id"])

    @strawberry.field
    async def name(self, info: strawberry.Info) -> str:
        user = await User.load(info, self.doc["_id"])
        return user.name if user else ""

    @strawberry.field(description="Regions served: questions from inside them are routed here")
    async def regions(self, info: strawberry.Info) -> list[Region]:
        return await Region.load_many(info, self.doc["regionIds"])

    @strawberry.field(description="None until the first rating")
    def rating(self) -> Rating | None:
        average = rating_average(self.doc)
        return None if average is None else Rating(average=average, count=self.doc["ratingCount"])


@strawberry.type
class ExpertPayload:
    expert: Expert | None = None
    user_errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.input(description="An expert's own profile; omitted fields stay as they are")
class UpdateExpertProfileInput:
    specialties: list[Specialty] | None = None
    organization: str | None = None
    title: str | None = None
    bio: str | None = None
    region_ids: list[relay.GlobalID] | None = strawberry.field(
        default=None, description="Regions served (any level), up to 20"
    )
