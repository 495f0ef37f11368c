#!/usr/bin/env python3
"""Fails on a module import loop, or on an import that reaches up a layer.

Reads the Rust sources of each crate of the workspace as text: every `use` of `crate::`,
`super::` or `self::` paths, and every path `crate::a::b` written in code, is an arrow
from the file that writes it to the file of the module it names. Tests (`#[cfg(test)]`
modules) and comments are left out. A module may use what it declares (a parent using
its own children is not an arrow), so `mod.rs` facades are fine.

Then, for each crate:
- no loop: the arrows between files form no cycle;
- no arrow up: each top-level module has a layer (LAYERS below, lowest first), and a
  module may use only modules of its own layer or below.

Run from the repository root: `python3 .ci/module_graph.py`. Prints each loop and each
upward arrow with the names that make it, and exits 1 when there is any.
"""

import os
import re
import sys

# crate name -> (source root, the files the crate starts from, layers lowest first).
# A top-level module not listed in a crate with layers is an error, so a new module
# gets its place on purpose.
CRATES = {
    "oauthlab": ("src", ["lib.rs"], None),
    "app": (
        "app/src",
        ["lib.rs"],
        [["model"], ["services"], ["api"], ["components", "enhance"], ["pages"]],
    ),
    "server": (
        "server/src",
        ["lib.rs", "main.rs"],
        [
            # testing: test support (a PostgreSQL database per test), used by tests only.
            ["telemetry", "storage", "shared", "testing"],
            ["practice", "remote", "session"],
            ["http"],
            ["config", "startup"],
            # Other binaries (src/bin/: the bench's yardstick) stand on everything.
            ["bin"],
        ],
    ),
}

USE = re.compile(r"\buse\s+((?:crate|super|self)(?:::[^;]*)?);", re.S)
INLINE = re.compile(r"\b((?:crate|super)(?:::(?:[A-Za-z_][A-Za-z0-9_]*|\{[^}]*\}))+)")


def strip_comments_and_strings(text):
    """The code without comments, string and char literals (strings become `""`)."""
    out, i, n = [], 0, len(text)
    while i < n:
        c = text[i]
        if text.startswith("//", i):
            j = text.find("\n", i)
            i = n if j < 0 else j
        elif text.startswith("/*", i):
            depth, i = 1, i + 2
            while i < n and depth:
                if text.startswith("/*", i):
                    depth, i = depth + 1, i + 2
                elif text.startswith("*/", i):
                    depth, i = depth - 1, i + 2
                else:
                    i += 1
        elif re.match(r'b?r#*"', text[i : i + 260]) and (i == 0 or not (text[i - 1].isalnum() or text[i - 1] == "_")):
            m = re.match(r'b?r(#*)"', text[i:])
            if m is None:  # a b"..." string
                i += 1
                continue
            close = '"' + m.group(1)
            j = text.find(close, i + m.end())
            i = n if j < 0 else j + len(close)
            out.append('""')
        elif c == '"':
            j = i + 1
            while j < n and text[j] != '"':
                j += 2 if text[j] == "\\" else 1
            i = j + 1
            out.append('""')
        elif c == "'":
            # A char literal ('x', '\n', '\u{..}'), or a lifetime ('a).
            m = re.match(r"'(?:\\u\{[0-9a-fA-F]+\}|\\.|[^\\'])'", text[i : i + 12])
            if m:
                i += m.end()
                out.append("' '")
            else:
                out.append(c)
                i += 1
        else:
            out.append(c)
            i += 1
    return "".join(out)


def strip_test_modules(text):
    """Remove `#[cfg(test)] mod x { ... }` blocks (brace-matched)."""
    out, i = [], 0
    pattern = re.compile(r"#\[cfg\(test\)\]\s*(?:pub(?:\([^)]*\))?\s+)?mod\s+\w+\s*\{")
    while True:
        m = pattern.search(text, i)
        if not m:
            out.append(text[i:])
            return "".join(out)
        out.append(text[i : m.start()])
        depth, j = 1, m.end()
        while j < len(text) and depth:
            depth += {"{": 1, "}": -1}.get(text[j], 0)
            j += 1
        i = j


