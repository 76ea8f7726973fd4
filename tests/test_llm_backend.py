"""The model backend against a real chat-completions server on loopback: retries, errors, cache, config."""

from __future__ import annotations

import json
import socket
import sys
from pathlib import Path

import pytest

from archqa.errors import BackendError, ConfigError
from archqa.llm import CompletionRequest, backends, get_backend, register_backend, resolve_config
from archqa.llm.backend import _BACKENDS, CompletionResponse
from archqa.llm.cache import CachedBackend
from archqa.llm.server import ServerInfo, fit
from tests.chat_server import JSON_OBJECT_ONLY, ChatServer, Reply, valid

KEY = "sk-test-SECRET-0123456789"


@pytest.fixture(autouse=True)
def _isolated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ARCHQA_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg"))
    for var in ("ARCHQA_CONFIG", "ARCHQA_BASE_URL", "ARCHQA_MODEL", "ARCHQA_API_KEY", "OPENAI_API_KEY"):
        monkeypatch.delenv(var, raising=False)


def _request(**kw: object) -> CompletionRequest:
    base: dict[str, object] = {
        "messages": ({"role": "system", "content": "s"}, {"role": "user", "content": "A1. Book\nwrite"}),
        "model": "test-model",
        "schema": {"type": "object", "properties": {}, "additionalProperties": False},
        "seed": 7,
        "temperature": 0.1,
        "timeout": 5.0,
    }
    base.update(kw)
    return CompletionRequest(**base)  # type: ignore[arg-type]


def _backend(srv: ChatServer, sleeps: list[float] | None = None, **kw: object):  # type: ignore[no-untyped-def]
    rec = sleeps if sleeps is not None else []
    return get_backend("openai", base_url=srv.url, api_key=KEY, sleep=rec.append, backoff=0.01, **kw)


def test_completion_sends_schema_seed_and_key_and_reads_usage() -> None:
    with ChatServer(valid) as srv:
        resp = _backend(srv).complete(_request())
    assert json.loads(resp.content)["title"].endswith("?")
    assert (resp.usage.prompt_tokens, resp.usage.completion_tokens) == (120, 80)
    assert resp.attempts == 1 and not resp.cached
    body = srv.received[0].body
    assert body["model"] == "test-model" and body["seed"] == 7 and body["temperature"] == 0.1
    assert "max_tokens" not in body, "no limit was asked for"
    assert resp.finish_reason == "stop" and not resp.cut_off
    assert body["response_format"]["type"] == "json_schema"
    assert body["response_format"]["json_schema"]["strict"] is True
    headers = {k.lower(): v for k, v in srv.received[0].headers.items()}
    assert headers["authorization"] == f"Bearer {KEY}"


def test_429_honours_retry_after() -> None:
    def script(body, n):  # type: ignore[no-untyped-def]
        return Reply(status=429, headers={"Retry-After": "3"}) if n == 1 else valid(body, n)

    sleeps: list[float] = []
    with ChatServer(script) as srv:
        resp = _backend(srv, sleeps).complete(_request())
    assert srv.calls == 2 and resp.attempts == 2
    assert sleeps == [3.0]


def test_5xx_is_retried_with_exponential_backoff() -> None:
    def script(body, n):  # type: ignore[no-untyped-def]
        return Reply(status=500 + n) if n <= 3 else valid(body, n)

    sleeps: list[float] = []
    with ChatServer(script) as srv:
        resp = _backend(srv, sleeps).complete(_request())
    assert srv.calls == 4 and resp.attempts == 4
    assert len(sleeps) == 3
    for i, s in enumerate(sleeps):
        assert 0.01 * 2**i <= s <= 0.01 * 2**i * 1.25 + 1e-9


def test_timeout_is_retried_once() -> None:
    def script(body, n):  # type: ignore[no-untyped-def]
        return Reply(content="{}", delay=1.5) if n == 1 else valid(body, n)

    with ChatServer(script) as srv:
        resp = _backend(srv, timeout=0.3).complete(_request(timeout=0.3))
    assert srv.calls == 2 and resp.attempts == 2


