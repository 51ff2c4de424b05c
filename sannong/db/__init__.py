from bson import ObjectId


def object_id(key: str) -> ObjectId | None:
    """The ObjectId a string names, or None: a malformed key then simply finds nothing."""
    return ObjectId(key) if ObjectId.is_valid(key) else None
