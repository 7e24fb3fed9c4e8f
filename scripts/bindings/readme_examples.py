"""Turns the README's Python and Java code blocks into programs, with the TypeScript they translate.

Usage: python3 scripts/bindings/readme_examples.py README.md rosetta/default.ts-fixture OUT
           [--also docs/throughput-and-cost.md ...] [--tablet .jsii.tabl.json]

The README (and each --also file) is the source: nothing is copied by hand. Each ```python or
```java block is paired with the nearest ```ts block above it in the same file (the example it
translates). Each block is wrapped in a stack, as jsii-rosetta's fixture (rosetta/default.ts-fixture)
wraps the TypeScript: the block's imports at the top of the file, the rest in the stack's
constructor. A complete example (a block that declares its own stack class, `class X extends
Stack`, and the app around it, as the README's first one does) contributes the body of its
stack's constructor, after the `super` call, and only the imports the bindings tests install
(aws-cdk-lib, constructs, this package: the rule packs the app registers are left out). Written to OUT:
- ts/example_N.ts: the TypeScript block in the rosetta fixture; it also leaves the values of its
  top-level `const`s in globalThis.__exampleValues (strings only are compared);
- python/example_N.py: class Example(Stack), the block in __init__ (its locals kept in
  self.example_locals, for the checks its comments state: `# x.attr == 20`);
- java/readme/ExampleN.java: class ExampleN extends Stack, the block in its constructor;
- examples.json: [{"n", "language", "file", "line", "ts_line"}].
With --tablet, each Java block's code (without its imports) must be what jsii-rosetta translates
its TypeScript block to (whitespace aside): the README's Java stays the translation of the
TypeScript it stands beside.
"""
import argparse
import ast
import json
import os
import re
import sys
import textwrap

FENCE = re.compile(r"^```(ts|typescript|python|java)(?:[ \t][^\n]*)?\n(.*?)^```", re.S | re.M)
# What a complete example's imports may name in the generated programs (what the bindings tests install).
KEPT_PYTHON_MODULES = re.compile(r"^(aws_cdk|constructs|cdk_lambda_efs)(\.|$)")
KEPT_JAVA_IMPORTS = re.compile(r"^\s*import\s+(static\s+)?(java\.|software\.amazon\.awscdk\.|software\.constructs\.|io\.github\.cdklambdaefs\.)")
TS_STACK_CLASS = re.compile(r"^\s*(export\s+)?class\s+\w+\s+extends\s+(cdk\.)?Stack\b", re.M)
JAVA_STACK_CLASS = re.compile(r"^\s*(public\s+)?class\s+\w+\s+extends\s+Stack\b", re.M)


def blocks(readme):
    """[(language, code, line)] in README order; line is the first line of the code (1-based)."""
    found = []
    for match in FENCE.finditer(readme):
        language = "ts" if match.group(1) == "typescript" else match.group(1)
        line = readme.count("\n", 0, match.start(2)) + 1
        found.append((language, match.group(2), line))
    return found


def braced_body_after(code, start):
    """The text from ``start`` up to the `}` that closes the block ``start`` is in (strings and
    comments are not parsed: enough for the constructor of an example)."""
    depth = 0
    for i in range(start, len(code)):
        if code[i] == "{":
            depth += 1
        elif code[i] == "}":
            if depth == 0:
                return code[start:i]
            depth -= 1
    raise SystemExit("a complete example's constructor has no closing brace")


def constructor_body(code, language):
    """The statements after `super(...)` in a complete example's stack constructor, dedented."""
    match = re.search(r"^[ \t]*super\([^;]*\);[ \t]*\n", code, re.M)
    if match is None:
        raise SystemExit(f"a complete {language} example has no `super(...);` in its stack's constructor")
    return textwrap.dedent(braced_body_after(code, match.end())).strip("\n") + "\n"


