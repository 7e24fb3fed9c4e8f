"""Synthesizes the README's Python examples with the installed cdk-lambda-efs package.

Usage: python synth.py GENERATED_DIR OUT_DIR   (GENERATED_DIR from scripts/bindings/readme_examples.py)

Each example (GENERATED_DIR/python/example_N.py, the README block wrapped in a stack) is
synthesized in its own app into OUT_DIR/example_N; what it prints goes to stdout.txt there.
A comment in the example that states a value (`# bursting.affordable_cold_starts_per_day == 20`)
is checked against the example's variables.
"""
import ast
import contextlib
import importlib.util
import io
import json
import os
import re
import sys
from typing import Any, Dict, List

import aws_cdk as cdk

CLAIM = re.compile(r"#\s*([A-Za-z_]\w*(?:\.\w+)*)\s*==\s*(.+?)\s*$", re.M)


def load(path: str) -> Any:
    spec = importlib.util.spec_from_file_location(os.path.basename(path)[:-3], path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def main(generated: str, out_dir: str) -> int:
    with open(os.path.join(generated, "examples.json"), encoding="utf-8") as f:
        manifest: List[Dict[str, Any]] = json.load(f)
    problems: List[str] = []
    for example in manifest:
        if example["language"] != "python":
            continue
        n = example["n"]
        source_file = os.path.join(generated, "python", f"example_{n}.py")
        out = os.path.join(out_dir, f"example_{n}")
        app = cdk.App(outdir=out)
        printed = io.StringIO()
        with contextlib.redirect_stdout(printed):
            stack = load(source_file).Example(app, "Example")
        app.synth()
        with open(os.path.join(out, "stdout.txt"), "w", encoding="utf-8") as f:
            f.write(printed.getvalue())
        with open(source_file, encoding="utf-8") as f:
            claims = CLAIM.findall(f.read())
        for expression, expected in claims:
            actual = eval(expression, {}, stack.example_locals)  # an attribute path, from the README
            if actual != ast.literal_eval(expected):
                problems.append(f"README line {example['line']}: {expression} is {actual!r}, the comment says {expected}")
        print(f"Python example {n} (README line {example['line']}): synthesized, {len(claims)} stated values checked")
    for problem in problems:
        print(problem, file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:]))