def test_a_second_timeout_is_not_retried_and_names_timeout_first() -> None:
    with ChatServer(lambda body, n: Reply(content="{}", delay=1.5)) as srv:
        with pytest.raises(BackendError) as exc:
            _backend(srv, timeout=0.3, retries=4).complete(_request(timeout=0.3))
    assert srv.calls == 2, "a timeout is retried at most once, whatever --retries says"
    msg = str(exc.value)
    assert not exc.value.fatal and exc.value.attempts == 2
    assert "within 0.3 s, 2 times" in msg and msg.index("--timeout") < msg.index("--concurrency")


def test_max_tokens_is_sent_and_a_cut_off_reply_says_so() -> None:
    def script(body, n):  # type: ignore[no-untyped-def]
        return Reply('{"title": "How would you', finish_reason="length", usage=(900, 64))

    with ChatServer(script) as srv:
        resp = _backend(srv).complete(_request(max_tokens=64))
    assert srv.received[0].body["max_tokens"] == 64
    assert resp.cut_off and resp.finish_reason == "length" and resp.usage.completion_tokens == 64


@pytest.mark.parametrize(
    ("status", "said"),
    [
        (500, "Context size has been exceeded."),
        (400, "request (9300 tokens) exceeds the available context size (8192 tokens), try increasing it"),
    ],
)
def test_a_request_too_large_for_the_context_is_not_retried(status: int, said: str) -> None:
    with ChatServer(lambda body, n: Reply(status=status, message=said)) as srv:
        with pytest.raises(BackendError) as exc:
            _backend(srv, retries=4).complete(_request())
    assert srv.calls == 1, "the same request would not fit the next time either"
    msg = str(exc.value)
    assert said in msg, "the server's own message is shown"
    assert "-c" in msg and "--max-tokens" in msg and "try again later" not in msg
    assert msg.index("-c") < msg.index("--max-tokens"), "the server's context, the cause, comes first"


def test_5xx_shows_the_servers_message_after_its_retries() -> None:
    with ChatServer(lambda body, n: Reply(status=503, message="Loading model")) as srv:
        with pytest.raises(BackendError) as exc:
            _backend(srv, retries=1).complete(_request())
    assert srv.calls == 2 and exc.value.attempts == 2
    assert "HTTP 503: Loading model" in str(exc.value)


def test_json_object_only_server_gets_its_form_after_one_rejection() -> None:
    with ChatServer(valid, json_object_only=True) as srv:
        backend = _backend(srv)
        first = backend.complete(_request())
        second = backend.complete(_request(seed=8))
    forms = [r.body["response_format"]["type"] for r in srv.received]
    assert forms == ["json_schema", "json_object", "json_object"], "learned once, then used for the run"
    assert srv.received[1].body["response_format"]["schema"] == _request().schema
    assert first.attempts == 2 and second.attempts == 1
    assert json.loads(second.content)["title"].endswith("?")


def test_json_schema_forced_on_a_json_object_server_names_the_setting() -> None:
    with ChatServer(valid, json_object_only=True) as srv:
        with pytest.raises(BackendError) as exc:
            _backend(srv, response_format="json_schema").complete(_request())
    assert srv.calls == 1
    assert JSON_OBJECT_ONLY in str(exc.value) and "response_format" in str(exc.value)
    assert "json_object for llama-cpp-python" in str(exc.value)
    with ChatServer(valid, json_object_only=True) as srv:
        _backend(srv, response_format="json_object").complete(_request())
    assert srv.calls == 1 and srv.received[0].body["response_format"]["type"] == "json_object"


def test_retries_run_out_with_a_non_fatal_error() -> None:
    with ChatServer(lambda body, n: Reply(status=503)) as srv:
        with pytest.raises(BackendError) as exc:
            _backend(srv, retries=2).complete(_request())
    assert srv.calls == 3
    assert not exc.value.fatal and "503" in str(exc.value) and "3 attempts" in str(exc.value)


def test_rejected_key_is_fatal_and_not_echoed() -> None:
    with ChatServer(lambda body, n: Reply(status=401)) as srv:
        with pytest.raises(BackendError) as exc:
            _backend(srv).complete(_request())
    assert srv.calls == 1 and exc.value.fatal
    assert "ARCHQA_API_KEY" in str(exc.value) and KEY not in str(exc.value)


