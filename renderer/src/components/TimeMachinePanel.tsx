/** The dashboard's Time Machine panel: each Mac, its last backup, size against the share maximum, verification, warnings. */
import type { TimeMachineMac, TimeMachineReport } from '../../../contract/timemachine.js';
import { formatAgo, formatBytes } from '../format.js';

const VERIFICATION_LABEL: Record<TimeMachineMac['verification'], string> = {
  passed: 'Verified',
  failed: 'Verification failed',
  unknown: 'Not verified yet',
};

function LastBackup({ mac, now }: { mac: TimeMachineMac; now?: number }) {
  if (mac.running) return <span className="badge run-running">Backing up now</span>;
  if (!mac.lastBackup) return <span className="muted">No completed backup</span>;
  return (
    <>
      <time dateTime={mac.lastBackup}>{formatAgo(mac.lastBackup, now)}</time>
      {mac.lastBackupSource === 'last-write' && (
        <div className="muted small">from the last write (no snapshot history in this bundle)</div>
      )}
    </>
  );
}

/** What the reading of the whole share left out or could not read (not about one Mac). */
function ShareWarnings({ warnings }: { warnings: readonly string[] }) {
  if (warnings.length === 0) return null;
  return (
    <ul className="warnings">
      {warnings.map((w) => (
        <li key={w} className="warning">
          {w}
        </li>
      ))}
    </ul>
  );
}

/** The table of Macs (or a note when there is no Time Machine share or no Mac yet). */
export function TimeMachinePanel({ report, now }: { report: TimeMachineReport | null; now?: number }) {
  if (!report) return <p className="muted">Reading the Time Machine share…</p>;
  if (!report.share) return <p className="muted">No share is set up for Time Machine.</p>;
  if (report.macs.length === 0)
    return (
      <>
        <p className="muted">
          {/* With a share-wide warning the reading may have missed a bundle: do not claim there is none. */}
          {report.warnings.length > 0
            ? `No Mac backup found in the share “${report.share}”.`
            : `No Mac has backed up to ${report.share} yet.`}
        </p>
        <ShareWarnings warnings={report.warnings} />
      </>
    );
  return (
    <>
      <table className="table">
        <caption className="visually-hidden">Macs backing up to the {report.share} share</caption>
        <thead>
          <tr>
            <th scope="col">Mac</th>
            <th scope="col">Last backup</th>
            <th scope="col">Size</th>
            <th scope="col">Verification</th>
          </tr>
        </thead>
        <tbody>
          {report.macs.map((m) => (
            <tr key={m.path} data-mac={m.name}>
              <th scope="row">
                {m.name}
                <div className="muted small">
                  {m.bundle}
                  {m.owner ? ` · ${m.owner}'s folder` : ''}
                  {m.model ? ` · ${m.model}` : ''}
                  {m.clientIds.length > 0 ? ` · client ${m.clientIds.join(', ')}` : ''}
                </div>
                {m.warnings.length > 0 && (
                  <ul className="warnings">
                    {m.warnings.map((w) => (
                      <li key={w.code} className="warning">
                        <strong>Warning:</strong> {w.message}
                      </li>
                    ))}
                  </ul>
                )}
              </th>
              <td>
                <LastBackup mac={m} now={now} />
              </td>
              <td className="tm-size">
                <span className="nowrap">
                  {formatBytes(m.sizeBytes)}
                  {m.maxSizeBytes !== null && ` of ${formatBytes(m.maxSizeBytes)}`}
                </span>
                {m.maxSizeBytes !== null && (
                  <>
                    <meter
                      className="drive-meter"
                      min={0}
                      max={1}
                      low={report.nearlyFullAt}
                      high={report.nearlyFullAt}
                      optimum={0}
                      value={Math.min(1, m.usage ?? 0)}
                      aria-label={`${m.name} backup size against its maximum`}
                    >
                      {Math.round((m.usage ?? 0) * 100)} %
                    </meter>
                  </>
                )}
              </td>
              <td>
                <span
                  className={`badge ${m.verification === 'failed' ? 'run-failed' : m.verification === 'passed' ? 'run-succeeded' : 'run-cancelled'}`}
                >
                  {VERIFICATION_LABEL[m.verification]}
                </span>
                {m.verifiedAt && (
                  <div className="muted small">
                    <time dateTime={m.verifiedAt}>{formatAgo(m.verifiedAt, now)}</time>
                  </div>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <ShareWarnings warnings={report.warnings} />
      {!report.openFilesKnown && (
        <p className="muted small">Samba's open files could not be read, so a backup running now is not shown.</p>
      )}
    </>
  );
}
