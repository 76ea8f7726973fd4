"""Backend configuration: defaults < config file < environment < command-line flags.

The config file is TOML at ``$ARCHQA_CONFIG``, else ``$XDG_CONFIG_HOME/archqa/config.toml``,
else ``~/.config/archqa/config.toml``, with an ``[llm]`` table::

    [llm]
    backend = "openai"
    model = "gpt-4o-mini"
    base_url = "http://localhost:11434/v1"
    concurrency = 4
    max_tokens = 2048       # the longest reply; a full question is 800-1,300 tokens
    response_format = "auto"  # or "json_schema" (OpenAI, llama-server, vLLM, Ollama) or "json_object"
    price_input = 0.15      # USD per million prompt tokens
    price_output = 0.60     # USD per million completion tokens

Unknown keys are an error that names the file. The API key is read only from
the environment (``ARCHQA_API_KEY``, else ``OPENAI_API_KEY``): never from the
file, never printed, never stored.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from pydantic import BaseModel, ConfigDict, Field, SecretStr, ValidationError

from archqa.errors import ConfigError

KEY_VARIABLES = ("ARCHQA_API_KEY", "OPENAI_API_KEY")

ResponseFormat = Literal["auto", "json_schema", "json_object"]
"""How structured output is asked for: ``json_schema`` (OpenAI's form: OpenAI, llama-server, vLLM, Ollama),
``json_object`` (``{"type": "json_object", "schema": ...}``: llama-cpp-python's server), or ``auto``
(``json_schema`` first, then ``json_object`` when the server rejects it)."""


class LLMSettings(BaseModel):
    """The ``[llm]`` table of the config file (and what flags and environment override)."""

    model_config = ConfigDict(extra="forbid")

    backend: str = "openai"
    model: str | None = None
    base_url: str | None = None
    concurrency: int = Field(default=4, ge=1, le=64)
    timeout: float = Field(default=600.0, gt=0, description="seconds for one request (a CPU server needs minutes)")
    max_tokens: int = Field(default=2048, ge=64, le=65536, description="the longest reply, in tokens")
    response_format: ResponseFormat = "auto"
    max_repairs: int = Field(default=2, ge=0, le=10)
    retries: int = Field(default=4, ge=0, le=10)
    temperature: float = Field(default=0.2, ge=0, le=2)
    price_input: float | None = Field(default=None, ge=0, description="USD per million prompt tokens")
    price_output: float | None = Field(default=None, ge=0, description="USD per million completion tokens")
    cache: bool = True


class ConfigFile(BaseModel):
    """The whole config file. Unknown tables and keys are an error."""

    model_config = ConfigDict(extra="forbid")

    llm: LLMSettings = Field(default_factory=lambda: LLMSettings())


_SECRET_PARAMS = ("key", "token", "secret", "password", "auth", "sig")


def redact_url(url: str) -> str:
    """``url`` safe to print: a user name and password in it ('https://user:sk-...@host/v1') and the values of
    query parameters that look like credentials ('?api_key=...') become '***'."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return "(a malformed URL)"
    netloc = parts.netloc
    if "@" in netloc:
        netloc = "***@" + netloc.rsplit("@", 1)[1]
    query = parts.query
    if query:
        pairs = parse_qsl(query, keep_blank_values=True)
        query = urlencode(
            [(k, "***" if any(w in k.lower() for w in _SECRET_PARAMS) else v) for k, v in pairs], safe="*"
        )
    return urlunsplit((parts.scheme, netloc, parts.path, query, parts.fragment))


def url_secrets(url: str | None) -> list[str]:
    """The credentials written into a URL (password, user name, secret-looking query values), to scrub them
    from anything a server sends back."""
    if not url:
        return []
    try:
        parts = urlsplit(url)
    except ValueError:
        return [url]
    found = [x for x in (parts.password, parts.username) if x]
    found += [v for k, v in parse_qsl(parts.query) if v and any(w in k.lower() for w in _SECRET_PARAMS)]
    return found


class LLMConfig(LLMSettings):
    """Resolved settings plus the API key (a secret: excluded from dumps and reprs) and where things came from."""

    api_key: SecretStr | None = Field(default=None, exclude=True, repr=False)
    api_key_source: str | None = None
    config_path: str | None = None

    def describe(self) -> list[str]:
        """Human-readable settings for --dry-run; the key appears only as where it came from."""
        key = f"set (from {self.api_key_source})" if self.api_key_source else "not set"
        return [
            f"backend: {self.backend}",
            f"model: {self.model or '(none)'}",
            f"base URL: {redact_url(self.base_url) if self.base_url else '(OpenAI default)'}",
            f"API key: {key}",
            f"concurrency: {self.concurrency}, timeout: {self.timeout:g} s, max tokens: {self.max_tokens}, "
            f"max repairs: {self.max_repairs}, retries: {self.retries}, temperature: {self.temperature:g}",
            f"response format: {self.response_format}",
            f"config file: {self.config_path or '(none)'}",
        ]

    def backend_kwargs(self) -> dict[str, Any]:
        """Keyword configuration for :func:`archqa.llm.get_backend`."""
        return {
            "base_url": self.base_url,
            "api_key": self.api_key.get_secret_value() if self.api_key else None,
            "timeout": self.timeout,
            "retries": self.retries,
            "response_format": self.response_format,
        }


def config_path(env: Mapping[str, str] | None = None) -> tuple[Path, bool]:
    """The config file to read and whether the user named it explicitly ($ARCHQA_CONFIG)."""
    env = os.environ if env is None else env
    if env.get("ARCHQA_CONFIG"):
        return Path(env["ARCHQA_CONFIG"]).expanduser(), True
    base = env.get("XDG_CONFIG_HOME") or str(Path(env.get("HOME") or Path.home()) / ".config")
    return Path(base) / "archqa" / "config.toml", False


def read_config_file(path: Path, explicit: bool = True) -> LLMSettings | None:
    """Read the ``[llm]`` table of a config file; None when a default-location file does not exist."""
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        if explicit:
            raise ConfigError(
                f"{path}: config file not found (named by ARCHQA_CONFIG); fix the path or unset it"
            ) from None
        return None
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read the config file: {exc.strerror}") from None
    try:
        data = tomllib.loads(raw.decode("utf-8"))
    except UnicodeDecodeError:
        raise ConfigError(f"{path}: the config file is not UTF-8 text; re-save it as UTF-8") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}; see the README section on configuration") from None
    llm = data.get("llm")
    if isinstance(llm, dict) and "api_key" in llm:
        raise ConfigError(
            f"{path}: [llm] api_key is not read from the config file, so the key is not left in a dotfile; "
            "remove it and set ARCHQA_API_KEY (or OPENAI_API_KEY) in the environment"
        )
    try:
        return ConfigFile.model_validate(data).llm
    except ValidationError as exc:
        problems = []
        for err in exc.errors():
            where = ".".join(str(x) for x in err["loc"])
            if err["type"] == "extra_forbidden":
                known = ", ".join(LLMSettings.model_fields) if where.startswith("llm.") else "llm"
                problems.append(f"unknown key '{where}' (known: {known})")
            else:
                problems.append(f"'{where}': {err['msg']}")
        raise ConfigError(f"{path}: {'; '.join(problems)}") from None


def resolve_config(flags: Mapping[str, Any] | None = None, env: Mapping[str, str] | None = None) -> LLMConfig:
    """Settings from defaults, the config file, the environment and ``flags`` (None values are not given)."""
    env = os.environ if env is None else env
    path, explicit = config_path(env)
    from_file = read_config_file(path, explicit)
    values: dict[str, Any] = from_file.model_dump(exclude_unset=True) if from_file is not None else {}
    if env.get("ARCHQA_BASE_URL"):
        values["base_url"] = env["ARCHQA_BASE_URL"]
    if env.get("ARCHQA_MODEL"):
        values["model"] = env["ARCHQA_MODEL"]
    for k, v in (flags or {}).items():
        if v is not None:
            values[k] = v
    for var in KEY_VARIABLES:
        if env.get(var):
            values["api_key"] = SecretStr(env[var])
            values["api_key_source"] = var
            break
    values["config_path"] = str(path) if from_file is not None else None
    try:
        return LLMConfig.model_validate(values)
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(str(x) for x in e['loc'])}: {e['msg']}" for e in exc.errors())
        raise ConfigError(
            f"invalid model settings ({problems}); check the flags, ARCHQA_* variables and {path}"
        ) from None
