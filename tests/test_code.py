"""Code blocks are checked with real parsers in each supported language."""

from __future__ import annotations

import pytest

from archqa.validate.code import canonical, parse_code

VALID = {
    "python": "def f(x: int) -> int:\n    return x + 1\n",
    "go": "func add(a int, b int) int {\n\treturn a + b\n}\n",
    "java": "public class A {\n  int f(int x) { return x + 1; }\n}\n",
    "javascript": "const f = (x) => x + 1;\nexport default f;\n",
    "typescript": "interface P { id: string }\nexport function f(p: P): string { return p.id; }\n",
    "rust": "fn add(a: u32, b: u32) -> u32 {\n    a + b\n}\n",
    "scala": "object A {\n  def f(x: Int): Int = x + 1\n}\n",
    "cpp": "#include <vector>\nint size(const std::vector<int>& v) { return v.size(); }\n",
    "csharp": "public class A {\n  public int F(int x) => x + 1;\n}\n",
    "sql": "SELECT id, amount FROM payments WHERE status = 'settled';\n",
    "yaml": "apiVersion: v1\nkind: Service\nmetadata:\n  name: api\n",
    "json": '{"a": [1, 2, 3]}',
}
INVALID = {
    "python": "def f(x):\nreturn x\n",
    "go": "func f() {\n\tb := New(Threshold: 0.5)\n}\n",
    "java": "public class A {\n  int f( { return 1; }\n}\n",
    "javascript": "const f = (x => x + ;\n",
    "typescript": "function f(p: P {\n  return p.id\n}\n",
    "rust": "fn f() {\n    let y = g(epsilon: 1.0);\n}\n",
    "scala": "object A {\n  def f(x: Int): Int = = x\n}\n",
    "cpp": "int f( { return 1 }\n",
    "csharp": "public class A {\n  public int F( => 1;\n}\n",
    "sql": "SELEC id FRM payments WHERE;\n",
    "yaml": "a: [1, 2\nb: c\n",
    "json": '{"a": [1, 2,]}',
}


@pytest.mark.parametrize("lang", sorted(VALID))
def test_valid_code_parses(lang: str) -> None:
    assert parse_code(lang, VALID[lang]).ok


@pytest.mark.parametrize("lang", sorted(INVALID))
def test_invalid_code_is_reported_with_a_line(lang: str) -> None:
    r = parse_code(lang, INVALID[lang])
    assert not r.ok
    assert r.line >= 1 and r.message


def test_aliases() -> None:
    assert canonical("golang") == "go"
    assert canonical("C#") == "csharp"
    assert canonical("yml") == "yaml"
    assert canonical("brainfuck") is None


SQL_CASES = [
    ("postgresql", "SELECT id, name FROM users WHERE id = 1;", True),
    ("postgresql", "SELECT id, name, FROM users;", False),  # trailing comma
    ("postgresql", "SELECT * FROM users ORDER BY id WHERE id = 1;", False),  # clause order
    ("postgresql", "SELECT * FROM orders JOIN users;", False),  # JOIN without ON
    ("postgresql", "INSERT INTO t (id) VALUES (1) ON CONFLICT (id) DO NOTHING;", True),
    ("postgres", "CREATE TABLE t (id int, name text,);", False),
    ("mysql", "SELECT `id` FROM `users` LIMIT 5;", True),
    ("sqlite", "SELECT id FROM users WHERE;", False),
]


@pytest.mark.parametrize("label,code,ok", SQL_CASES)
def test_sql_is_parsed_in_its_dialect(label: str, code: str, ok: bool) -> None:
    r = parse_code(label, code)
    assert r.ok == ok, r.message


def test_postgresql_errors_come_from_postgresql_and_name_the_line() -> None:
    pytest.importorskip("pglast")
    r = parse_code("postgresql", "SELECT 1;\nSELECT a, FROM t;")
    assert not r.ok and r.line == 2 and r.message.startswith("PostgreSQL:")
