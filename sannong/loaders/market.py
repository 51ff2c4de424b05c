from sannong.loaders import ById


class ListingById(ById):
    collection = "listings"


class OrderById(ById):
    collection = "orders"
