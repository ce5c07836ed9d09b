#!/usr/bin/env python3
"""Fails when the files of a crate import each other in a loop.

Every `src/` directory of the workspace is read. A file is one module
(`a.rs` or `a/mod.rs` is `a`). A reference from one module to another is a
path in code that names it: `crate::a::b::Name`, `super::x`, `self::x`, or a
child module declared with `mod x;` used as `x::…`. Names the crate root
re-exports (`pub use a::Name;` in lib.rs) count as references to `a`. The
root itself (lib.rs, main.rs) only wires modules together and is left out.

    python3 .ci/import-loops.py [DIR …]     # default: every crate's src/
    python3 .ci/import-loops.py --self-test

Exit 1 and a list of the loops (file -> file: the path that ties them) when
any crate has one.
"""

from __future__ import annotations

import os
import re
import sys
import tempfile
from pathlib import Path

PATH = re.compile(r"\b(crate|super|self)((?:::[A-Za-z_][A-Za-z0-9_]*)+)")
GROUP = re.compile(r"\b(crate|super|self)::\{([^;]*?)\};", re.S)
MOD_DECL = re.compile(r"^\s*(?:pub(?:\([^)]*\))?\s+)?mod\s+([a-z_][a-z0-9_]*)\s*;", re.M)
REEXPORT = re.compile(r"^\s*pub(?:\([^)]*\))?\s+use\s+([a-z_][a-z0-9_]*)((?:::[^;]*)?);", re.M)
LINE_COMMENT = re.compile(r"//[^\n]*")
BLOCK_COMMENT = re.compile(r"/\*.*?\*/", re.S)
STRING = re.compile(r'"(?:\\.|[^"\\])*"')
TEST_MODULE = re.compile(r"#\[cfg\(test\)\]\s*mod\s+\w+\s*\{")


def module_of(src: Path, file: Path) -> tuple[str, ...]:
    parts = list(file.relative_to(src).with_suffix("").parts)
    if parts[-1] == "mod":
        parts.pop()
    if parts in (["lib"], ["main"]):
        return ()
    return tuple(parts)


def strip(code: str) -> str:
    code = BLOCK_COMMENT.sub("", code)
    code = LINE_COMMENT.sub("", code)
    code = STRING.sub('""', code)
    # A unit-test module may use anything of its parent; it is not an import of the file.
    match = TEST_MODULE.search(code)
    return code[: match.start()] if match else code


def expand_groups(code: str) -> list[tuple[str, str]]:
    """`crate::{a::X, b}` → ("crate", "::a::X"), ("crate", "::b")."""
    found = []
    for root, body in GROUP.findall(code):
        for item in body.split(","):
            item = item.strip().split(" as ")[0].strip()
            head = re.match(r"[A-Za-z_][A-Za-z0-9_]*(?:::[A-Za-z_][A-Za-z0-9_]*)*", item)
            if head:
                found.append((root, "::" + head.group(0)))
    return found


