from sannong.loaders import ManyByField
from sannong.loaders.shared import SharedById


class RegionById(SharedById):
    object_ids = False
    collection = "regions"


class RegionsByParent(ManyByField):
    collection = "regions"
    field = "parentId"  # index regions(parentId, _id)
