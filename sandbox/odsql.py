"""The part of the Explore API v2.1's parameters and query language (ODSQL) the stand-in serves.

`where`: comparisons of a field, or of `year(field)`, with a quoted text or a number (`=`, `!=`,
`<`, `<=`, `>`, `>=`), `field IN ("a", "b")`, joined by AND, OR, NOT and parentheses;
`refine=field:value` (repeatable); `select` (field names or `*`); `order_by` (fields, each
`asc` or `desc`); `limit`; `offset`. Anything else is refused the way the portal refuses a
malformed query (400, ODSQLError), so a client that starts to rely on more ODSQL finds out in
tests, not in production. Pure: plain records in, plain records out.
"""

import operator
import re

RECORDS_DEFAULT_LIMIT = 10
RECORDS_MAX_LIMIT = 100
RECORDS_WINDOW = 10_000
COMPARISONS = {
    "=": operator.eq,
    "!=": operator.ne,
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
}
TOKEN = re.compile(
    r"""(?P<string>"[^"]*"|'[^']*')
      | (?P<number>-?\d+(?:\.\d+)?)
      | (?P<name>[A-Za-z_][A-Za-z0-9_]*)
      | (?P<op><=|>=|!=|=|<|>)
      | (?P<punct>[(),])""",
    re.VERBOSE,
)
ISO_DATE = re.compile(r"\d{4}(-\d{2}(-\d{2})?)?")


class QueryError(Exception):
    """A request the portal would refuse with 400: `payload` is its error body."""

    def __init__(self, error_code, message):
        super().__init__(message)
        self.payload = {"error_code": error_code, "message": message}


def malformed(detail):
    return QueryError("ODSQLError", f"ODSQL query is malformed: {detail}")


def invalid_parameter(message):
    return QueryError("InvalidRESTParameterError", message)


def records(rows, fields, params):
    """The /records answer: {"total_count", "results"} of one page."""
    limit = integer(params, "limit", RECORDS_DEFAULT_LIMIT)
    offset = integer(params, "offset", 0)
    if not -1 <= limit <= RECORDS_MAX_LIMIT:
        raise invalid_parameter(
            f"Invalid value for limit API parameter: {limit} was found but "
            f"-1 <= limit <= {RECORDS_MAX_LIMIT} is expected."
        )
    limit = RECORDS_MAX_LIMIT if limit == -1 else limit
    check_offset(offset)
    # The portal's wording for this one was not found; the status and error_code are its own.
    if offset + limit > RECORDS_WINDOW:
        raise invalid_parameter(
            f"Invalid value for offset API parameter: offset + limit = {offset + limit} was "
            f"found but offset + limit <= {RECORDS_WINDOW} is expected."
        )
    matching = select_rows(rows, fields, params)
    page = matching[offset : offset + limit]
    return {"total_count": len(matching), "results": project(page, fields, params)}


def export(rows, fields, params):
    """The /exports/json answer: every matching record (limit -1, the default, is all)."""
    limit = integer(params, "limit", -1)
    offset = integer(params, "offset", 0)
    if limit < -1:
        raise invalid_parameter(
            f"Invalid value for limit API parameter: {limit} was found but limit >= -1 is expected."
        )
    check_offset(offset)
    matching = select_rows(rows, fields, params)[offset:]
    return project(matching if limit == -1 else matching[:limit], fields, params)


def integer(params, name, default):
    raw = params.get(name)
    if raw is None or raw == "":
        return default
    try:
        return int(raw)
    except ValueError:
        raise invalid_parameter(
            f"Invalid value for {name} API parameter: {raw} was found but an integer is expected."
        ) from None


def check_offset(offset):
    if offset < 0:
        raise invalid_parameter(
            f"Invalid value for offset API parameter: {offset} was found but offset >= 0 "
            "is expected."
        )


def select_rows(rows, fields, params):
    """The records matching `where` and every `refine`, in `order_by` order."""
    for unsupported in ("group_by", "exclude"):
        if params.get(unsupported):
            raise invalid_parameter(f"The sandbox does not support the {unsupported} parameter.")
    tests = [where(params.get("where", ""), fields)]
    tests += [refine(value, fields) for value in params.getlist("refine")]
    matching = [row for row in rows if all(test(row) for test in tests)]
    for field, descending in reversed(order_by(params.get("order_by", ""), fields)):
        present = [row for row in matching if row.get(field) is not None]
        absent = [row for row in matching if row.get(field) is None]
        present.sort(key=lambda row, field=field: row[field], reverse=descending)
        # Records without a value come last either way.
        matching = present + absent
    return matching


def project(rows, fields, params):
    """The records cut down to `select`'s fields, in its order."""
    chosen = [name.strip() for name in params.get("select", "").split(",") if name.strip()]
    if not chosen or chosen == ["*"]:
        return [dict(row) for row in rows]
    for name in chosen:
        check_field(name, fields)
    return [{name: row.get(name) for name in chosen} for row in rows]


