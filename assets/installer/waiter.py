"""Custom resource handlers of EfsDependencyInstaller (Provider framework: onEvent + isComplete).

on_event starts the install build on Create and Update (CloudFormation sends Update only when
the inputs, and so the set id, change) and does nothing on Delete: the installed sets stay on
the file system, which outlives the stack. is_complete asks CodeBuild how the build is going
and turns its status into a decision; the decision logic is ``decide``, a pure function.
"""

IN_PROGRESS = "IN_PROGRESS"
SUCCEEDED = "SUCCEEDED"
FAILURES = {"FAILED", "FAULT", "STOPPED"}
TIMED_OUT = "TIMED_OUT"


class InstallFailed(Exception):
    """The install failed; the message (with the build's log link) becomes the stack event's reason."""


def codebuild_client():
    import boto3  # in the Lambda runtime; imported late so the tests need no AWS SDK
    return boto3.client("codebuild")


def decide(build):
    """Map one CodeBuild build (a BatchGetBuilds entry) to the provider's isComplete answer."""
    status = build.get("buildStatus")
    if status == IN_PROGRESS:
        return {"IsComplete": False}
    build_id = build.get("id", "?")
    logs = (build.get("logs") or {}).get("deepLink", "no log link")
    if status == SUCCEEDED:
        return {"IsComplete": True, "Data": {"BuildId": build_id}}
    if status == TIMED_OUT:
        minutes = build.get("timeoutInMinutes", "?")
        raise InstallFailed(f"The install build {build_id} timed out after {minutes} minutes; the previous set stays current. Logs: {logs}")
    if status in FAILURES:
        failed = [p for p in build.get("phases", []) if p.get("phaseStatus") not in (None, "SUCCEEDED")]
        where = failed[0].get("phaseType", "?") if failed else "?"
        reason = "; ".join(c.get("message", "") for p in failed for c in (p.get("contexts") or []) if c.get("message"))
        raise InstallFailed(f"The install build {build_id} ended {status} in phase {where}"
                            f"{': ' + reason if reason else ''}; the previous set stays current. Logs: {logs}")
    raise InstallFailed(f"The install build {build_id} has an unknown status {status!r}. Logs: {logs}")


def on_event(event, context, client=None):
    request = event["RequestType"]
    props = event["ResourceProperties"]
    set_id = props["SetId"]
    if request == "Delete":
        return {"PhysicalResourceId": event["PhysicalResourceId"]}
    client = client or codebuild_client()
    build = client.start_build(projectName=props["ProjectName"], environmentVariablesOverride=[
        {"name": "SET_ID", "value": set_id, "type": "PLAINTEXT"},
    ])["build"]
    return {
        "PhysicalResourceId": f"efs-dependency-set-{set_id}",
        "Data": {"BuildId": build["id"], "SetId": set_id},
    }


def is_complete(event, context, client=None):
    if event["RequestType"] == "Delete":
        return {"IsComplete": True}
    build_id = event["Data"]["BuildId"]
    client = client or codebuild_client()
    builds = client.batch_get_builds(ids=[build_id]).get("builds", [])
    if not builds:
        raise InstallFailed(f"CodeBuild does not know the install build {build_id}.")
    answer = decide(builds[0])
    if answer["IsComplete"]:
        answer["Data"] = {**answer["Data"], "SetId": event["ResourceProperties"]["SetId"]}
    return answer


# Lambda entry points.
def on_event_handler(event, context):
    return on_event(event, context)


def is_complete_handler(event, context):
    return is_complete(event, context)
