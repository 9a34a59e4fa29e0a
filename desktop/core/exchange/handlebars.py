"""Handlebars (and Mustache) templates translated to Jinja, where the meaning carries over.

Over 500 lines on purpose: one tokenizer and one translator whose block rules refer to each
other; the table above is the whole of what it does.

    {{name}} {{{name}}} {{a.b}}        -> {{ name }} {{ a.b }}
    {{#if x}}..{{else if y}}..{{else}}..{{/if}}
                                       -> {% if x %}..{% elif y %}..{% else %}..{% endif %}
    {{#unless x}}..{{/unless}}         -> {% if not x %}..{% endif %}
    {{#each items}}{{this}} {{name}} {{@index}} {{../top}}{{/each}}
                                       -> {% for item in items %}{{ item }} {{ item.name }}
                                          {{ loop.index0 }} {{ top }}{% endfor %}
    {{#ifEquals a "b"}} / {{#unlessEquals a b}}   -> {% if a == "b" %} / {% if a != b %}
    {{json x indent=2}}                -> {{ x | tojson(indent=2) }}
    {{#with p}}{{name}}{{/with}}       -> {% if p %}{{ p.name }}{% endif %}
    {{! note }} {{!-- note --}}        -> {# note #}
    {{~x~}}                            -> {{- x -}}

Handlebars drops a line that holds only a block tag ("standalone" lines); the translation drops
the same whitespace, so the rendered text is the same. Dotprompt's `{{role "..."}}` and
`{{history}}` come out as separate segments for the caller to split messages on. Anything else
(partials, other helpers, sub-expressions) has no Jinja equivalent here: it is kept as
plain text, where the author will see it, and reported with its line.

Over 500 lines on purpose: the tokenizer, the block tree and the emitter share private token
and scope types and are only correct together; apart, they would have to export those internals.
"""

from __future__ import annotations

import bisect
import json
import re
import shlex
from dataclasses import dataclass, field

from .common import Notes, literal

_ID = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_NUMBER = re.compile(r"-?\d+(\.\d+)?")
_JINJA_WORDS = {"and", "or", "not", "in", "is", "if", "else", "true", "false", "none", "loop",
                "True", "False", "None", "for", "endfor", "endif", "elif", "block", "set"}


@dataclass(frozen=True)
class Segment:
    kind: str  # "text" (Jinja), "role", "history"
    value: str
    line: int


@dataclass
class _Tag:
    raw: str
    body: str  # without braces and ~
    line: int
    strip_left: bool = False
    strip_right: bool = False
    triple: bool = False
    comment: bool = False

    @property
    def sigil(self) -> str:
        body = self.body.lstrip()
        if self.comment:
            return "!"
        if body[:1] in "#/^>&":
            return body[:1]
        if body == "else" or body.startswith("else "):
            return "else"
        return ""


@dataclass
class _Text:
    text: str
    line: int
    cut_start: int = 0
    cut_end: int | None = None

    @property
    def value(self) -> str:
        end = len(self.text) if self.cut_end is None else self.cut_end
        return self.text[self.cut_start:end] if end > self.cut_start else ""


def _tokenize(src: str, notes: Notes, where: str) -> list[_Text | _Tag]:
    starts = [0] + [m.end() for m in re.finditer("\n", src)]

    def line_of(pos: int) -> int:
        return bisect.bisect_right(starts, pos)

    tokens: list[_Text | _Tag] = []
    text: list[str] = []
    text_at = 0
    i = 0

    def flush() -> None:
        nonlocal text
        if text:
            tokens.append(_Text("".join(text), line_of(text_at)))
            text = []

    while i <= len(src):
        j = src.find("{{", i)
        if not text:
            text_at = i
        if j < 0:
            text.append(src[i:])
            break
        chunk = src[i:j]
        if chunk.endswith("\\") and not chunk.endswith("\\\\"):
            # \{{...}} is a literal mustache in Handlebars.
            close = src.find("}}", j)
            close = len(src) if close < 0 else close + 2
            text.append(chunk[:-1] + src[j:close])
            i = close
            continue
        # \\{{x}} is a backslash, then x.
        text.append(chunk[:-1] if chunk.endswith("\\\\") else chunk)
        if src.startswith("{{!--", j) or src.startswith("{{~!--", j):
            dashes = src.find("--", src.find("!--", j) + 3)
            close = src.find("}}", dashes) if dashes >= 0 else -1
        elif src.startswith("{{{{", j):
            close = -1
        elif src.startswith("{{{", j) or src.startswith("{{~{", j):
            close = src.find("}}}", j)
            close = close + 1 if close >= 0 else -1
        else:
            close = src.find("}}", j + 2)
        if close < 0:
            notes.change(f"{where}, line {line_of(j)}: an unclosed or raw '{{{{' was kept as "
                         "plain text")
            text.append(src[j:])
            break
        flush()
        tokens.append(_make_tag(src[j:close + 2], line_of(j)))
        i = close + 2
    flush()
    return tokens


