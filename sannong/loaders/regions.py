from sannong.loaders import ById, ManyByField


class RegionById(ById):
    object_ids = False
    collection = "regions"


class RegionsByParent(ManyByField):
    collection = "regions"
    field = "parentId"  # index regions(parentId, _id)
