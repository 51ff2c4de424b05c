from sannong.loaders import ById, ManyByField


class ListingById(ById):
    collection = "listings"
    projection = {"holds": 0}  # noqa: RUF012 - the stock's bookkeeping, never shown


class OrderById(ById):
    collection = "orders"


class ReportsByListing(ManyByField):
    collection = "listing_reports"
    field = "listingId"  # index listing_reports(listingId, _id)
    sort = [("_id", -1)]  # noqa: RUF012 - newest first, as the admin reads them
