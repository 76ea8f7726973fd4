"""Importing this module registers archqa's built-in exporters (through register_exporter).

Imported once, by ``archqa/export/__init__.py``; the registry in ``base.py`` never imports it.
"""

from archqa.export.anki import AnkiExporter
from archqa.export.base import register_exporter
from archqa.export.html import HtmlExporter
from archqa.export.interviewer import InterviewerExporter
from archqa.export.json import JsonExporter
from archqa.export.markdown import MarkdownExporter

register_exporter("anki", AnkiExporter)
register_exporter("html", HtmlExporter)
register_exporter("interviewer", InterviewerExporter)
register_exporter("json", JsonExporter)
register_exporter("md", MarkdownExporter)
