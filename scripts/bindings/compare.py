"""Compares what the README's Python or Java examples synthesized with their TypeScript.

Usage: python3 compare.py GENERATED_DIR TS_OUT OTHER_OUT LANGUAGE LABEL

For each example of LANGUAGE in GENERATED_DIR/examples.json: OTHER_OUT/example_N/Example.template.json
must equal TS_OUT/example_N/Example.template.json as JSON (the TypeScript block it translates,
synthesized with the same aws-cdk-lib). What the example prints (stdout.txt, Python) must be one
of the strings the TypeScript computes (values.json): `print(plan.format_table())` is
`const table = plan.formatTable()`. Exits 1 with the differing paths.
"""
import json
import os
import sys


def differences(a, b, path="$"):
    if type(a) is not type(b):
        return [f"{path}: {json.dumps(a)[:120]} != {json.dumps(b)[:120]}"]
    if isinstance(a, dict):
        found = []
        for key in sorted(set(a) | set(b)):
            if key not in a or key not in b:
                found.append(f"{path}.{key}: only in {'TypeScript' if key in a else 'the other'}")
            else:
                found += differences(a[key], b[key], f"{path}.{key}")
        return found
    if isinstance(a, list):
        if len(a) != len(b):
            return [f"{path}: {len(a)} items != {len(b)}"]
        return [d for i, (x, y) in enumerate(zip(a, b)) for d in differences(x, y, f"{path}[{i}]")]
    return [] if a == b else [f"{path}: {json.dumps(a)[:120]} != {json.dumps(b)[:120]}"]


def main(generated, ts_out, other_out, language, label):
    with open(os.path.join(generated, "examples.json"), encoding="utf-8") as f:
        manifest = [e for e in json.load(f) if e["language"] == language]
    problems = []
    for example in manifest:
        n = example["n"]
        with open(os.path.join(ts_out, f"example_{n}", "Example.template.json"), encoding="utf-8") as f:
            expected = json.load(f)
        with open(os.path.join(other_out, f"example_{n}", "Example.template.json"), encoding="utf-8") as f:
            actual = json.load(f)
        found = differences(expected, actual)
        where = f"{label}: {example.get('file', 'README.md')} line {example['line']} (TypeScript line {example['ts_line']})"
        if found:
            problems.append(f"{where}: the template differs from the TypeScript one in {len(found)} places:\n  "
                            + "\n  ".join(found[:20]))
        printed_file = os.path.join(other_out, f"example_{n}", "stdout.txt")
        printed = open(printed_file, encoding="utf-8").read().rstrip("\n") if os.path.exists(printed_file) else ""
        if printed:
            with open(os.path.join(ts_out, f"example_{n}", "values.json"), encoding="utf-8") as f:
                values = json.load(f)
            if printed not in [v.rstrip("\n") for v in values.values()]:
                problems.append(f"{where}: prints what no string of the TypeScript holds ({', '.join(values) or 'none'}):\n{printed}")
        if not found:
            resources = len(actual.get("Resources", {}))
            extra = f", prints the TypeScript's {next(k for k, v in values.items() if v.rstrip(chr(10)) == printed)}" if printed and not problems else ""
            print(f"{where}: same template as TypeScript ({resources} resources){extra}")
    for problem in problems:
        print(problem, file=sys.stderr)
    if not manifest:
        problems.append(f"no {language} example")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:]))
