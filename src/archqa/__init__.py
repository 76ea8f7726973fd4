"""archqa: generate, validate and practise software-architecture interview questions.

The public API is what ``__all__`` lists; everything else is private.
"""

from archqa.errors import ArchqaError, BlueprintError, ConfigError, InputError
from archqa.formats.house import ParsedDocument, read_document, read_set, read_text_document, write_set
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

__version__ = "0.1.0"

__all__ = [
    "ArchqaError",
    "BibEntry",
    "BlueprintError",
    "Blueprint",
    "CodeExample",
    "ConfigError",
    "Diagram",
    "Difficulty",
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
    "Tool",
    "Topic",
    "TradeOffRow",
    "ValidationConfig",
    "__version__",
    "read_document",
    "read_set",
    "read_text_document",
    "register_rule",
    "validate_document",
    "validate_file",
    "validate_text",
    "write_set",
]