def _make_tag(raw: str, line: int) -> _Tag:
    body = raw[2:-2]
    tag = _Tag(raw, body, line)
    if body.startswith("~"):
        tag.strip_left, body = True, body[1:]
    if body.endswith("~"):
        tag.strip_right, body = True, body[:-1]
    if body.startswith("{") and body.endswith("}"):
        tag.triple, body = True, body[1:-1]
    if body.startswith("!"):
        tag.comment = True
        body = body[1:]
        if body.startswith("--") and body.endswith("--"):
            body = body[2:-2]
    tag.body = body.strip() if not tag.comment else body
    return tag


def _mark_standalone(tokens: list[_Text | _Tag]) -> None:
    """Handlebars removes a line that holds only a block tag, comment or partial."""
    for k, token in enumerate(tokens):
        if not isinstance(token, _Tag) or token.sigil not in ("#", "/", "^", "else", "!", ">"):
            continue
        before = tokens[k - 1] if k > 0 else None
        after = tokens[k + 1] if k + 1 < len(tokens) else None
        if isinstance(before, _Tag) or isinstance(after, _Tag):
            continue
        if before is not None:
            head, nl, tail = before.text.rpartition("\n")
            if tail.strip(" \t\r") or (not nl and k - 1 != 0):
                continue
        if after is not None:
            head, nl, _ = after.text.partition("\n")
            if head.strip(" \t\r") or (not nl and k + 1 != len(tokens) - 1):
                continue
        if before is not None:
            cut = before.text.rfind("\n") + 1
            before.cut_end = cut
        if after is not None:
            nl = after.text.find("\n")
            after.cut_start = len(after.text) if nl < 0 else nl + 1


# -- Tree -------------------------------------------------------------------------------------


@dataclass
class _Block:
    open: _Tag
    helper: str
    args: list[str]
    children: list = field(default_factory=list)
    inverse: list | None = None
    close: _Tag | None = None
    chained: bool = False  # an {{else if}} inside its parent's inverse


def _args(body: str) -> list[str] | None:
    try:
        lexer = shlex.shlex(body, posix=False)
        lexer.whitespace_split = True
        lexer.commenters = ""
        return list(lexer)
    except ValueError:
        return None


def _build(tokens: list[_Text | _Tag], notes: Notes, where: str) -> list:
    root: list = []
    stack: list[tuple[_Block, list]] = []
    current = root
    for token in tokens:
        if isinstance(token, _Text):
            current.append(token)
            continue
        sigil = token.sigil
        if sigil == "^" and token.body.strip() == "^":
            sigil = "else"
        if sigil in ("#", "^") and not token.body.startswith(("#>", "#*")):
            words = _args(token.body[1:].strip()) or [token.body[1:].strip()]
            helper = words[0] if sigil == "#" else "^"
            args = words[1:] if sigil == "#" else words
            block = _Block(token, helper, args)
            current.append(block)
            stack.append((block, current))
            current = block.children
        elif sigil == "else" and stack:
            block = stack[-1][0]
            rest = token.body[4:].strip()
            if rest.startswith("if ") or rest.startswith("unless "):
                words = _args(rest) or rest.split()
                inner = _Block(token, words[0], words[1:], chained=True)
                block.inverse = [inner]
                stack.append((inner, block.inverse))
                current = inner.children
            else:
                block.inverse = []
                current = block.inverse
        elif sigil == "/" and stack:
            name = token.body[1:].strip()
            block, parent = stack.pop()
            while block.chained and stack:  # {{/if}} closes an else-if chain entirely
                block.close = token
                block, parent = stack.pop()
            block.close = token
            if name not in (block.helper, "each", "if", "unless") and block.helper != "^":
                notes.change(f"{where}, line {token.line}: {token.raw} closes "
                             f"{{{{#{block.helper}}}}}")
            current = parent
        else:
            current.append(token)
    if stack:
        block = stack[0][0]
        notes.change(f"{where}, line {block.open.line}: {block.open.raw} is never closed; "
                     "it was closed at the end")
    return root


