"""For `datasette archive.db -m metadata.yml --plugins-dir crawler/web/datasette_plugins`."""
from crawler.web.plugin import capture, prepare_connection, register_routes, render_cell  # noqa: F401
# facets of unfiltered pages from the build's counts (table facet_counts)
from crawler.web.facets import register_facet_classes  # noqa: F401

# the report page (/-/report/<id>) is a plugin package of its own, with its templates
from datasette.plugins import pm  # noqa: E402

from crawler.web import home, report_page  # noqa: E402

if not pm.is_registered(report_page):
    pm.register(report_page, name="ogi-report-page")
if not pm.is_registered(home):  # the home page (/) and About (/-/about)
    pm.register(home, name="ogi-home")
