/** Drive usage bars with their warnings: the tray's server card and the dashboard's drives section. */
import { usagePercent, type DriveStatus } from '../../../contract/drive.js';
import { driveUsage, formatBytes } from '../format.js';

/** One drive: role, usage meter (high at 85 %, critical at 95 %), health and warnings. */
export function DriveRow({ drive, detailed }: { drive: DriveStatus; detailed?: boolean }) {
  const used = drive.usedBytes ?? 0;
  const size = drive.sizeBytes ?? 0;
  // The same share the helper's usage warnings use, so the meter turns high/critical exactly when they appear.
  const ratio = driveUsage(drive);
  const pct = usagePercent(drive) ?? 0; // df's Use%, as `fts-helper status` prints it
  const id = `drive-${drive.role}`;
  return (
    <li className="drive" aria-labelledby={`${id}-label`}>
      <div className="drive-head">
        <span id={`${id}-label`} className="drive-role">
          {drive.role}
        </span>
        <span className="muted">{drive.mountPoint}</span>
        <span className="drive-numbers">
          {size > 0
            ? `${formatBytes(used)} of ${formatBytes(size)} (${pct} %)`
            : drive.mounted
              ? 'size unknown'
              : 'not mounted'}
        </span>
      </div>
      <meter
        className="drive-meter"
        min={0}
        max={1}
        low={0.85}
        high={0.95}
        optimum={0}
        value={ratio}
        aria-label={`${drive.role} drive usage`}
      >
        {pct} %
      </meter>
      {detailed && (
        <p className="muted small">
          {drive.fsType ?? 'unknown filesystem'}
          {drive.label ? `, label ${drive.label}` : ''}
          {drive.device ? `, ${drive.device}` : ''} — health: {drive.health}
          {drive.healthReason ? ` (${drive.healthReason})` : ''}
        </p>
      )}
      {drive.warnings.length > 0 && (
        <ul className="warnings">
          {drive.warnings.map((w) => (
            <li key={w.code} className="warning">
              <strong>Warning:</strong> {w.message}
            </li>
          ))}
        </ul>
      )}
    </li>
  );
}

/** All drives, or a note when the helper reports none. */
export function DriveList({ drives, detailed }: { drives: DriveStatus[]; detailed?: boolean }) {
  if (drives.length === 0) return <p className="muted">No drive measurements yet.</p>;
  return (
    <ul className="drives">
      {drives.map((d) => (
        <DriveRow key={d.role} drive={d} detailed={detailed} />
      ))}
    </ul>
  );
}