def order_by(text, fields):
    """[(field, descending)] from "annee desc, uai"."""
    keys = []
    for part in (p.strip() for p in text.split(",")):
        if not part:
            continue
        words = part.split()
        direction = words[1].lower() if len(words) == 2 else "asc"
        if len(words) > 2 or direction not in ("asc", "desc"):
            raise malformed(f"cannot sort on {part!r}")
        check_field(words[0], fields)
        keys.append((words[0], direction == "desc"))
    return keys


def refine(value, fields):
    """refine=field:value: equality; a date field also matches on a prefix ("2024")."""
    field, colon, wanted = value.partition(":")
    if not colon:
        raise invalid_parameter(f"Invalid value for refine API parameter: {value}")
    check_field(field, fields)
    wanted = wanted.strip().strip("\"'")

    def test(row):
        found = row.get(field)
        if found is None:
            return False
        text = str(found)
        return text == wanted or (bool(ISO_DATE.fullmatch(wanted)) and text.startswith(wanted))

    return test


def check_field(name, fields):
    if name not in fields:
        raise malformed(f"Unknown field: {name}")


# --- where ---------------------------------------------------------------------------------


def where(text, fields):
    """A test of one record, from an ODSQL where clause (empty: every record)."""
    tokens = tokenize(text)
    if not tokens:
        return lambda row: True
    parser = _Parser(tokens, fields)
    test = parser.disjunction()
    if parser.position < len(tokens):
        raise malformed(f"unexpected {tokens[parser.position][1]!r}")
    return test


def tokenize(text):
    tokens, position = [], 0
    while position < len(text):
        if text[position].isspace():
            position += 1
            continue
        match = TOKEN.match(text, position)
        if match is None:
            raise malformed(f"unexpected {text[position]!r} at position {position}")
        tokens.append((match.lastgroup, match.group(match.lastgroup)))
        position = match.end()
    return tokens


class _Parser:
    """Recursive descent: OR binds looser than AND, which binds looser than NOT."""

    def __init__(self, tokens, fields):
        self.tokens = tokens
        self.fields = fields
        self.position = 0

    def peek(self):
        if self.position < len(self.tokens):
            return self.tokens[self.position]
        return (None, None)

    def take(self):
        token = self.peek()
        if token[0] is None:
            raise malformed("unexpected end of the query")
        self.position += 1
        return token

    def keyword(self, word):
        kind, value = self.peek()
        if kind == "name" and value.upper() == word:
            self.position += 1
            return True
        return False

    def expect(self, symbol):
        if self.take()[1] != symbol:
            raise malformed(f"{symbol!r} expected")

    def disjunction(self):
        tests = [self.conjunction()]
        while self.keyword("OR"):
            tests.append(self.conjunction())
        return tests[0] if len(tests) == 1 else lambda row: any(t(row) for t in tests)

    def conjunction(self):
        tests = [self.negation()]
        while self.keyword("AND"):
            tests.append(self.negation())
        return tests[0] if len(tests) == 1 else lambda row: all(t(row) for t in tests)

    def negation(self):
        if self.keyword("NOT"):
            inner = self.negation()
            return lambda row: not inner(row)
        if self.peek()[1] == "(":
            self.take()
            inner = self.disjunction()
            self.expect(")")
            return inner
        return self.comparison()

    def comparison(self):
        value_of = self.operand()
        if self.keyword("IN"):
            self.expect("(")
            literals = [self.literal()]
            while self.peek()[1] == ",":
                self.take()
                literals.append(self.literal())
            self.expect(")")
            return lambda row: any(compare(value_of(row), "=", lit) for lit in literals)
        kind, symbol = self.take()
        if kind != "op":
            raise malformed(f"comparison expected after the field, found {symbol!r}")
        literal = self.literal()
        return lambda row: compare(value_of(row), symbol, literal)

    def operand(self):
        kind, name = self.take()
        if kind != "name":
            raise malformed(f"field expected, found {name!r}")
        if self.peek()[1] == "(":
            if name.lower() != "year":
                raise malformed(f"the sandbox does not support the function {name}()")
            self.take()
            kind, field = self.take()
            check_field(field, self.fields)
            self.expect(")")
            return lambda row: year(row.get(field))
        check_field(name, self.fields)
        return lambda row: row.get(name)

    def literal(self):
        kind, value = self.take()
        if kind == "string":
            return value[1:-1]
        if kind == "number":
            return float(value) if "." in value else int(value)
        raise malformed(f"text or number expected, found {value!r}")


def year(value):
    if value is None:
        return None
    text = str(value)
    return int(text[:4]) if text[:4].isdigit() else None


def compare(value, symbol, literal):
    """A record's value against a literal: as text against a text, as numbers against a
    number; a record without the value matches only !=."""
    if value is None or isinstance(value, dict | list):
        return symbol == "!="
    if isinstance(literal, str):
        return COMPARISONS[symbol](str(value), literal)
    try:
        number = float(value)
    except ValueError:
        return symbol == "!="
    return COMPARISONS[symbol](number, literal)
