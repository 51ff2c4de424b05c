from sannong.loaders import ById


class ListingById(ById):
    collection = "listings"
