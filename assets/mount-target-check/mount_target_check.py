"""CloudFormation custom resource: wait until an EFS file system has an available mount target
in each of the given Availability Zones.

Used for file systems imported into a CDK app (SharedFileSystem.fromFileSystemAttributes):
Lambda refuses to create a function whose file system has no available mount target in the
function's zones, so the functions wait for this resource. The handler answers CloudFormation
itself (ResponseURL), with the standard library only; boto3 comes with the Lambda runtime.
"""

import json
import time
import urllib.request

# Time kept at the end of the invocation to answer CloudFormation.
RESPONSE_MARGIN_MS = 20_000
POLL_SECONDS = 15


def missing_zones(efs, file_system_id, zones):
    """The zones of `zones` (in their order) without an available mount target."""
    available = set()
    kwargs = {'FileSystemId': file_system_id}
    while True:
        page = efs.describe_mount_targets(**kwargs)
        for target in page.get('MountTargets', []):
            if target.get('LifeCycleState') == 'available':
                available.add(target.get('AvailabilityZoneName'))
        marker = page.get('NextMarker')
        if not marker:
            break
        kwargs['Marker'] = marker
    return [zone for zone in zones if zone not in available]


def wait_for_mount_targets(efs, file_system_id, zones, time_left_ms, sleep=time.sleep, poll_seconds=POLL_SECONDS):
    """Poll until every zone has an available mount target; raise, naming the missing zones, when time runs out."""
    while True:
        missing = missing_zones(efs, file_system_id, zones)
        if not missing:
            return
        if time_left_ms() - RESPONSE_MARGIN_MS < poll_seconds * 1000:
            raise RuntimeError(
                f'file system {file_system_id} has no available mount target in {", ".join(missing)} '
                f'(needed in {", ".join(zones)}): create a mount target in each of these Availability Zones, '
                'or run the functions only in subnets of zones that have one')
        sleep(poll_seconds)


def send_response(event, status, reason, physical_id, opener=urllib.request.urlopen):
    body = json.dumps({
        'Status': status,
        'Reason': reason[:3000],
        'PhysicalResourceId': physical_id,
        'StackId': event['StackId'],
        'RequestId': event['RequestId'],
        'LogicalResourceId': event['LogicalResourceId'],
    }).encode()
    request = urllib.request.Request(event['ResponseURL'], data=body, method='PUT',
                                     headers={'Content-Type': '', 'Content-Length': str(len(body))})
    with opener(request, timeout=30) as response:
        response.read()


def handle(event, context, efs, sleep=time.sleep, opener=urllib.request.urlopen):
    properties = event.get('ResourceProperties', {})
    file_system_id = properties.get('FileSystemId', '')
    physical_id = event.get('PhysicalResourceId') or f'mount-targets-{file_system_id}'
    try:
        if event['RequestType'] != 'Delete':
            zones = list(properties.get('AvailabilityZones', []))
            wait_for_mount_targets(efs, file_system_id, zones, context.get_remaining_time_in_millis, sleep)
        status, reason = 'SUCCESS', 'mount targets available'
    except Exception as error:  # any failure is CloudFormation's to report, with its message
        print(f'mount target check failed: {error}')
        status, reason = 'FAILED', str(error)
    send_response(event, status, reason, physical_id, opener)


def handler(event, context):
    import boto3  # provided by the Lambda runtime; imported here so that tests need not have it
    handle(event, context, boto3.client('efs'))