def crate_graph(src: Path) -> dict[tuple[str, ...], dict[tuple[str, ...], str]]:
    files = {module_of(src, f): f for f in src.rglob("*.rs")}
    modules = set(files)
    # Names each module hands on with `pub use`: name -> the path it names.
    reexports: dict[tuple[str, ...], dict[str, tuple[str, ...]]] = {}
    for module, file in files.items():
        here = module if file.name in ("mod.rs", "lib.rs", "main.rs") else module[:-1]
        for first, rest in REEXPORT.findall(strip(file.read_text())):
            base = () if first == "crate" else here[:-1] if first == "super" else here
            start = () if first in ("crate", "super", "self") else (first,)
            for item in re.findall(r"[A-Za-z_][A-Za-z0-9_]*(?:::[A-Za-z_][A-Za-z0-9_]*)*", rest):
                parts = tuple(item.split("::"))
                reexports.setdefault(module, {}).setdefault(parts[-1], base + start + parts)

    def resolve(path: tuple[str, ...], depth: int = 0) -> tuple[str, ...] | None:
        for length in range(len(path), -1, -1):
            if path[:length] in modules:
                owner, rest = path[:length], path[length:]
                handed_on = reexports.get(owner, {}).get(rest[0]) if rest else None
                if handed_on and depth < 8:
                    return resolve(handed_on + rest[1:], depth + 1) or owner
                return owner
        return None

    graph: dict[tuple[str, ...], dict[tuple[str, ...], str]] = {}
    for module, file in files.items():
        if module == ():
            continue
        code = strip(file.read_text())
        is_dir_module = file.name == "mod.rs"
        here = module if is_dir_module else module[:-1]
        references = PATH.findall(code) + expand_groups(code)
        children = MOD_DECL.findall(code)
        for child in children:
            uses = re.findall(rf"(?<![\w:]){child}((?:::[A-Za-z_]\w*)+)", code)
            references += [("self", f"::{child}{rest}") for rest in uses]
        edges = graph.setdefault(module, {})
        for root, rest in references:
            names = tuple(rest.strip(":").split("::"))
            if root == "crate":
                base: tuple[str, ...] = ()
            elif root == "super":
                base = here[:-1]
            else:
                base = here
            target = resolve(base + names)
            if target and target != module and target != ():
                edges.setdefault(target, f"{root}{rest}")
    return graph


def loops(graph: dict[tuple[str, ...], dict[tuple[str, ...], str]]) -> list[list[tuple[str, ...]]]:
    """Strongly connected components of more than one module (Tarjan)."""
    index: dict = {}
    low: dict = {}
    stack: list = []
    on_stack: set = set()
    found: list = []
    counter = [0]

    def visit(node):
        index[node] = low[node] = counter[0]
        counter[0] += 1
        stack.append(node)
        on_stack.add(node)
        for nxt in graph.get(node, {}):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                top = stack.pop()
                on_stack.discard(top)
                component.append(top)
                if top == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    sys.setrecursionlimit(10_000)
    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def check(dirs: list[Path]) -> int:
    failures = 0
    for src in dirs:
        graph = crate_graph(src)
        for component in loops(graph):
            failures += 1
            print(f"import loop in {src}:")
            members = set(component)
            for module in component:
                for target, path in sorted(graph[module].items()):
                    if target in members:
                        print(f"  {'/'.join(module)} -> {'/'.join(target)}: {path}")
    if failures == 0:
        print(f"no import loops in {len(dirs)} crates")
    return 1 if failures else 0


def self_test() -> int:
    with tempfile.TemporaryDirectory() as tmp:
        src = Path(tmp) / "src"
        (src / "b").mkdir(parents=True)
        (src / "lib.rs").write_text("mod a;\nmod b;\nmod c;\npub use c::Thing;\n")
        (src / "a.rs").write_text("use crate::b::inner::Deep;\n// use crate::c::Ignored;\n")
        (src / "b" / "mod.rs").write_text("pub mod inner;\n")
        (src / "b" / "inner.rs").write_text("use crate::{c::Other, Thing};\n")
        (src / "c.rs").write_text('const S: &str = "crate::a::Fake";\nfn f() { super::a::g(); }\n')
        graph = crate_graph(src)
        assert graph[("a",)] == {("b", "inner"): "crate::b::inner::Deep"}, graph[("a",)]
        assert set(graph[("b", "inner")]) == {("c",)}, graph[("b", "inner")]
        assert loops(graph) == [[("a",), ("b", "inner"), ("c",)]], loops(graph)
        (src / "c.rs").write_text("#[cfg(test)]\nmod tests {\n    use crate::a::Any;\n}\n")
        assert loops(crate_graph(src)) == [], "a test module is not an import"
    print("self-test passed")
    return 0


def main(argv: list[str]) -> int:
    if argv == ["--self-test"]:
        return self_test()
    top = Path(__file__).resolve().parent.parent
    dirs = [Path(d) for d in argv] or sorted(
        Path(root)
        for root, _, _ in os.walk(top)
        if Path(root).name == "src"
        and (Path(root).parent / "Cargo.toml").exists()
        and "target" not in Path(root).relative_to(top).parts
    )
    return check(dirs)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
