/**
 * The rules of src/'s module graph (dependency-cruiser), checked by test/module-graph.test.ts:
 * no cycle, type-only imports included (tsPreCompilationDeps), so that contracts (interfaces
 * and props) stay in their own files and private helpers never import a class back.
 */
module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      severity: 'error',
      comment: 'A cycle: move the contract (interface or props) the helper needs into a file of its own.',
      from: {},
      to: { circular: true },
    },
  ],
  options: {
    tsPreCompilationDeps: true,
    doNotFollow: { path: 'node_modules' },
    exclude: { path: 'node_modules' },
  },
};
