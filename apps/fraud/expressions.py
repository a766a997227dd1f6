"""The small, safe condition language of monitoring rules (parsed here; never Python's eval).

Grammar::

    expr    := or
    or      := and ("or" and)*
    and     := not ("and" not)*
    not     := "not" not | compare
    compare := sum (("<" | "<=" | ">" | ">=" | "==" | "!=") sum | ["not"] "in" list)?
    sum     := product (("+" | "-") product)*
    product := unary (("*" | "/") unary)*
    unary   := "-" unary | atom
    atom    := INTEGER | DECIMAL | "string" | true | false | null | FEATURE | "(" expr ")"
    list    := "[" [atom ("," atom)*] "]"

Numbers are integers or decimals (never floats: amounts are minor units). A feature that is unknown
(null) makes any comparison with it false, so a rule never fires on missing data by accident.
Conditions are checked against the feature catalogue when saved; a typo is refused, not ignored.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

from bankcore.errors import DomainError

Evaluator = Callable[[Mapping[str, Any]], Any]


class ConditionInvalid(DomainError):
    """A rule condition cannot be parsed; the message says where."""

    code = "rule_condition_invalid"


_TOKEN = re.compile(
    r"""\s*(?:
        (?P<number>\d+(?:\.\d+)?)
      | (?P<string>"[^"\\]*"|'[^'\\]*')
      | (?P<op><=|>=|==|!=|<|>|\+|-|\*|/|\(|\)|\[|\]|,)
      | (?P<name>[A-Za-z_][A-Za-z0-9_]*)
    )""",
    re.VERBOSE,
)
_KEYWORDS = {"and", "or", "not", "in", "true", "false", "null"}
# Parentheses, "not" and unary minus recurse: 2000 characters of them would exhaust Python's stack
# while parsing (and evaluating). No real rule comes near this depth.
MAX_NESTING = 50


def _tokenize(text: str) -> list[tuple[str, str, int]]:
    tokens: list[tuple[str, str, int]] = []
    pos = 0
    text = text.rstrip()
    while pos < len(text):
        match = _TOKEN.match(text, pos)
        if match is None or match.end() == pos:
            raise ConditionInvalid(f"unexpected character {text[pos:].strip()[:1]!r} at column {pos + 1}")
        kind = match.lastgroup or ""
        value = match.group(kind)
        start = match.start(kind)
        if kind == "name" and value in _KEYWORDS:
            kind = "kw"
        tokens.append((kind, value, start + 1))
        pos = match.end()
    tokens.append(("end", "", len(text) + 1))
    return tokens


def _compare(op: str) -> Callable[[Any, Any], bool]:
    def check(a: Any, b: Any) -> bool:
        if a is None or b is None:
            return op == "!=" and (a is None) != (b is None)
        try:
            if op == "<":
                return bool(a < b)
            if op == "<=":
                return bool(a <= b)
            if op == ">":
                return bool(a > b)
            if op == ">=":
                return bool(a >= b)
            if op == "==":
                return bool(a == b)
            return bool(a != b)
        except TypeError:
            return False

    return check


def _arith(op: str) -> Callable[[Any, Any], Any]:
    def compute(a: Any, b: Any) -> Any:
        if a is None or b is None or isinstance(a, str | bool) or isinstance(b, str | bool):
            return None
        if op == "+":
            return a + b
        if op == "-":
            return a - b
        if op == "*":
            return a * b
        if b == 0:
            return None
        return Decimal(a) / Decimal(b)

    return compute


class _Parser:
    def __init__(self, text: str, features: Mapping[str, str] | None) -> None:
        self.tokens = _tokenize(text)
        self.pos = 0
        self.features = features
        self.used: set[str] = set()
        self.depth = 0

    def nest(self, col: int) -> None:
        self.depth += 1
        if self.depth > MAX_NESTING:
            raise ConditionInvalid(f"the condition is nested too deeply at column {col} (at most {MAX_NESTING} levels)")

    def peek(self) -> tuple[str, str, int]:
        return self.tokens[self.pos]

    def take(self) -> tuple[str, str, int]:
        token = self.tokens[self.pos]
        self.pos += 1
        return token

    def accept(self, value: str) -> bool:
        kind, text, _ = self.peek()
        if kind in ("op", "kw") and text == value:
            self.pos += 1
            return True
        return False

    def expect(self, value: str) -> None:
        if not self.accept(value):
            _, text, col = self.peek()
            raise ConditionInvalid(f"expected {value!r} at column {col}, found {text or 'end of condition'!r}")

    def parse(self) -> Evaluator:
        node = self.parse_or()
        kind, text, col = self.peek()
        if kind != "end":
            raise ConditionInvalid(f"unexpected {text!r} at column {col}")
        return node

    def parse_or(self) -> Evaluator:
        parts = [self.parse_and()]
        while self.accept("or"):
            parts.append(self.parse_and())
        if len(parts) == 1:
            return parts[0]
        return lambda f: any(bool(p(f)) for p in parts)

    def parse_and(self) -> Evaluator:
        parts = [self.parse_not()]
        while self.accept("and"):
            parts.append(self.parse_not())
        if len(parts) == 1:
            return parts[0]
        return lambda f: all(bool(p(f)) for p in parts)

    def parse_not(self) -> Evaluator:
        if self.accept("not"):
            self.nest(self.peek()[2])
            inner = self.parse_not()
            self.depth -= 1
            return lambda f: not bool(inner(f))
        return self.parse_compare()

    def parse_compare(self) -> Evaluator:
        left = self.parse_sum()
        kind, text, _ = self.peek()
        if kind == "op" and text in ("<", "<=", ">", ">=", "==", "!="):
            self.take()
            right = self.parse_sum()
            check = _compare(text)
            return lambda f: check(left(f), right(f))
        negate = False
        if kind == "kw" and text == "not" and self.tokens[self.pos + 1][1] == "in":
            self.take()
            negate = True
        if self.accept("in"):
            members = self.parse_list()
            if negate:
                return lambda f: (value := left(f)) is not None and value not in members
            return lambda f: left(f) in members
        return left

    def parse_list(self) -> frozenset[Any]:
        self.expect("[")
        items: list[Any] = []
        if not self.accept("]"):
            while True:
                items.append(self.literal())
                if self.accept("]"):
                    break
                self.expect(",")
        return frozenset(items)

    def literal(self) -> Any:
        kind, text, col = self.take()
        if kind == "number":
            return _number(text)
        if kind == "string":
            return text[1:-1]
        if kind == "op" and text == "-":
            kind2, text2, col2 = self.take()
            if kind2 != "number":
                raise ConditionInvalid(f"expected a number at column {col2}")
            return -_number(text2)
        if kind == "kw" and text in ("true", "false", "null"):
            return {"true": True, "false": False, "null": None}[text]
        raise ConditionInvalid(f"expected a literal at column {col}, found {text or 'end of condition'!r}")

    def parse_sum(self) -> Evaluator:
        node = self.parse_product()
        chained = 0
        while self.peek()[0] == "op" and self.peek()[1] in ("+", "-"):
            # Each operator wraps the chain so far: evaluation recurses once per operator.
            self.nest(self.peek()[2])
            chained += 1
            compute = _arith(self.take()[1])
            node = (lambda left, right, op: lambda f: op(left(f), right(f)))(node, self.parse_product(), compute)
        self.depth -= chained
        return node

    def parse_product(self) -> Evaluator:
        node = self.parse_unary()
        chained = 0
        while self.peek()[0] == "op" and self.peek()[1] in ("*", "/"):
            # Each operator wraps the chain so far: evaluation recurses once per operator.
            self.nest(self.peek()[2])
            chained += 1
            compute = _arith(self.take()[1])
            node = (lambda left, right, op: lambda f: op(left(f), right(f)))(node, self.parse_unary(), compute)
        self.depth -= chained
        return node

    def parse_unary(self) -> Evaluator:
        if self.accept("-"):
            self.nest(self.peek()[2])
            inner = self.parse_unary()
            self.depth -= 1
            negate = _arith("-")
            return lambda f: negate(0, inner(f))
        return self.parse_atom()

    def parse_atom(self) -> Evaluator:
        kind, text, col = self.peek()
        if kind == "op" and text == "(":
            self.take()
            self.nest(col)
            node = self.parse_or()
            self.expect(")")
            self.depth -= 1
            return node
        if kind == "name":
            self.take()
            if self.features is not None and text not in self.features:
                raise ConditionInvalid(f"unknown feature {text!r} at column {col}")
            self.used.add(text)
            return lambda f: f.get(text)
        value = self.literal()
        return lambda f: value


def _number(text: str) -> int | Decimal:
    try:
        return int(text) if "." not in text else Decimal(text)
    except (ValueError, InvalidOperation):
        raise ConditionInvalid(f"{text!r} is not a number") from None


def compile_condition(text: str, *, features: Mapping[str, str] | None = None) -> Evaluator:
    """Parse ``text`` into a function of the feature mapping; raises ConditionInvalid.

    With ``features`` (name -> description), names outside the catalogue are refused.
    """
    if not text.strip():
        raise ConditionInvalid("the condition is empty")
    if len(text) > 2000:
        raise ConditionInvalid("the condition is longer than 2000 characters")
    return _Parser(text, features).parse()
