from sannong.loaders import ById


class FeedbackById(ById):
    collection = "feedback"