# -- Emit -------------------------------------------------------------------------------------


@dataclass
class _Scope:
    item: str
    key: str | None = None
    params: dict[str, str] = field(default_factory=dict)


class _Emitter:
    def __init__(self, notes: Notes, where: str, mustache: bool) -> None:
        self.notes = notes
        self.where = where
        self.mustache = mustache
        self.scopes: list[_Scope] = []
        self.taken: set[str] = set()
        self.segments: list[Segment] = []
        self.depth = 0  # blocks we are inside
        self.conditions: set[str] = set()  # top-level names used only to decide

    # output
    def text(self, value: str, line: int) -> None:
        if value:
            if self.segments and self.segments[-1].kind == "text":
                last = self.segments[-1]
                self.segments[-1] = Segment("text", last.value + value, last.line)
            else:
                self.segments.append(Segment("text", value, line))

    def keep(self, tag: _Tag, why: str) -> None:
        self.notes.skip(f"{self.where}, line {tag.line}: {tag.raw} ({why}); kept as plain text")
        self.text(literal(tag.raw), tag.line)

    # paths
    def path(self, word: str) -> str | None:
        if len(word) >= 2 and word[0] == word[-1] and word[0] in "\"'":
            return json.dumps(word[1:-1], ensure_ascii=False)
        if _NUMBER.fullmatch(word):
            return word
        if word in ("true", "false"):
            return word
        if word in ("null", "undefined"):
            return "none"
        if word.startswith("@"):
            return self.data(word[1:])
        up = 0
        while word.startswith("../"):
            up, word = up + 1, word[3:]
        for prefix in ("this.", "this/", "./"):
            if word.startswith(prefix):
                word = word[len(prefix):]
                break
        else:
            if word in ("this", "."):
                word = ""
        scope = self.scopes[-1 - up] if up < len(self.scopes) else None
        if up > len(self.scopes):
            return None
        parts = [p for p in re.split(r"[./]", word) if p] if word else []
        if parts and up == 0:
            for s in reversed(self.scopes):
                if parts[0] in s.params:
                    return s.params[parts[0]] + _suffix(parts[1:])
        if scope is None:
            if not parts:
                return None  # the whole top-level context has no name in Jinja
            first = parts[0].strip("[]")
            if not _ID.fullmatch(first) or first in _JINJA_WORDS:
                return None
            return first + _suffix(parts[1:])
        return scope.item + _suffix(parts)

    def data(self, name: str) -> str | None:
        if name.startswith("root."):
            return self.path(name[5:]) if not self.scopes else self._top(name[5:])
        if not self.scopes:
            return None
        if name == "index":
            return "loop.index0"
        if name == "first":
            return "loop.first"
        if name == "last":
            return "loop.last"
        if name == "key":
            scope = self.scopes[-1]
            if scope.key is None:
                return None
            return scope.key
        return None

    def _top(self, word: str) -> str | None:
        saved, self.scopes = self.scopes, []
        try:
            return self.path(word)
        finally:
            self.scopes = saved

    def expr(self, args: list[str], tag: _Tag) -> str | None:
        """A helper call or a path, as a Jinja expression."""
        if len(args) == 1:
            return self.path(args[0])
        return None

    # nodes
    def emit(self, nodes: list) -> None:
        for node in nodes:
            if isinstance(node, _Text):
                self.text(literal(node.value), node.line)
            elif isinstance(node, _Block):
                self.block(node)
            else:
                self.tag(node)

    def tag(self, tag: _Tag) -> None:
        left = "-" if tag.strip_left else ""
        right = "-" if tag.strip_right else ""
        if tag.comment:
            body = tag.body.replace("#}", "# }")
            self.text("{#" + left + body + right + "#}", tag.line)
            return
        sigil = tag.sigil
        if sigil == ">":
            self.keep(tag, "partials are not imported; paste the partial's text here")
            return
        if sigil in ("/", "else"):
            self.keep(tag, "no matching block")
            return
        body = tag.body[1:].strip() if sigil == "&" else tag.body
        args = _args(body)
        if not args:
            self.keep(tag, "could not read it")
            return
        helper = args[0]
        if not self.mustache and helper == "role" and len(args) == 2:
            role = args[1].strip("\"'")
            if self.depth:
                self.keep(tag, "a role change inside a block cannot be a separate message")
            else:
                self.segments.append(Segment("role", role, tag.line))
            return
        if not self.mustache and helper == "history" and len(args) == 1:
            self.segments.append(Segment("history", "", tag.line))
            return
        if not self.mustache and helper == "media":
            self.notes.skip(f"{self.where}, line {tag.line}: {tag.raw} (images and other media "
                            "are not sent by Promptpress); removed")
            return
        if not self.mustache and helper == "section":
            self.notes.skip(f"{self.where}, line {tag.line}: {tag.raw} (Dotprompt sections "
                            "have no equivalent); removed")
            return
        if not self.mustache and helper == "json" and len(args) >= 2:
            value = self.path(args[1])
            options = [a for a in args[2:] if "=" in a]
            indent = next((a.split("=", 1)[1] for a in options if a.startswith("indent=")), None)
            if value is None or len(args) - 2 != len(options) or (
                    indent is not None and not indent.isdigit()):
                self.keep(tag, "this json call cannot be translated")
                return
            call = f"tojson(indent={indent})" if indent else "tojson"
            self.text("{{" + left + f" {value} | {call} " + right + "}}", tag.line)
            return
        value = self.expr(args, tag)
        if value is None:
            why = (f"the helper '{helper}' has no Jinja equivalent" if len(args) > 1
                   else "this reference has no Jinja equivalent")
            self.keep(tag, why)
            return
        self.text("{{" + left + f" {value} " + right + "}}", tag.line)

    def block(self, block: _Block) -> None:
        tag = block.open
        left = "-" if tag.strip_left else ""
        right = "-" if tag.strip_right else ""
        helper, args = block.helper, block.args
        opening = None
        loop: _Scope | None = None
        if helper in ("if", "unless") and len(args) == 1:
            subject = self.path(args[0])
            if subject is not None:
                self._condition(args[0])
                opening = f"if {subject}" if helper == "if" else f"if not {subject}"
        elif helper in ("ifEquals", "unlessEquals") and len(args) == 2 and not self.mustache:
            a, b = self.path(args[0]), self.path(args[1])
            if a is not None and b is not None:
                opening = f"if {a} {'==' if helper == 'ifEquals' else '!='} {b}"
        elif helper == "each" and args and not self.mustache:
            collection = self.path(args[0])
            params = _block_params(args[1:])
            if collection is not None and params is not None:
                item = params[0] if params else self._item_name(args[0])
                key = None
                if _uses_key(block.children):
                    key = params[1] if len(params) > 1 else self._fresh("key")
                loop = _Scope(item, key)
                if params:
                    loop.params[params[0]] = item
                    if len(params) > 1 and key is None:
                        loop.params[params[1]] = "loop.index0"
                self.taken.update(filter(None, (item, key)))
                target = f"{key}, {item}" if key else item
                source = f"{collection}.items()" if key else collection
                opening = f"for {target} in {source}"
        elif helper == "with" and args and not self.mustache:
            subject = self.path(args[0])
            params = _block_params(args[1:])
            if subject is not None and params is not None:
                # No Jinja variable needed: names inside resolve against the subject's path.
                loop = _Scope(subject)
                if params:
                    loop.params[params[0]] = subject
                opening = f"if {subject}"
        elif helper == "^" and len(args) == 1:
            subject = self.path(args[0])
            if subject is not None:
                self._condition(args[0])
                opening = f"if not {subject}"
        elif len(args) == 0 and helper not in ("with", "each", "if", "unless", "log", "lookup"):
            subject = self.path(helper)
            if subject is not None:
                self._condition(helper)
                opening = f"if {subject}"
                self.notes.change(f"{self.where}, line {tag.line}: the section {tag.raw} became "
                                  f"{{% if {subject} %}}; if '{helper}' is a list to repeat "
                                  "over, change it to a {% for %} loop")
        if opening is None:
            self.keep(tag, "this block has no Jinja equivalent")
            self.depth += 1
            self.emit(block.children)
            if block.inverse is not None:
                self.text(literal("{{else}}"), tag.line)
                self.emit(block.inverse)
            self.depth -= 1
            if block.close is not None:
                self.text(literal(block.close.raw), block.close.line)
            return
        self.text("{%" + left + f" {opening} " + right + "%}", tag.line)
        self.depth += 1
        if loop is not None:
            self.scopes.append(loop)
        self.emit(block.children)
        if loop is not None:
            self.scopes.pop()
        self._inverse(block)
        self.depth -= 1
        end = "endfor" if opening.startswith("for ") else "endif"
        close = block.close
        cl = "-" if close is not None and close.strip_left else ""
        cr = "-" if close is not None and close.strip_right else ""
        self.text("{%" + cl + f" {end} " + cr + "%}", close.line if close else tag.line)

    def _inverse(self, block: _Block) -> None:
        if block.inverse is None:
            return
        if len(block.inverse) == 1 and isinstance(block.inverse[0], _Block) \
                and block.inverse[0].chained and block.inverse[0].helper in ("if", "unless"):
            inner = block.inverse[0]
            subject = self.path(inner.args[0]) if len(inner.args) == 1 else None
            if subject is not None:
                self._condition(inner.args[0])
                test = subject if inner.helper == "if" else f"not {subject}"
                self.text("{%" + f" elif {test} " + "%}", inner.open.line)
                self.emit(inner.children)
                self._inverse(inner)
                return
        self.text("{% else %}", block.open.line)
        self.emit(block.inverse)

    def _condition(self, word: str) -> None:
        if not self.scopes and _ID.fullmatch(word):
            self.conditions.add(word)

    def _item_name(self, collection: str) -> str:
        last = re.split(r"[./]", collection.strip("[]"))[-1]
        base = last[:-1] if len(last) > 2 and last.endswith("s") and _ID.fullmatch(last) else ""
        return self._fresh(base or "item")

    def _fresh(self, base: str) -> str:
        name = base if base not in _JINJA_WORDS else base + "_"
        n = 2
        while name in self.taken:
            name, n = f"{base}{n}", n + 1
        return name


