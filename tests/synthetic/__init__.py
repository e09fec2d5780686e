"""Synthetic annual reports for round-trip property tests: `model.generate` draws consistent
numbers and a random layout (expected `values` and `raw` known for every field id); the renderers
turn a report into the bytes of an HTML page, a DOCX, a PDF or a text file."""
from .model import Report, generate

__all__ = ["Report", "generate"]
