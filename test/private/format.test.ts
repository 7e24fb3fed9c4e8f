/**
 * The rule of src/private/format.ts: how the planner's table, its recommendation and the synth
 * warnings print a figure. What they print is tested through ThroughputPlanner
 * (test/throughput-planner.test.ts) and the warnings (test/synth-warnings.test.ts).
 */
import { formatNumber } from '../../src/private/format';

test('one number format for the table, the recommendation and the synth warnings: whole from 100 up, else one decimal; inf when not finite', () => {
  expect([0.48828125, 1.185, 41.2, 99.94, 100, 843.75, Infinity].map(formatNumber))
    .toEqual(['0.5', '1.2', '41.2', '99.9', '100', '844', 'inf']);
});