def is_complete(code, language):
    if language == "ts":
        return TS_STACK_CLASS.search(code) is not None
    if language == "java":
        return JAVA_STACK_CLASS.search(code) is not None
    return any(isinstance(node, ast.ClassDef) and any(getattr(b, "id", None) == "Stack" for b in node.bases)
               for node in ast.parse(code).body)


def stack_part(code, language):
    """(imports, body) of a block: a complete example's stack constructor, or the block as it is."""
    if language == "python":
        if not is_complete(code, language):
            return split_python(code)
        tree = ast.parse(code)
        lines = code.splitlines()
        imports = []
        for node in tree.body:
            if isinstance(node, ast.ImportFrom) and KEPT_PYTHON_MODULES.match(node.module or ""):
                imports.extend(lines[node.lineno - 1:node.end_lineno])
            elif isinstance(node, ast.Import) and all(KEPT_PYTHON_MODULES.match(a.name) for a in node.names):
                imports.extend(lines[node.lineno - 1:node.end_lineno])
        stack = next(node for node in tree.body if isinstance(node, ast.ClassDef))
        init = next(node for node in stack.body if isinstance(node, ast.FunctionDef) and node.name == "__init__")
        statements = [s for s in init.body if not ("super()" in ast.unparse(s) and "__init__" in ast.unparse(s))]
        body = textwrap.dedent("\n".join(lines[statements[0].lineno - 1:statements[-1].end_lineno]))
        return "\n".join(imports), body.strip("\n")
    if not is_complete(code, language):
        return split_java(code) if language == "java" else ("", code)
    imports = [line for line in code.splitlines() if KEPT_JAVA_IMPORTS.match(line)] if language == "java" else []
    return "\n".join(imports), constructor_body(code, language).strip("\n")


def examples(readme):
    """[(language, code, line, ts_code, ts_line)] for every Python and Java block."""
    result = []
    last_ts = None
    for language, code, line in blocks(readme):
        if language == "ts":
            last_ts = (code, line)
        else:
            if last_ts is None:
                raise SystemExit(f"README line {line}: a {language} block with no TypeScript block above it")
            result.append((language, code, line, *last_ts))
    return result


def split_python(code):
    """(imports, body): the top-level import statements, and the rest, as source text."""
    lines = code.splitlines()
    import_lines = set()
    for node in ast.parse(code).body:
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            import_lines.update(range(node.lineno - 1, node.end_lineno))
    imports = [line for i, line in enumerate(lines) if i in import_lines]
    body = [line for i, line in enumerate(lines) if i not in import_lines]
    return "\n".join(imports), "\n".join(body).strip("\n")


def split_java(code):
    lines = code.splitlines()
    imports = [line for line in lines if re.match(r"\s*import\s", line)]
    body = [line for line in lines if not re.match(r"\s*import\s", line)]
    return "\n".join(imports), "\n".join(body).strip("\n")


def python_program(code, line, source="README.md"):
    imports, body = stack_part(code, "python")
    return (
        f"# Generated from {source} line {line} by scripts/bindings/readme_examples.py: edit the README.\n"
        "from aws_cdk import Stack\n"
        "from constructs import Construct\n"
        f"{imports}\n\n\n"
        "class Example(Stack):\n"
        "    def __init__(self, scope: Construct, id: str) -> None:\n"
        "        super().__init__(scope, id)\n"
        f"{textwrap.indent(body, ' ' * 8)}\n"
        "        self.example_locals = dict(locals())\n"
    )


def java_program(code, line, n, source="README.md"):
    imports, body = stack_part(code, "java")
    return (
        f"// Generated from {source} line {line} by scripts/bindings/readme_examples.py: edit the README.\n"
        "package readme;\n\n"
        "import software.amazon.awscdk.Stack;\n"
        "import software.constructs.Construct;\n"
        f"{imports}\n\n"
        f"public class Example{n} extends Stack {{\n"
        f"    public Example{n}(final Construct scope, final String id) {{\n"
        "        super(scope, id);\n"
        f"{textwrap.indent(body, ' ' * 8)}\n"
        "    }\n"
        "}\n"
    )


