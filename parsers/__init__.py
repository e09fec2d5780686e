"""Parsers: bytes of a published report -> fields of the national format. No Scrapy here."""
