from sannong.loaders import ById


class AlertById(ById):
    collection = "alerts"
