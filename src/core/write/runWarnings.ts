/**
 * What went wrong in a run that still succeeded, counted and said: records of streams the run did not
 * ask for (dropped), and a source that exited 0 having logged errors. Each is a {@link RunWarning} in
 * the result (and its message among the notices), told to the host as it is found.
 */
import type { ConnectorResult } from '../connectors/connectorProcess';
import { formatCount } from '../../shared/format';
import type { RunWarning } from './pipelineOptions';
import type { RunContext } from './runContext';

/** Keeps a warning for the result and tells the host now (its `onWarning`, else `onNotice`). */
export function warn(ctx: Pick<RunContext, 'warnings' | 'notices' | 'options'>, warning: RunWarning): void {
  ctx.warnings.push(warning);
  ctx.notices.push(warning.message);
  if (ctx.options.onWarning) ctx.options.onWarning(warning);
  else ctx.options.onNotice?.(warning.message);
}

/**
 * One warning per stream the source sent records of although the catalog did not select it (a
 * stream it did not discover, a misspelt name, a stream left out with `streams`): those records are
 * not read, cached or sent, and the source's counts do not include them.
 */
export function warnRecordsOutsideCatalog(ctx: RunContext, source: string): void {
  for (const [stream, count] of ctx.tracker.outsideCatalog) {
    warn(ctx, {
      kind: 'records-outside-catalog',
      connector: source,
      stream,
      count,
      message: ctx.masker.mask(
        `${source} sent ${formatCount(count)} record${count === 1 ? '' : 's'} of stream “${stream}”, which is not in this run's catalog; ${count === 1 ? 'it was' : 'they were'} dropped (not read, cached or written). Select the stream, or check the source's discover output.`,
      ),
    });
  }
  ctx.tracker.outsideCatalog.clear();
}

/**
 * A source that exits 0 without a TRACE ERROR has succeeded, as Airbyte's platform decides, even
 * when it logged errors (connectors log retried requests and skipped rows at ERROR): the run stands,
 * and the error lines are counted and named so that a source that failed quietly does not pass unseen.
 */
export function warnSourceErrorLogs(ctx: RunContext, source: string, result: ConnectorResult): void {
  const { count, first } = result.errorLines;
  if (count === 0) return;
  const shown = first.map((line) => `  ${line}`).join('\n');
  const more = count > first.length ? `\n  … and ${formatCount(count - first.length)} more` : '';
  warn(ctx, {
    kind: 'source-error-logs',
    connector: source,
    count,
    lines: first,
    message: `${source} exited successfully (code 0, no TRACE ERROR) but logged ${formatCount(count)} error line${count === 1 ? '' : 's'}; the run counts as succeeded, as Airbyte counts it. Check that it read everything it should:\n${shown}${more}`,
  });
}
