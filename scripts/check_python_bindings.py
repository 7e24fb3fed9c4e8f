"""Checks the Python bindings jsii-pacmak generated, and the README's Python examples against them.

Usage: python3 scripts/check_python_bindings.py <generated cdk_lambda_efs/__init__.py> <README.md> [docs/*.md ...]

The jsii runtime for Python comes from PyPI, which CI cannot reach, so the bindings cannot be
imported here. This reads them as source (the standard library's ast) instead:
- the signatures a Python user meets: the plan's table formatter takes no argument besides the
  plan itself, static-only classes have no initializer, the client struct spells its props as
  EfsBackedFunction does, no name is cut into ``mi_bps``;
- every call the README's Python examples (and those of the other Markdown files given) make on a class of this package (constructors, class
  methods, and methods of the values they return) uses keyword arguments the generated
  signature accepts, and every attribute they read exists there; in a complete example, the
  statements of its stack class's methods are followed as the top-level ones are.
Exits 1 with one line per problem.
"""
import ast
import re
import sys

PACKAGE = "cdk_lambda_efs"


class Member:
    def __init__(self, params, returns):
        self.params = params  # every parameter name but self/cls
        self.returns = returns  # the class name it returns, when it is one of this package's


def annotation_class(node):
    """'ThroughputPlan' from -> "ThroughputPlan" or typing.Optional["ThroughputPlan"]."""
    if node is None:
        return None
    names = re.findall(r"""['"]([\w.]+)['"]""", ast.unparse(node))
    return names[0] if len(names) == 1 and "." not in names[0] else None


def read_bindings(source):
    """{class: {member: Member}} for every class the generated module defines."""
    classes = {}
    for node in ast.parse(source).body:
        if not isinstance(node, ast.ClassDef):
            continue
        members = {}
        for item in node.body:
            if isinstance(item, ast.FunctionDef):
                args = item.args
                names = [a.arg for a in args.posonlyargs + args.args + args.kwonlyargs][1:]
                members[item.name] = Member(names, annotation_class(item.returns))
        classes[node.name] = members
    return classes


def check_signatures(classes):
    problems = []

    def params(cls, member):
        found = classes.get(cls, {}).get(member)
        if found is None:
            problems.append(f"{cls}.{member} is missing from the bindings")
            return []
        return found.params

    if params("ThroughputPlan", "format_table") != []:
        problems.append("ThroughputPlan.format_table must take no argument besides the plan")
    if params("ThroughputPlanner", "plan")[:1] != ["load"]:
        problems.append("ThroughputPlanner.plan must take the load as its first argument")
    for static_only in ("ThroughputPlanner", "SynthWarnings", "ThroughputPlan"):
        if "__init__" in classes.get(static_only, {"__init__": None}):
            problems.append(f"{static_only} must not be constructible from Python (it has __init__)")
    client = params("FileSystemClient", "__init__")
    function = params("EfsBackedFunction", "__init__")
    for shared in ("cold_start_load", "reserved_concurrent_executions", "provisioned_concurrency", "timeout"):
        if shared not in client or shared not in function:
            problems.append(f"FileSystemClient and EfsBackedFunction must both spell '{shared}'")
    for cls, members in classes.items():
        for member, found in members.items():
            for name in [member, *found.params]:
                if re.search(r"(^|_)[kmg]i_b", name):
                    problems.append(f"{cls}.{member}: '{name}' splits a unit (KiB, MiB, GiB) in two")
    return problems


def python_blocks(readme):
    return re.findall(r"^```python(?:[ \t][^\n]*)?\n(.*?)^```", readme, re.S | re.M)


def check_example(code, classes, number):
    """Follows the values the example makes from this package's classes and checks each use."""
    problems = []
    tree = ast.parse(code)
    imported = {
        alias.asname or alias.name
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom) and node.module == PACKAGE
        for alias in node.names
    }
    variables = {}  # name -> class of this package

    def class_of(expr):
        """The package class ``expr`` is (an imported class) or holds; any other expression is only checked."""
        if isinstance(expr, ast.Name):
            return expr.id if expr.id in imported else variables.get(expr.id)
        if isinstance(expr, ast.Call):
            return check_call(expr)
        walk(expr)
        return None

    def check_arguments(call, where, member):
        if len(call.args) > len(member.params):
            problems.append(f"README Python example {number}: {where}() takes {len(member.params)} positional"
                            f" arguments, the example passes {len(call.args)}")
        for keyword in call.keywords:
            if keyword.arg is not None and keyword.arg not in member.params:
                problems.append(f"README Python example {number}: {where}() has no argument '{keyword.arg}'"
                                f" (it takes {', '.join(member.params)})")

    def check_call(call):
        for argument in [*call.args, *(k.value for k in call.keywords)]:
            walk(argument)
        func = call.func
        if isinstance(func, ast.Name):
            if func.id not in imported:
                return None
            check_arguments(call, func.id, classes[func.id].get("__init__", Member([], None)))
            return func.id
        if not isinstance(func, ast.Attribute):
            walk(func)
            return None
        owner = class_of(func.value)
        if owner is None:
            return None
        member = classes[owner].get(func.attr)
        if member is None:
            problems.append(f"README Python example {number}: {owner} has no method '{func.attr}'")
            return None
        check_arguments(call, f"{owner}.{func.attr}", member)
        return member.returns

    def check_attribute(attribute):
        owner = class_of(attribute.value)
        if owner is not None and attribute.attr not in classes[owner]:
            problems.append(f"README Python example {number}: {owner} has no attribute '{attribute.attr}'")

    def walk(node):
        if isinstance(node, ast.Call):
            check_call(node)
        elif isinstance(node, ast.Attribute):
            check_attribute(node)
        else:
            for child in ast.iter_child_nodes(node):
                walk(child)

    def visit(statements):
        for statement in statements:
            if isinstance(statement, ast.Assign) and len(statement.targets) == 1 and isinstance(statement.targets[0], ast.Name):
                variables[statement.targets[0].id] = class_of(statement.value)
            elif isinstance(statement, (ast.ClassDef, ast.FunctionDef)):
                visit(statement.body)  # a complete example: the stack's constructor
            else:
                walk(statement)

    visit(tree.body)
    # The comments say what the example's values hold: `bursting.affordable_cold_starts_per_day == 20`.
    for name, attribute in re.findall(r"#.*?\b(\w+)\.(\w+)", code):
        owner = variables.get(name)
        if owner is not None and attribute not in classes[owner]:
            problems.append(f"README Python example {number}: {owner} has no attribute '{attribute}' (in a comment)")
    return problems


def main(bindings_file, readme_file, *other_files):
    with open(bindings_file, encoding="utf-8") as f:
        classes = read_bindings(f.read())
    with open(readme_file, encoding="utf-8") as f:
        examples = python_blocks(f.read())
    if not examples:
        print(f"{readme_file} has no Python example", file=sys.stderr)
        return 1
    for name in other_files:
        with open(name, encoding="utf-8") as f:
            examples += python_blocks(f.read())
    problems = check_signatures(classes)
    if not examples:
        problems.append("the README has no Python example")
    for number, code in enumerate(examples, start=1):
        problems += check_example(code, classes, number)
    for problem in problems:
        print(problem, file=sys.stderr)
    print(f"Python bindings: {len(classes)} classes, {len(examples)} README examples checked, {len(problems)} problems")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:]))
