import io
import json
import unittest

import mount_target_check as check


class FakeEfs:
    """describe_mount_targets answering each poll (a call without Marker) from the next round
    of pages; the last round repeats."""

    def __init__(self, *rounds):
        self.rounds = list(rounds)
        self.round = -1
        self.calls = []

    def describe_mount_targets(self, **kwargs):
        self.calls.append(kwargs)
        if 'Marker' not in kwargs:
            self.round = min(self.round + 1, len(self.rounds) - 1)
        pages = self.rounds[self.round]
        index = int(kwargs.get('Marker', '0'))
        page = dict(pages[index])
        if index + 1 < len(pages):
            page['NextMarker'] = str(index + 1)
        return page


def target(zone, state='available'):
    return {'AvailabilityZoneName': zone, 'LifeCycleState': state}


class Clock:
    def __init__(self, ms):
        self.ms = ms
        self.sleeps = []

    def left(self):
        return self.ms

    def sleep(self, seconds):
        self.sleeps.append(seconds)
        self.ms -= seconds * 1000


class Responses:
    def __init__(self):
        self.sent = []

    def __call__(self, request, timeout):
        self.sent.append((request.get_method(), request.full_url, json.loads(request.data)))
        return io.BytesIO(b'')


def event(request_type='Create', zones=('eu-west-1a', 'eu-west-1b')):
    return {
        'RequestType': request_type, 'ResponseURL': 'https://example.invalid/response',
        'StackId': 'stack', 'RequestId': 'req', 'LogicalResourceId': 'Check',
        'ResourceProperties': {'FileSystemId': 'fs-1', 'AvailabilityZones': list(zones)},
    }


class Context:
    def __init__(self, clock):
        self.get_remaining_time_in_millis = clock.left


class MissingZonesTest(unittest.TestCase):
    def test_follows_pages(self):
        efs = FakeEfs([{'MountTargets': [target('eu-west-1a')]}, {'MountTargets': [target('eu-west-1b')]}])
        self.assertEqual(check.missing_zones(efs, 'fs-1', ['eu-west-1a', 'eu-west-1b']), [])
        self.assertEqual(efs.calls, [{'FileSystemId': 'fs-1'}, {'FileSystemId': 'fs-1', 'Marker': '1'}])

    def test_creating_targets_do_not_count(self):
        efs = FakeEfs([{'MountTargets': [target('eu-west-1a'), target('eu-west-1b', 'creating')]}])
        self.assertEqual(check.missing_zones(efs, 'fs-1', ['eu-west-1a', 'eu-west-1b']), ['eu-west-1b'])


class HandlerTest(unittest.TestCase):
    def test_succeeds_when_every_zone_has_an_available_target(self):
        clock, responses = Clock(600_000), Responses()
        efs = FakeEfs([{'MountTargets': [target('eu-west-1a'), target('eu-west-1b')]}])
        check.handle(event(), Context(clock), efs, clock.sleep, responses)
        method, url, body = responses.sent[0]
        self.assertEqual((method, url, body['Status']), ('PUT', 'https://example.invalid/response', 'SUCCESS'))
        self.assertEqual(body['PhysicalResourceId'], 'mount-targets-fs-1')
        self.assertEqual(clock.sleeps, [])

    def test_waits_for_a_target_that_becomes_available(self):
        clock, responses = Clock(600_000), Responses()
        efs = FakeEfs(
            [{'MountTargets': [target('eu-west-1a'), target('eu-west-1b', 'creating')]}],
            [{'MountTargets': [target('eu-west-1a'), target('eu-west-1b')]}],
        )
        check.handle(event(), Context(clock), efs, clock.sleep, responses)
        self.assertEqual(responses.sent[0][2]['Status'], 'SUCCESS')
        self.assertEqual(clock.sleeps, [check.POLL_SECONDS])

    def test_fails_naming_the_missing_zone_when_time_runs_out(self):
        clock, responses = Clock(120_000), Responses()
        efs = FakeEfs([{'MountTargets': [target('eu-west-1a')]}])
        check.handle(event(), Context(clock), efs, clock.sleep, responses)
        body = responses.sent[0][2]
        self.assertEqual(body['Status'], 'FAILED')
        self.assertIn('no available mount target in eu-west-1b', body['Reason'])
        self.assertNotIn('mount target in eu-west-1a', body['Reason'])
        # Polled for the time it had, keeping the margin to answer.
        self.assertGreater(len(clock.sleeps), 1)
        self.assertGreaterEqual(clock.ms, check.RESPONSE_MARGIN_MS)

    def test_fails_when_the_api_call_fails(self):
        class Broken:
            def describe_mount_targets(self, **kwargs):
                raise RuntimeError('FileSystemNotFound: fs-1')
        clock, responses = Clock(600_000), Responses()
        check.handle(event(), Context(clock), Broken(), clock.sleep, responses)
        body = responses.sent[0][2]
        self.assertEqual((body['Status'], body['Reason']), ('FAILED', 'FileSystemNotFound: fs-1'))

    def test_delete_answers_without_calling_efs(self):
        clock, responses = Clock(600_000), Responses()
        efs = FakeEfs([{'MountTargets': []}])
        delete = dict(event('Delete'), PhysicalResourceId='mount-targets-fs-1')
        check.handle(delete, Context(clock), efs, clock.sleep, responses)
        self.assertEqual(efs.calls, [])
        self.assertEqual(responses.sent[0][2]['Status'], 'SUCCESS')


if __name__ == '__main__':
    unittest.main()
