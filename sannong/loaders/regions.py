from sannong.loaders import ById, ManyByField


class RegionById(ById):
    collection = "regions"


class RegionsByParent(ManyByField):
    collection = "regions"
    field = "parentId"  # index regions(parentId, _id)