def _suffix(parts: list[str]) -> str:
    out = ""
    for part in parts:
        bare = part[1:-1] if part.startswith("[") and part.endswith("]") else part
        if part.isdigit():
            out += f"[{part}]"
        elif _ID.fullmatch(bare) and bare not in _JINJA_WORDS:
            out += "." + bare
        else:
            out += "[" + json.dumps(bare, ensure_ascii=False) + "]"
    return out


def _block_params(words: list[str]) -> list[str] | None:
    if not words:
        return []
    joined = " ".join(words)
    match = re.fullmatch(r"as\s*\|\s*([A-Za-z_]\w*)(?:\s+([A-Za-z_]\w*))?\s*\|", joined)
    if match is None:
        return None
    return [g for g in match.groups() if g]


def _uses_key(nodes: list) -> bool:
    for node in nodes:
        if isinstance(node, _Tag) and "@key" in node.body:
            return True
        if isinstance(node, _Block):
            if "@key" in " ".join(node.args):
                return True
            if node.helper != "each" and (_uses_key(node.children)
                                          or _uses_key(node.inverse or [])):
                return True
    return False


def _top_names(tokens: list) -> set[str]:
    names = set()
    for token in tokens:
        if isinstance(token, _Tag) and not token.comment:
            for word in _args(token.body.lstrip("#/^&").strip()) or []:
                head = re.split(r"[./]", word)[0]
                if _ID.fullmatch(head):
                    names.add(head)
    return names


@dataclass
class Translation:
    segments: list[Segment]
    conditions: set[str]  # top-level names that only decide an {{#if}} / {{#unless}}


def translate(template: str, notes: Notes, *, where: str, mustache: bool = False) -> Translation:
    """Translate a Handlebars (or Mustache) template into Jinja segments."""
    tokens = _tokenize(template, notes, where)
    _mark_standalone(tokens)
    tree = _build(tokens, notes, where)
    emitter = _Emitter(notes, where, mustache)
    emitter.taken = _top_names(tokens)
    emitter.emit(tree)
    return Translation(emitter.segments, emitter.conditions)
