"""A local stand-in for a Lambda execution environment's init phase and its 10 s budget.

Shared by the handler tests (through ``test_support``) and the bench; never in the Lambda
asset (it lives outside the handler directory), and it imports nothing from the handler.

``cold_start(handler_dir, event, ...)`` does what Lambda does for an on-demand cold start:

1. It starts a fresh Python process (the runtime) that imports the handler module: the init
   phase. The process says when the import has returned.
2. If the init takes longer than ``init_budget`` (Lambda: 10 s for on-demand environments),
   the harness kills the process, as Lambda stops the init, and records the restart and the
   time lost. It then starts a new process whose init runs inside the first invocation,
   bounded by the function's timeout, not by the budget (Lambda "retries the Init phase at the
   time of the first function invocation with the configured function timeout").
3. It sends the event and waits for the answer, giving the handler a context whose
   ``get_remaining_time_in_millis`` counts down the function's timeout (from the start of the
   invocation, re-run init included).

The result (``ColdStart``) holds the init phase's duration, whether it was restarted, the time
lost to the restart, the first invocation's duration, and the time from the environment's start
to the answer (what the caller waits for beyond the request itself).

``AWS_LAMBDA_INITIALIZATION_TYPE`` is set as given (``on-demand`` by default) and
``AWS_LAMBDA_FUNCTION_MEMORY_SIZE`` from ``memory_mb``. The budget is the caller's choice:
Lambda's 10 s for on-demand environments; for provisioned concurrency and SnapStart Lambda
allows the larger of 130 s and the function's timeout (``init_budget_for``). Tests pass small
budgets to stay quick.
"""

import json
import os
import queue
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field

ON_DEMAND_INIT_BUDGET = 10.0

# The runtime process: imports the handler (the init), then answers events read from stdin.
# Its own stdout carries the protocol; the handler's prints go to stderr.
RUNTIME = r"""
import importlib, json, os, sys, time, traceback
protocol = os.fdopen(os.dup(1), "w", buffering=1)
os.dup2(2, 1)
sys.stdout = sys.stderr
handler_dir, module_name, function_name = sys.argv[1:4]
sys.path.insert(0, handler_dir)


class Context:
    def __init__(self, deadline):
        self.deadline = deadline
        self.function_name = "local"
        self.aws_request_id = "local-request"

    def get_remaining_time_in_millis(self):
        return max(0, int((self.deadline - time.monotonic()) * 1000))


started = time.monotonic()
handler = getattr(importlib.import_module(module_name), function_name)
protocol.write(json.dumps({"ready": time.monotonic() - started}) + "\n")
for line in sys.stdin:
    request = json.loads(line)
    deadline = time.monotonic() + request["remaining"]
    invoked = time.monotonic()
    try:
        reply = {"answer": handler(request["event"], Context(deadline))}
    except Exception:
        reply = {"error": traceback.format_exc()}
    reply["seconds"] = time.monotonic() - invoked
    protocol.write(json.dumps(reply) + "\n")
"""


def init_budget_for(initialization_type, timeout=300.0):
    """Lambda's init budget: 10 s on demand; max(130 s, the function's timeout) with provisioned concurrency or SnapStart."""
    if initialization_type in ("provisioned-concurrency", "snap-start"):
        return max(130.0, timeout)
    return ON_DEMAND_INIT_BUDGET


@dataclass
class ColdStart:
    """What one cold start cost (seconds)."""

    answer: dict
    init_seconds: float           # the init phase kept: the one within the budget, or the re-run one
    restarted: bool               # the first init passed the budget and was run again inside the first invocation
    penalty_seconds: float        # time lost to the stopped init (the budget), 0 without a restart
    first_invoke_seconds: float   # the first invocation, the re-run init included when there was one
    first_answer_seconds: float   # from the environment's start to the answer
    handler_seconds: float        # the handler call alone, inside the first invocation
    stderr: str = ""              # the runtime's log (all processes)
    events: list = field(default_factory=list)  # ("init-stopped" | "init-done" | "answered", seconds since start)


class HarnessError(RuntimeError):
    pass


