"""archive.db: schema (explicit migrations), loaders, build, Chinese search, data dictionary,
Datasette serving and exports. Everything here is derived from the WARC captures."""
