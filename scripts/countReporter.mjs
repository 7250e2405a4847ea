// A node:test reporter that writes the tier's counts as JSON (test-all.sh adds them up).
// Suites are not counted; only the tests in them.
export default async function* countReporter(source) {
  const counts = { passed: 0, failed: 0, skipped: 0, failures: [] };
  for await (const event of source) {
    if (event.type !== 'test:pass' && event.type !== 'test:fail') continue;
    const { data } = event;
    if (data.details?.type === 'suite') {
      // A suite failing outside its tests (a hook, a file that does not load) still fails the tier.
      if (event.type === 'test:fail' && !data.details.error?.failureType?.startsWith?.('subtestsFailed')) {
        counts.failed += 1;
        counts.failures.push(`${data.file ?? ''} ${data.name}: ${data.details.error?.message ?? 'failed'}`);
      }
      continue;
    }
    if (data.skip !== undefined || data.todo !== undefined) counts.skipped += 1;
    else if (event.type === 'test:pass') counts.passed += 1;
    else {
      counts.failed += 1;
      counts.failures.push(
        `${data.file ?? ''} ${data.name}: ${data.details?.error?.cause?.message ?? data.details?.error?.message ?? 'failed'}`,
      );
    }
  }
  yield JSON.stringify(counts) + '\n';
}
