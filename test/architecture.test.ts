import { pictures, withPicture } from '../scripts/architecture';

/**
 * Each example's README shows the architecture its app synthesizes now (scripts/architecture.ts
 * draws it): a change that changes an example's shape fails here until `npm run architecture`.
 */
test.each(pictures().map(p => [p.readme, p]))('%s shows the architecture the app synthesizes', (_readme, picture) => {
  const { current, drawn } = picture as ReturnType<typeof pictures>[number];
  expect(current).toEqual(drawn);
});

test('a picture is replaced between its markers, and added before the first section otherwise', () => {
  const added = withPicture('# App\n\nIntro.\n\n## Deploy\n', 'PICTURE 1');
  expect(added).toMatch(/^# App\n\nIntro\.\n\n## Architecture\n\n<!-- architecture: .*-->\nPICTURE 1\n<!-- architecture: end -->\n\n## Deploy\n$/);
  expect(withPicture(added, 'PICTURE 2')).toBe(added.replace('PICTURE 1', 'PICTURE 2'));
});
