"""(c) JSON list APIs: gkmlpt-style /gkmlpt/api/all/<category>?page=N&sid=… found from the column
page, or an explicit template (registry ``list_api`` / ``-a api=…``) with ``{page}``."""
from .base import ReportSpider


class JSONListSpider(ReportSpider):
    name = "jsonapi"
    platform = "json"
    list_readers = ("json", "anchors")
    # what tells a JSON-API list (crawler.registry.fingerprint): gkmlpt and its config object
    fingerprint = (r"/gkmlpt/", r"window\._CONFIG", r"/api/all/\d+")
