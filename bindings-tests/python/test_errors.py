"""Bad inputs from Python: the errors a Python user gets name the arguments as Python spells them.

Runs against the installed cdk-lambda-efs package (python -m unittest test_errors), with Python's
type checks on. mypy runs over this file too: each call that passes a bad argument on purpose
carries the `type: ignore[code]` mypy needs, and mypy's --warn-unused-ignores fails if mypy no
longer flags it (so the type hints catch these in a user's editor before any run).
"""
import unittest
import aws_cdk as cdk
from aws_cdk import aws_lambda as lambda_

from cdk_lambda_efs import EfsBackedFunction, InferenceVpc, SharedFileSystem


class BadInputs(unittest.TestCase):
    def setUp(self) -> None:
        self.assertTrue(__debug__, "run without -O: the jsii runtime checks types only then")
        self.stack = cdk.Stack(cdk.App(), "Bad")
        network = InferenceVpc(self.stack, "Network")
        self.shared = SharedFileSystem(self.stack, "Shared", vpc=network.vpc)
        self.models = self.shared.add_access_point("Models", path="/ml", uid="1001", gid="1001")
        self.code = lambda_.Code.from_inline("def handler(event, context):\n    return None\n")

    def test_an_invalid_mount_path_is_named_as_python_spells_it(self) -> None:
        with self.assertRaises(RuntimeError) as caught:
            EfsBackedFunction(self.stack, "Relative", file_system=self.shared, access_point=self.models,
                              mount_path="data", runtime=lambda_.Runtime.PYTHON_3_14, handler="app.handler", code=self.code)
        message = str(caught.exception)
        self.assertIn("mountPath must start with /mnt/", message)
        self.assertIn("(got 'data')", message)
        self.assertIn("(in Python: mount_path)", message)

    def test_a_reserved_concurrency_of_0_is_named_as_python_spells_it(self) -> None:
        with self.assertRaises(RuntimeError) as caught:
            EfsBackedFunction(self.stack, "Zero", file_system=self.shared, access_point=self.models, mount_path="/mnt/data",
                              runtime=lambda_.Runtime.PYTHON_3_14, handler="app.handler", code=self.code,
                              reserved_concurrent_executions=0)
        self.assertIn("reserved_concurrent_executions", str(caught.exception))

    def test_a_wrong_type_is_refused_before_the_library_runs(self) -> None:
        with self.assertRaises(TypeError) as caught:
            EfsBackedFunction(self.stack, "Typed", file_system=self.shared, access_point=self.models, mount_path="/mnt/data",
                              runtime=lambda_.Runtime.PYTHON_3_14, handler="app.handler", code=self.code,
                              memory_size="3008")  # type: ignore[arg-type]
        self.assertIn("memory_size", str(caught.exception))

    def test_a_misspelt_argument_is_refused(self) -> None:
        with self.assertRaises(TypeError) as caught:
            EfsBackedFunction(self.stack, "Misspelt", file_system=self.shared, access_point=self.models,  # type: ignore[call-arg]
                              runtime=lambda_.Runtime.PYTHON_3_14, handler="app.handler", code=self.code,
                              mountpath="/mnt/data")
        self.assertIn("mountpath", str(caught.exception))

    def test_a_missing_argument_is_named_as_python_spells_it(self) -> None:
        with self.assertRaises(TypeError) as caught:
            EfsBackedFunction(self.stack, "Missing", file_system=self.shared, access_point=self.models,  # type: ignore[call-arg]
                              runtime=lambda_.Runtime.PYTHON_3_14, handler="app.handler", code=self.code)
        self.assertIn("mount_path", str(caught.exception))


if __name__ == "__main__":
    unittest.main()