def test_unknown_model_names_the_flag() -> None:
    with ChatServer(lambda body, n: Reply(status=404)) as srv:
        with pytest.raises(BackendError, match="--model"):
            _backend(srv).complete(_request())


def test_unreachable_server_names_base_url() -> None:
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    backend = get_backend("openai", base_url=f"http://127.0.0.1:{port}/v1", api_key=KEY)
    with pytest.raises(BackendError, match="--base-url"):
        backend.complete(_request())


def test_missing_sdk_says_how_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "openai", None)
    with pytest.raises(BackendError, match=r"pip install 'archqa\[llm\]'"):
        get_backend("openai", base_url="http://127.0.0.1:9/v1", api_key=KEY)


def test_openai_without_key_or_base_url_is_an_error() -> None:
    with pytest.raises(BackendError, match="ARCHQA_API_KEY"):
        get_backend("openai")


def test_registry_is_an_extension_point() -> None:
    assert "openai" in backends()

    class Echo:
        def complete(self, request: CompletionRequest) -> CompletionResponse:
            return CompletionResponse(content=request.messages[-1]["content"])

    register_backend("echo-test", lambda **cfg: Echo())
    try:
        assert get_backend("echo-test").complete(_request()).content == "A1. Book\nwrite"
    finally:
        del _BACKENDS["echo-test"]
    with pytest.raises(ConfigError, match="openai"):
        get_backend("no-such-backend")


def test_cache_keeps_only_what_it_is_told_and_keys_on_what_was_sent(tmp_path: Path) -> None:
    with ChatServer(valid) as srv:
        cached = CachedBackend(_backend(srv), tmp_path / "llm", server=srv.url)
        first = cached.complete(_request())
        cached.complete(_request())
        assert srv.calls == 2, "a reply nobody kept is not replayed"
        cached.keep(_request(), first)
        second = cached.complete(_request())
        assert srv.calls == 2
        assert second.cached and second.content == first.content and second.attempts == 0
        for other in (_request(seed=8), _request(model="other"), _request(max_tokens=512)):
            cached.keep(other, cached.complete(other))
        assert srv.calls == 5
        elsewhere = CachedBackend(_backend(srv), tmp_path / "llm", server="http://other:1/v1")
        assert not elsewhere.complete(_request()).cached, "another server, another key"
    files = list((tmp_path / "llm").rglob("*.json"))
    assert len(files) == 4
    for f in files:
        text = f.read_text()
        assert KEY not in text and "127.0.0.1" not in text


def test_a_cut_off_reply_is_never_cached(tmp_path: Path) -> None:
    cut = Reply('{"title": "How', finish_reason="length")
    with ChatServer(lambda body, n: cut) as srv:
        cached = CachedBackend(_backend(srv), tmp_path / "llm")
        resp = cached.complete(_request())
        cached.keep(_request(), resp)
        assert not cached.complete(_request()).cached and srv.calls == 2
    assert not list((tmp_path / "llm").rglob("*.json"))


# ---------------------------------------------------------------------------
# What the server says about itself


def test_probe_reads_models_props_and_slots() -> None:
    props = {"total_slots": 2, "default_generation_settings": {"n_ctx": 8192}}
    slots = [{"id": 0, "n_ctx": 8192}, {"id": 1, "n_ctx": 8192}]
    with ChatServer(valid, models=["smollm2.gguf"], props=props, slots=slots) as srv:
        info = _backend(srv).server_info()
        assert srv.gets == ["/v1/models", "/props", "/slots"]
    assert (info.models, info.slots, info.n_ctx) == (["smollm2.gguf"], 2, 8192)
    with ChatServer(valid, slots=[{"id": 0, "n_ctx": 4096}]) as srv:
        info = _backend(srv).server_info()
    assert (info.models, info.slots, info.n_ctx) == (None, 1, 4096), "slots alone are read too"
    with ChatServer(valid) as srv:
        info = _backend(srv).server_info()
    assert (info.models, info.slots, info.n_ctx, info.sources) == (None, None, None, [])