def ts_program(fixture, code, line, source="README.md"):
    code = stack_part(code, "ts")[1]
    names = re.findall(r"^const (\w+)\s*=", code, re.M)
    record = f"(globalThis as any).__exampleValues = {{ {', '.join(names)} }};"
    if "/// here" not in fixture:
        raise SystemExit("the rosetta fixture has no '/// here'")
    program = fixture.replace("/// here", f"{code}\n{record}")
    return f"// Generated from {source} line {line} by scripts/bindings/readme_examples.py: edit the README.\n{program}\nexport {{ Fixture }};\n"


def normalize(code):
    return re.sub(r"\s+", "", code)


def check_java_against_tablet(found, tablet_file):
    with open(tablet_file, encoding="utf-8") as f:
        snippets = json.load(f)["snippets"].values()
    translations = {normalize(s["translations"]["$"]["source"]): s["translations"].get("java", {}).get("source") for s in snippets}
    problems = []
    for language, code, line, ts_code, ts_line, *source in found:
        if language != "java":
            continue
        where = source[0] if source else "README"
        translated = translations.get(normalize(ts_code))
        if translated is None:
            problems.append(f"{where} line {line}: jsii-rosetta has no translation of the TypeScript at line {ts_line}")
            continue
        if is_complete(ts_code, "ts"):
            # A complete example: jsii-rosetta translates the whole program; compare the stack's constructor.
            ours, theirs = constructor_body(code, "java"), constructor_body(translated, "java")
        else:
            ours, theirs = split_java(code)[1], translated
        if normalize(ours) != normalize(theirs):
            problems.append(f"{where} line {line}: the Java is not jsii-rosetta's translation of the TypeScript at line {ts_line}; it translates to:\n{translated}")
    return problems


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("readme")
    parser.add_argument("fixture")
    parser.add_argument("out")
    parser.add_argument("--also", action="append", default=[], help="another Markdown file with examples")
    parser.add_argument("--tablet")
    args = parser.parse_args()
    found = []
    for name in [args.readme, *args.also]:
        with open(name, encoding="utf-8") as f:
            found += [(*example, name) for example in examples(f.read())]
    with open(args.fixture, encoding="utf-8") as f:
        fixture = f.read()
    for sub in ("ts", "python", "java/readme"):
        os.makedirs(os.path.join(args.out, sub), exist_ok=True)
    manifest = []
    counts = {"python": 0, "java": 0}
    for n, (language, code, line, ts_code, ts_line, source) in enumerate(found, start=1):
        counts[language] += 1
        if language == "python":
            path, program = f"python/example_{n}.py", python_program(code, line, source)
        else:
            path, program = f"java/readme/Example{n}.java", java_program(code, line, n, source)
        with open(os.path.join(args.out, path), "w", encoding="utf-8") as f:
            f.write(program)
        with open(os.path.join(args.out, f"ts/example_{n}.ts"), "w", encoding="utf-8") as f:
            f.write(ts_program(fixture, ts_code, ts_line, source))
        manifest.append({"n": n, "language": language, "file": source, "line": line, "ts_line": ts_line})
    with open(os.path.join(args.out, "examples.json"), "w", encoding="utf-8") as f:
        json.dump(manifest, f, indent=2)
    problems = []
    if counts["python"] == 0 or counts["java"] == 0:
        problems.append(f"the README has {counts['python']} Python and {counts['java']} Java examples: expected both")
    if args.tablet:
        problems += check_java_against_tablet(found, args.tablet)
    for problem in problems:
        print(problem, file=sys.stderr)
    print(f"README examples ({', '.join([args.readme, *args.also])}): {counts['python']} Python, {counts['java']} Java,"
          f" each with its TypeScript, in {args.out}")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
