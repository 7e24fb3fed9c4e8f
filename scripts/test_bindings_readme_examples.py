"""Tests of scripts/bindings/readme_examples.py and compare.py on a small README (run by npm test)."""
import json
import os
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "bindings"))

import compare  # noqa: E402
import readme_examples  # noqa: E402

README = '''# x

```ts
const a = new Thing(this, 'A', { mountPath: '/mnt/a' });
```

```python
from aws_cdk import Duration
from cdk_lambda_efs import (
    Thing,
)

a = Thing(self, "A", mount_path="/mnt/a")  # a.mount_path == "/mnt/a"
```

```java
import io.github.cdklambdaefs.Thing;

Thing a = Thing.Builder.create(this, "A").mountPath("/mnt/a").build();
```

```ts
const table = plan.formatTable();
```

```python
print(plan.format_table())
```
'''


class Examples(unittest.TestCase):
    def test_each_python_and_java_block_is_paired_with_the_typescript_above_it(self):
        found = readme_examples.examples(README)
        self.assertEqual([(language, ts_line) for language, _, _, _, ts_line in found],
                         [("python", 4), ("java", 4), ("python", 23)])

    def test_imports_go_to_the_top_and_the_rest_into_the_stack(self):
        program = readme_examples.python_program(readme_examples.examples(README)[0][1], 8)
        self.assertIn("from cdk_lambda_efs import (\n    Thing,\n)\n", program)
        self.assertIn('\n        a = Thing(self, "A", mount_path="/mnt/a")', program)
        compile(program, "example.py", "exec")
        java = readme_examples.java_program(readme_examples.examples(README)[1][1], 20, 2)
        self.assertIn("import io.github.cdklambdaefs.Thing;\n", java)
        self.assertIn('        Thing a = Thing.Builder.create(this, "A")', java)

    def test_the_typescript_leaves_its_consts_for_the_comparison(self):
        program = readme_examples.ts_program("class F {\n  /// here\n}\n", "const table = plan.formatTable();\n", 29)
        self.assertIn("(globalThis as any).__exampleValues = { table };", program)

    def test_java_that_is_not_rosettas_translation_is_a_problem(self):
        found = readme_examples.examples(README)
        with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as f:
            json.dump({"snippets": {"1": {"translations": {
                "$": {"source": "const a = new Thing(this, 'A', { mountPath: '/mnt/a' });"},
                "java": {"source": 'Thing a = Thing.Builder.create(this, "A").mountPath("/mnt/b").build();'}}}}}, f)
        try:
            problems = readme_examples.check_java_against_tablet(found, f.name)
        finally:
            os.unlink(f.name)
        self.assertEqual(len(problems), 1)
        self.assertIn("not jsii-rosetta's translation", problems[0])


class Compare(unittest.TestCase):
    def test_differences_name_the_paths(self):
        a = {"Resources": {"Fn": {"Properties": {"MemorySize": 3008, "Tags": [1, 2]}}}}
        b = {"Resources": {"Fn": {"Properties": {"MemorySize": 1024, "Tags": [1]}}, "Extra": {}}}
        self.assertEqual(compare.differences(a, b), [
            "$.Resources.Extra: only in the other",
            "$.Resources.Fn.Properties.MemorySize: 3008 != 1024",
            "$.Resources.Fn.Properties.Tags: 2 items != 1",
        ])
        self.assertEqual(compare.differences(a, json.loads(json.dumps(a))), [])


if __name__ == "__main__":
    unittest.main()