def test_fit_lowers_concurrency_to_slots_and_context_and_checks_the_model() -> None:
    f = fit(
        ServerInfo(models=["qwen"], slots=1),
        where="S",
        model="qwne",
        concurrency=4,
        max_tokens=2048,
        prompt_tokens=3000,
    )
    assert f.concurrency == 1
    assert any("--model 'qwne' is not among the models S lists ('qwen')" in n and "--model qwen" in n for n in f.notes)
    assert any("lowered to 1" in n and "-np" in n for n in f.notes)
    shared = fit(
        ServerInfo(slots=4, n_ctx=16384), where="S", model="m", concurrency=4, max_tokens=2048, prompt_tokens=3000
    )
    assert shared.concurrency == 3 and "do not fit the server's context of 16384" in shared.notes[0]
    small = fit(
        ServerInfo(slots=1, n_ctx=4096), where="S", model="m", concurrency=1, max_tokens=2048, prompt_tokens=3000
    )
    assert small.concurrency == 1 and "holds 4096 tokens" in small.notes[0] and "-c 16384 -np 1" in small.notes[0]
    fine = fit(
        ServerInfo(models=["m"], slots=8, n_ctx=65536),
        where="S",
        model="m",
        concurrency=4,
        max_tokens=2048,
        prompt_tokens=3000,
    )
    assert (fine.concurrency, fine.notes) == (4, [])


# ---------------------------------------------------------------------------
# Configuration


def _write_config(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "xdg" / "archqa" / "config.toml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def test_config_precedence_flags_env_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = _write_config(tmp_path, '[llm]\nmodel = "file-model"\nbase_url = "http://file/v1"\nconcurrency = 3\n')
    cfg = resolve_config({})
    assert (cfg.model, cfg.base_url, cfg.concurrency, cfg.config_path) == ("file-model", "http://file/v1", 3, str(path))
    monkeypatch.setenv("ARCHQA_MODEL", "env-model")
    monkeypatch.setenv("ARCHQA_BASE_URL", "http://env/v1")
    cfg = resolve_config({})
    assert (cfg.model, cfg.base_url) == ("env-model", "http://env/v1")
    cfg = resolve_config({"model": "flag-model", "concurrency": None})
    assert (cfg.model, cfg.concurrency) == ("flag-model", 3)


def test_config_unknown_key_names_the_file(tmp_path: Path) -> None:
    path = _write_config(tmp_path, '[llm]\nmodle = "x"\n')
    with pytest.raises(ConfigError) as exc:
        resolve_config({})
    assert str(path) in str(exc.value) and "llm.modle" in str(exc.value)
    _write_config(tmp_path, '[lm]\nmodel = "x"\n')
    with pytest.raises(ConfigError, match="unknown key 'lm'"):
        resolve_config({})
    _write_config(tmp_path, "[llm\n")
    with pytest.raises(ConfigError, match="not valid TOML"):
        resolve_config({})


def test_config_file_may_not_hold_the_key(tmp_path: Path) -> None:
    _write_config(tmp_path, f'[llm]\napi_key = "{KEY}"\n')
    with pytest.raises(ConfigError) as exc:
        resolve_config({})
    assert "ARCHQA_API_KEY" in str(exc.value) and KEY not in str(exc.value)


def test_archqa_config_names_the_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ARCHQA_CONFIG", str(tmp_path / "missing.toml"))
    with pytest.raises(ConfigError, match="missing.toml"):
        resolve_config({})
    other = tmp_path / "other.toml"
    other.write_text('[llm]\nmodel = "m"\nprice_input = 0.5\nprice_output = 1.5\n')
    monkeypatch.setenv("ARCHQA_CONFIG", str(other))
    cfg = resolve_config({})
    assert (cfg.model, cfg.price_input, cfg.price_output) == ("m", 0.5, 1.5)


def test_api_key_from_env_is_secret(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "sk-openai-fallback")
    cfg = resolve_config({})
    assert cfg.api_key_source == "OPENAI_API_KEY"
    monkeypatch.setenv("ARCHQA_API_KEY", KEY)
    cfg = resolve_config({"model": "m"})
    assert cfg.api_key_source == "ARCHQA_API_KEY"
    assert cfg.backend_kwargs()["api_key"] == KEY
    for shown in (repr(cfg), str(cfg), cfg.model_dump_json(), "\n".join(cfg.describe())):
        assert KEY not in shown
