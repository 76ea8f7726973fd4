"""Import: read Markdown banks in any supported dialect into the store."""

from archqa.importer.pipeline import FileResult, ImportReport, import_paths, read_file_questions

__all__ = ["FileResult", "ImportReport", "import_paths", "read_file_questions"]
