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


COMPLETE = '''# y

```ts nofixture
import { App, Stack } from 'aws-cdk-lib';
import { Thing } from 'cdk-lambda-efs';
import { AwsSolutionsChecks } from 'cdk-nag';
import { Construct } from 'constructs';

class ThingStack extends Stack {
  constructor(scope: Construct, id: string) {
    super(scope, id);
    const a = new Thing(this, 'A', { mountPath: '/mnt/a' });
    if (a) { a.node.addDependency(this); }
  }
}

const app = new App();
Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
new ThingStack(app, 'Things');
```

```python
from aws_cdk import App, Stack
from cdk_lambda_efs import Thing
from cdk_nag import AwsSolutionsChecks
from constructs import Construct


class ThingStack(Stack):
    def __init__(self, scope: Construct, id: str) -> None:
        super().__init__(scope, id)
        a = Thing(self, "A", mount_path="/mnt/a")


app = App()
ThingStack(app, "Things")
```

```java
import io.github.cdklabs.cdknag.AwsSolutionsChecks;
import software.amazon.awscdk.App;
import software.amazon.awscdk.Stack;
import io.github.cdklambdaefs.Thing;

public class ThingStack extends Stack {
    public ThingStack(final Construct scope, final String id) {
        super(scope, id);
        Thing a = Thing.Builder.create(this, "A").mountPath("/mnt/a").build();
    }

    public static void main(final String[] args) {
        new ThingStack(new App(), "Things");
    }
}
```
'''


class CompleteExamples(unittest.TestCase):
    """A block with its own stack class and app contributes its stack's constructor, as a fixture's block does."""

    def test_fences_with_rosetta_parameters_are_read(self):
        self.assertEqual([(language, ts_line) for language, _, _, _, ts_line in readme_examples.examples(COMPLETE)],
                         [("python", 4), ("java", 4)])

    def test_the_typescript_contributes_its_constructor_body(self):
        ts = readme_examples.examples(COMPLETE)[0][3]
        program = readme_examples.ts_program("class F {\n  /// here\n}\n", ts, 4)
        self.assertIn("class F {\n  const a = new Thing(this, 'A', { mountPath: '/mnt/a' });\n"
                      "if (a) { a.node.addDependency(this); }\n(globalThis as any).__exampleValues = { a };", program)
        self.assertNotIn("ThingStack", program)
        self.assertNotIn("import", program)

    def test_python_keeps_the_constructor_and_the_imports_the_tests_install(self):
        program = readme_examples.python_program(readme_examples.examples(COMPLETE)[0][1], 24)
        self.assertIn("from cdk_lambda_efs import Thing\n", program)
        self.assertNotIn("cdk_nag", program)
        self.assertNotIn("ThingStack", program)
        self.assertIn('\n        a = Thing(self, "A", mount_path="/mnt/a")\n        self.example_locals', program)
        compile(program, "example.py", "exec")

    def test_java_keeps_the_constructor_and_the_imports_the_tests_install(self):
        java = readme_examples.java_program(readme_examples.examples(COMPLETE)[1][1], 40, 2)
        self.assertNotIn("cdknag", java)
        self.assertNotIn("ThingStack", java)
        self.assertIn('super(scope, id);\n        Thing a = Thing.Builder.create(this, "A").mountPath("/mnt/a").build();\n    }\n}', java)

    def test_the_java_is_compared_with_the_constructor_rosetta_translates(self):
        found = readme_examples.examples(COMPLETE)
        translation = ("public class ThingStack extends Stack {\n    public ThingStack(Construct scope, String id) {\n"
                       "        super(scope, id);\n        Thing a = Thing.Builder.create(this, \"A\").mountPath(\"/mnt/{}\").build();\n"
                       "    }\n}\n\nApp app = new App();\n")
        for mount, expected in (("a", 0), ("b", 1)):
            with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as f:
                json.dump({"snippets": {"1": {"translations": {
                    "$": {"source": found[0][3]}, "java": {"source": translation.replace("{}", mount)}}}}}, f)
            try:
                problems = readme_examples.check_java_against_tablet(found, f.name)
            finally:
                os.unlink(f.name)
            self.assertEqual(len(problems), expected, problems)


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