def modules_of(root, entries):
    """Module path (tuple) -> file, for every .rs file under `root`."""
    mods = {}
    for dirpath, _, files in os.walk(root):
        for f in files:
            if not f.endswith(".rs"):
                continue
            full = os.path.join(dirpath, f)
            rel = os.path.relpath(full, root)
            parts = rel[:-3].split(os.sep)
            if rel in entries:
                parts = []
            elif parts[-1] == "mod":
                parts = parts[:-1]
            # A `tests.rs` beside its module holds unit tests only.
            if parts and parts[-1] == "tests":
                continue
            mods.setdefault(tuple(parts), full)
    return mods


def expand(path):
    """`a::{b, c::{d, e}}` -> [a::b, a::c::d, a::c::e] (as lists of segments)."""
    path = re.sub(r"\s+", "", path)
    m = re.match(r"^(.*?)::\{(.*)\}$", path)
    if not m:
        return [path.split("::")]
    prefix, inner = m.group(1), m.group(2)
    items, depth, cur = [], 0, ""
    for c in inner:
        if c == "," and depth == 0:
            items.append(cur)
            cur = ""
            continue
        depth += {"{": 1, "}": -1}.get(c, 0)
        cur += c
    items.append(cur)
    out = []
    for item in filter(None, items):
        for tail in expand(item):
            out.append(prefix.split("::") + tail)
    return out


def resolve(module, segments, mods):
    """The module a path names, as a tuple, from within `module`."""
    base = list(module)
    rest = list(segments)
    if rest and rest[0] == "crate":
        base, rest = [], rest[1:]
    else:
        while rest and rest[0] in ("super", "self"):
            if rest[0] == "super":
                base = base[:-1]
            rest = rest[1:]
    target = tuple(base)
    for seg in rest:
        seg = seg.split(" as ")[0]
        if tuple(base + [seg]) in mods:
            base.append(seg)
            target = tuple(base)
        else:
            break
    return target


def arrows(module, file, mods):
    """(target module, name) for every path the file uses."""
    with open(file, encoding="utf-8") as fh:
        text = strip_test_modules(strip_comments_and_strings(fh.read()))
    found = []
    for m in USE.finditer(text):
        for segs in expand(m.group(1)):
            found.append((resolve(module, segs, mods), segs[-1]))
    for m in INLINE.finditer(text):
        for segs in expand(m.group(1)):
            found.append((resolve(module, segs, mods), segs[-1]))
    return found


def cycles(graph):
    """Strongly connected components with more than one node (Tarjan)."""
    index, low, stack, on, out, counter = {}, {}, [], set(), [], [0]
    sys.setrecursionlimit(10000)

    def visit(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in graph.get(v, ()):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                out.append(sorted(comp))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return out


def check_crate(name, root, entries, layers):
    problems = []
    mods = modules_of(root, entries)
    layer_of = {}
    for n, names in enumerate(layers or []):
        for top in names:
            layer_of[top] = n
    graph, names = {}, {}
    for module, file in sorted(mods.items()):
        for target, name_used in arrows(module, file, mods):
            if target == module or target[: len(module)] == module:
                continue  # itself, or what it declares
            if module[: len(target)] == target and target != ():
                pass  # a child using its parent: an arrow like any other
            graph.setdefault(module, set()).add(target)
            names.setdefault((module, target), set()).add(name_used)
    show = lambda m: mods.get(m, "/".join(m) or "<root>")
    for comp in cycles(graph):
        lines = [f"{name}: import loop between {len(comp)} files:"]
        for a in comp:
            for b in comp:
                if b in graph.get(a, ()):
                    used = ", ".join(sorted(names[(a, b)]))
                    lines.append(f"  {show(a)} -> {show(b)}: {used}")
        problems.append("\n".join(lines))
    if layers:
        for module in mods:
            if module and module[0] not in layer_of:
                problems.append(
                    f"{name}: {show(module)}: top-level module {module[0]!r} has no layer in "
                    f".ci/module_graph.py: give it one"
                )
        for (a, b), used in sorted(names.items()):
            if not a or not b:
                continue
            la, lb = layer_of.get(a[0]), layer_of.get(b[0])
            if la is not None and lb is not None and lb > la:
                problems.append(
                    f"{name}: {show(a)} reaches up to {show(b)} ({', '.join(sorted(used))}): "
                    f"{a[0]} is below {b[0]}"
                )
    return problems, len(mods), sum(len(v) for v in graph.values())


def main():
    problems = []
    for name, (root, entries, layers) in CRATES.items():
        found, files, edges = check_crate(name, root, entries, layers)
        problems += found
        print(f"{name}: {files} files, {edges} arrows, {len(found)} problems")
    for p in problems:
        print(p)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
