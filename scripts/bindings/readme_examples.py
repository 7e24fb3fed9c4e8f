"""Turns the README's Python and Java code blocks into programs, with the TypeScript they translate.

Usage: python3 scripts/bindings/readme_examples.py README.md rosetta/default.ts-fixture OUT [--tablet .jsii.tabl.json]

The README is the source: nothing is copied by hand. Each ```python or ```java block is paired
with the nearest ```ts block above it (the example it translates). Each block is wrapped in a
stack, as jsii-rosetta's fixture (rosetta/default.ts-fixture) wraps the TypeScript: the block's
imports at the top of the file, the rest in the stack's constructor. Written to OUT:
- ts/example_N.ts: the TypeScript block in the rosetta fixture; it also leaves the values of its
  top-level `const`s in globalThis.__exampleValues (strings only are compared);
- python/example_N.py: class Example(Stack), the block in __init__ (its locals kept in
  self.example_locals, for the checks its comments state: `# x.attr == 20`);
- java/readme/ExampleN.java: class ExampleN extends Stack, the block in its constructor;
- examples.json: [{"n", "language", "line", "ts_line"}].
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

FENCE = re.compile(r"^```(ts|typescript|python|java)[ \t]*\n(.*?)^```", re.S | re.M)


def blocks(readme):
    """[(language, code, line)] in README order; line is the first line of the code (1-based)."""
    found = []
    for match in FENCE.finditer(readme):
        language = "ts" if match.group(1) == "typescript" else match.group(1)
        line = readme.count("\n", 0, match.start(2)) + 1
        found.append((language, match.group(2), line))
    return found


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


def python_program(code, line):
    imports, body = split_python(code)
    return (
        f"# Generated from README.md line {line} by scripts/bindings/readme_examples.py: edit the README.\n"
        "from aws_cdk import Stack\n"
        "from constructs import Construct\n"
        f"{imports}\n\n\n"
        "class Example(Stack):\n"
        "    def __init__(self, scope: Construct, id: str) -> None:\n"
        "        super().__init__(scope, id)\n"
        f"{textwrap.indent(body, ' ' * 8)}\n"
        "        self.example_locals = dict(locals())\n"
    )


def java_program(code, line, n):
    imports, body = split_java(code)
    return (
        f"// Generated from README.md line {line} by scripts/bindings/readme_examples.py: edit the README.\n"
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


def ts_program(fixture, code, line):
    names = re.findall(r"^const (\w+)\s*=", code, re.M)
    record = f"(globalThis as any).__exampleValues = {{ {', '.join(names)} }};"
    if "/// here" not in fixture:
        raise SystemExit("the rosetta fixture has no '/// here'")
    program = fixture.replace("/// here", f"{code}\n{record}")
    return f"// Generated from README.md line {line} by scripts/bindings/readme_examples.py: edit the README.\n{program}\nexport {{ Fixture }};\n"


def normalize(code):
    return re.sub(r"\s+", "", code)


def check_java_against_tablet(found, tablet_file):
    with open(tablet_file, encoding="utf-8") as f:
        snippets = json.load(f)["snippets"].values()
    translations = {normalize(s["translations"]["$"]["source"]): s["translations"].get("java", {}).get("source") for s in snippets}
    problems = []
    for language, code, line, ts_code, ts_line in found:
        if language != "java":
            continue
        translated = translations.get(normalize(ts_code))
        if translated is None:
            problems.append(f"README line {line}: jsii-rosetta has no translation of the TypeScript at line {ts_line}")
        elif normalize(split_java(code)[1]) != normalize(translated):
            problems.append(f"README line {line}: the Java is not jsii-rosetta's translation of the TypeScript at line {ts_line}; it translates to:\n{translated}")
    return problems


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("readme")
    parser.add_argument("fixture")
    parser.add_argument("out")
    parser.add_argument("--tablet")
    args = parser.parse_args()
    with open(args.readme, encoding="utf-8") as f:
        found = examples(f.read())
    with open(args.fixture, encoding="utf-8") as f:
        fixture = f.read()
    for sub in ("ts", "python", "java/readme"):
        os.makedirs(os.path.join(args.out, sub), exist_ok=True)
    manifest = []
    counts = {"python": 0, "java": 0}
    for n, (language, code, line, ts_code, ts_line) in enumerate(found, start=1):
        counts[language] += 1
        if language == "python":
            path, program = f"python/example_{n}.py", python_program(code, line)
        else:
            path, program = f"java/readme/Example{n}.java", java_program(code, line, n)
        with open(os.path.join(args.out, path), "w", encoding="utf-8") as f:
            f.write(program)
        with open(os.path.join(args.out, f"ts/example_{n}.ts"), "w", encoding="utf-8") as f:
            f.write(ts_program(fixture, ts_code, ts_line))
        manifest.append({"n": n, "language": language, "line": line, "ts_line": ts_line})
    with open(os.path.join(args.out, "examples.json"), "w", encoding="utf-8") as f:
        json.dump(manifest, f, indent=2)
    problems = []
    if counts["python"] == 0 or counts["java"] == 0:
        problems.append(f"the README has {counts['python']} Python and {counts['java']} Java examples: expected both")
    if args.tablet:
        problems += check_java_against_tablet(found, args.tablet)
    for problem in problems:
        print(problem, file=sys.stderr)
    print(f"README examples: {counts['python']} Python, {counts['java']} Java, each with its TypeScript, in {args.out}")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