class _Runtime:
    """One runtime process, its protocol lines in a queue, its stderr collected."""

    def __init__(self, handler_dir, module, function, env):
        self.process = subprocess.Popen([sys.executable, "-c", RUNTIME, handler_dir, module, function], cwd=handler_dir, env=env,
                                        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        self.lines = queue.Queue()
        self.err = []
        self.out_thread = threading.Thread(target=self._pump, args=(self.process.stdout, self.lines.put), daemon=True)
        self.out_thread.start()
        self.err_thread = threading.Thread(target=self._pump, args=(self.process.stderr, self.err.append), daemon=True)
        self.err_thread.start()

    @staticmethod
    def _pump(stream, sink):
        for line in stream:
            sink(line)
        sink(None)

    def read(self, timeout):
        """The next protocol message, or None when ``timeout`` passes first; HarnessError when the process died."""
        try:
            line = self.lines.get(timeout=max(0.0, timeout))
        except queue.Empty:
            return None
        if line is None:
            self.process.wait()
            self.err_thread.join(5)
            raise HarnessError(f"the runtime exited with {self.process.returncode}:\n{self.stderr()}")
        return json.loads(line)

    def send(self, message):
        self.process.stdin.write(json.dumps(message) + "\n")
        self.process.stdin.flush()

    def kill(self):
        if self.process.poll() is None:
            self.process.kill()
        self._finish()

    def close(self):
        """End the runtime as Lambda's shutdown would: stdin closed, then killed if it lingers."""
        try:
            self.process.stdin.close()
        except OSError:
            pass
        try:
            self.process.wait(10)
        except subprocess.TimeoutExpired:
            self.process.kill()
        self._finish()

    def _finish(self):
        self.process.wait()
        self.out_thread.join(5)
        self.err_thread.join(5)
        for stream in (self.process.stdin, self.process.stdout, self.process.stderr):
            try:
                stream.close()
            except OSError:
                pass

    def stderr(self):
        return "".join(line for line in self.err if line)


def cold_start(handler_dir, event, env=None, initialization_type="on-demand", init_budget=ON_DEMAND_INIT_BUDGET,
               timeout=300.0, memory_mb=3072, handler="inference.handler", invocations=1):
    """Run one cold start of ``handler`` under Lambda's init rules (see the module docstring); a ColdStart.

    ``invocations`` > 1 sends the event again after the first answer; the later answers are in
    ``answers`` of the returned object's ``events`` (kind "answered").
    """
    module, _, function = handler.rpartition(".")
    environment = dict(os.environ if env is None else env)
    environment["AWS_LAMBDA_INITIALIZATION_TYPE"] = initialization_type
    environment["AWS_LAMBDA_FUNCTION_MEMORY_SIZE"] = str(memory_mb)
    environment["PYTHONUNBUFFERED"] = "1"
    logs, events = [], []
    started = time.monotonic()
    runtime = _Runtime(handler_dir, module, function, environment)
    restarted = False
    try:
        ready = runtime.read(init_budget)
        if ready is None:  # Lambda stops the init at the budget ...
            events.append(("init-stopped", time.monotonic() - started))
            runtime.kill()
            logs.append(runtime.stderr())
            restarted = True
            # ... and runs it again inside the first invocation, bounded by the function's timeout.
            invoked = time.monotonic()
            runtime = _Runtime(handler_dir, module, function, environment)
            ready = runtime.read(timeout)
            if ready is None:
                raise HarnessError(f"the re-run init took longer than the function's timeout ({timeout} s)")
            remaining = timeout - (time.monotonic() - invoked)
        else:
            invoked = time.monotonic()
            remaining = timeout
        events.append(("init-done", time.monotonic() - started))
        answers = []
        for _ in range(invocations):
            runtime.send({"event": event, "remaining": remaining})
            reply = runtime.read(remaining + 5)
            if reply is None:
                raise HarnessError(f"the invocation took longer than the function's timeout ({timeout} s)")
            if "error" in reply:
                raise HarnessError(f"the handler raised:\n{reply['error']}")
            answers.append(reply)
            events.append(("answered", time.monotonic() - started, reply["answer"]))
            if len(answers) == 1:
                first_invoke = time.monotonic() - invoked
                first_answer = time.monotonic() - started
            remaining = timeout
    finally:
        runtime.close()
        logs.append(runtime.stderr())
    return ColdStart(answer=answers[0]["answer"], init_seconds=ready["ready"], restarted=restarted,
                     penalty_seconds=init_budget if restarted else 0.0, first_invoke_seconds=first_invoke,
                     first_answer_seconds=first_answer, handler_seconds=answers[0]["seconds"],
                     stderr="".join(logs), events=events)
