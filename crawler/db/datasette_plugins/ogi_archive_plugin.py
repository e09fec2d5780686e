"""For `datasette archive.db -m metadata.yml --plugins-dir crawler/db/datasette_plugins`."""
from crawler.db.plugin import capture, prepare_connection, register_routes, render_cell  # noqa: F401
