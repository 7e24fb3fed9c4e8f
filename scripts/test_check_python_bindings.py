"""Tests of check_python_bindings.py on a small stand-in for the generated module."""
import unittest

import check_python_bindings as check

BINDINGS = '''
class ThroughputPlan(metaclass=jsii.JSIIMeta):
    def assessment_of(self, mode: "_efs.ThroughputMode") -> "ThroughputModeAssessment": ...
    def format_table(self) -> builtins.str: ...

class ThroughputModeAssessment:
    def __init__(self, *, affordable_cold_starts_per_day: jsii.Number) -> None: ...
    @builtins.property
    def affordable_cold_starts_per_day(self) -> jsii.Number: ...

class ThroughputPlanner(metaclass=jsii.JSIIMeta):
    @builtins.classmethod
    def plan(cls, load: typing.Union["ExpectedLoad", typing.Dict[str, typing.Any]],
             provisioned: typing.Optional["_cdk.Size"] = None) -> "ThroughputPlan": ...

class SynthWarnings(metaclass=jsii.JSIIMeta): ...

class ExpectedLoad:
    def __init__(self, *, stored_data: "_cdk.Size", cold_starts: typing.Sequence["ColdStartLoad"]) -> None: ...

class ColdStartLoad:
    def __init__(self, *, bytes_per_cold_start: "_cdk.Size", cold_starts_per_day: jsii.Number) -> None: ...

class FileSystemClient:
    def __init__(self, *, scope, cold_start_load=None, provisioned_concurrency=None,
                 reserved_concurrent_executions=None, timeout=None) -> None: ...

class EfsBackedFunction:
    def __init__(self, scope, id, *, mount_path, cold_start_load=None, provisioned_concurrency=None,
                 reserved_concurrent_executions=None, timeout=None) -> None: ...
'''

README = '''
```python
from cdk_lambda_efs import ColdStartLoad, ExpectedLoad, ThroughputPlanner

plan = ThroughputPlanner.plan(ExpectedLoad(
    stored_data=Size.gibibytes(10),
    cold_starts=[ColdStartLoad(bytes_per_cold_start=Size.gibibytes(2), cold_starts_per_day=50)],
))
bursting = plan.assessment_of(efs.ThroughputMode.BURSTING)  # bursting.affordable_cold_starts_per_day == 20
print(plan.format_table())
```
'''


def problems(bindings=BINDINGS, readme=README):
    classes = check.read_bindings(bindings)
    found = check.check_signatures(classes)
    for number, code in enumerate(check.python_blocks(readme), start=1):
        found += check.check_example(code, classes, number)
    return found


class SignatureChecks(unittest.TestCase):
    def test_bindings_as_designed_have_no_problem(self):
        self.assertEqual(problems(), [])

    def test_a_table_formatter_that_takes_the_plan_again_is_a_problem(self):
        bad = BINDINGS.replace("def format_table(self)", "def format_table(self, *, load, modes)")
        self.assertIn("ThroughputPlan.format_table must take no argument besides the plan", problems(bad))

    def test_a_static_only_class_with_an_initializer_is_a_problem(self):
        bad = BINDINGS.replace("class SynthWarnings(metaclass=jsii.JSIIMeta): ...",
                               "class SynthWarnings:\n    def __init__(self) -> None: ...")
        self.assertIn("SynthWarnings must not be constructible from Python (it has __init__)", problems(bad))

    def test_client_props_spelled_unlike_the_function_are_a_problem(self):
        bad = BINDINGS.replace("scope, cold_start_load=None", "scope, cold_start=None")
        self.assertIn("FileSystemClient and EfsBackedFunction must both spell 'cold_start_load'", problems(bad))

    def test_a_unit_cut_in_two_is_a_problem(self):
        bad = BINDINGS.replace("def format_table(self)", "def required_peak_mi_bps(self) -> int: ...\n    def format_table(self)")
        self.assertIn("ThroughputPlan.required_peak_mi_bps: 'required_peak_mi_bps' splits a unit (KiB, MiB, GiB) in two",
                      problems(bad))


class ReadmeExampleChecks(unittest.TestCase):
    def test_an_unknown_keyword_names_the_accepted_ones(self):
        bad = README.replace("cold_starts_per_day=50", "coldStartsPerDay=50")
        self.assertEqual(problems(readme=bad), [
            "README Python example 1: ColdStartLoad() has no argument 'coldStartsPerDay'"
            " (it takes bytes_per_cold_start, cold_starts_per_day)"])

    def test_the_plan_passed_to_its_own_formatter_is_a_problem(self):
        bad = README.replace("plan.format_table()", "plan.format_table(plan)")
        self.assertEqual(problems(readme=bad), [
            "README Python example 1: ThroughputPlan.format_table() takes 0 positional arguments, the example passes 1"])

    def test_methods_of_returned_values_are_followed(self):
        bad = README.replace("plan.assessment_of(", "plan.assess(")
        self.assertEqual(problems(readme=bad), ["README Python example 1: ThroughputPlan has no method 'assess'"])

    def test_an_attribute_inside_a_longer_chain_is_checked(self):
        bad = README.replace("print(plan.format_table())", "print(bursting.affordable_starts.real)")
        self.assertEqual(problems(readme=bad), [
            "README Python example 1: ThroughputModeAssessment has no attribute 'affordable_starts'"])

    def test_a_complete_example_is_followed_into_its_stack(self):
        body = README.split("```python\n")[1].split("```")[0]
        complete = ("```python\nfrom aws_cdk import App, Stack\n" + body.splitlines()[0] + "\n\n\nclass Planned(Stack):\n"
                    "    def __init__(self, scope: Construct, id: str) -> None:\n        super().__init__(scope, id)\n"
                    + "\n".join("        " + line for line in body.splitlines()[1:]) + "\n\n\nPlanned(App(), \"P\")\n```\n")
        self.assertEqual(problems(readme=complete), [])
        self.assertEqual(problems(readme=complete.replace("plan.assessment_of(", "plan.assess(")),
                         ["README Python example 1: ThroughputPlan has no method 'assess'"])

    def test_attributes_named_in_comments_are_checked(self):
        bad = README.replace("bursting.affordable_cold_starts_per_day", "bursting.affordable_starts")
        self.assertEqual(problems(readme=bad), [
            "README Python example 1: ThroughputModeAssessment has no attribute 'affordable_starts' (in a comment)"])


if __name__ == "__main__":
    unittest.main()
