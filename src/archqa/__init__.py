"""archqa: generate, validate and practise software-architecture interview questions.

The public API is what ``__all__`` lists; everything else is private. Names are
imported on first use, so `archqa --help` and `import archqa` stay fast.
"""

import importlib as _importlib
from typing import TYPE_CHECKING as _TYPE_CHECKING
from typing import Any as _Any

if _TYPE_CHECKING:
    from archqa.errors import (
        ArchqaError,
        BackendError,
        BlueprintError,
        ConfigError,
        ExportError,
        GraderError,
        InputError,
        StoreError,
    )
    from archqa.export import Exporter, ExportOptions, export_set, load_source, register_exporter
    from archqa.formats.house import ParsedDocument, read_document, read_set, read_text_document, write_set
    from archqa.formats.readers import register_reader
    from archqa.generate import GeneratedSet, load_bank
    from archqa.importer import import_paths
    from archqa.llm.backend import register_backend
    from archqa.model import (
        BibEntry,
        Blueprint,
        CodeExample,
        Diagram,
        Difficulty,
        GlossaryEntry,
        MetricRow,
        Provenance,
        Question,
        QuestionSet,
        Tool,
        Topic,
        TradeOffRow,
    )
    from archqa.practice import Grader, register_grader
    from archqa.store import Store
    from archqa.validate import (
        Finding,
        Report,
        Severity,
        ValidationConfig,
        register_rule,
        validate_document,
        validate_file,
        validate_text,
    )

_LAZY: dict[str, str] = {
    "ArchqaError": "archqa.errors",
    "BackendError": "archqa.errors",
    "BibEntry": "archqa.model",
    "Blueprint": "archqa.model",
    "BlueprintError": "archqa.errors",
    "CodeExample": "archqa.model",
    "ConfigError": "archqa.errors",
    "Diagram": "archqa.model",
    "Difficulty": "archqa.model",
    "ExportError": "archqa.errors",
    "ExportOptions": "archqa.export",
    "Exporter": "archqa.export",
    "Finding": "archqa.validate",
    "GlossaryEntry": "archqa.model",
    "InputError": "archqa.errors",
    "StoreError": "archqa.errors",
    "MetricRow": "archqa.model",
    "ParsedDocument": "archqa.formats.house",
    "Provenance": "archqa.model",
    "Question": "archqa.model",
    "QuestionSet": "archqa.model",
    "Report": "archqa.validate",
    "Severity": "archqa.validate",
    "Tool": "archqa.model",
    "Topic": "archqa.model",
    "TradeOffRow": "archqa.model",
    "ValidationConfig": "archqa.validate",
    "export_set": "archqa.export",
    "load_source": "archqa.export",
    "read_document": "archqa.formats.house",
    "read_set": "archqa.formats.house",
    "read_text_document": "archqa.formats.house",
    "register_backend": "archqa.llm.backend",
    "register_exporter": "archqa.export",
    "register_rule": "archqa.validate",
    "validate_document": "archqa.validate",
    "validate_file": "archqa.validate",
    "validate_text": "archqa.validate",
    "write_set": "archqa.formats.house",
    "GraderError": "archqa.errors",
    "Grader": "archqa.practice",
    "register_grader": "archqa.practice",
    "GeneratedSet": "archqa.generate",
    "load_bank": "archqa.generate",
    "Store": "archqa.store",
    "import_paths": "archqa.importer",
    "register_reader": "archqa.formats.readers",
}

__version__ = "0.1.0"

__all__ = [
    "ArchqaError",
    "BibEntry",
    "BackendError",
    "BlueprintError",
    "Blueprint",
    "CodeExample",
    "ConfigError",
    "Diagram",
    "Difficulty",
    "ExportError",
    "ExportOptions",
    "Exporter",
    "Finding",
    "GlossaryEntry",
    "InputError",
    "MetricRow",
    "ParsedDocument",
    "Provenance",
    "Question",
    "QuestionSet",
    "Report",
    "Severity",
    "StoreError",
    "Tool",
    "Topic",
    "TradeOffRow",
    "ValidationConfig",
    "__version__",
    "export_set",
    "load_source",
    "read_document",
    "read_set",
    "read_text_document",
    "register_backend",
    "register_exporter",
    "register_rule",
    "validate_document",
    "validate_file",
    "validate_text",
    "write_set",
    "GraderError",
    "Grader",
    "register_grader",
    "GeneratedSet",
    "load_bank",
    "Store",
    "import_paths",
    "register_reader",
]


def __getattr__(name: str) -> _Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'archqa' has no attribute {name!r}")
    value = getattr(_importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY))
