/** Who has what mounted: every client the helper knows, its mounts and when it was last seen. */
import type { ClientRecord } from '../../../contract/client.js';
import { formatAgo } from '../format.js';
import { ShareStateBadge } from './ShareState.js';

/** The table (or a note when no client has reported yet). */
export function ClientsTable({ clients, now }: { clients: ClientRecord[]; now?: number }) {
  if (clients.length === 0) return <p className="muted">No client has connected yet.</p>;
  return (
    <table className="table">
      <caption className="visually-hidden">Clients and their mounted shares</caption>
      <thead>
        <tr>
          <th scope="col">Computer</th>
          <th scope="col">Status</th>
          <th scope="col">Shares</th>
          <th scope="col">Last seen</th>
        </tr>
      </thead>
      <tbody>
        {clients.map((c) => (
          <tr key={c.id} data-client={c.id}>
            <th scope="row">
              {c.hostName}
              <div className="muted small">
                {c.os} {c.osVersion ?? ''} · app {c.appVersion}
              </div>
            </th>
            <td>
              {c.online ? (
                <span className="badge badge-mounted">Online</span>
              ) : (
                <span className="badge badge-unmounted">Offline</span>
              )}
            </td>
            <td>
              <ul className="inline-list">
                {c.shares.map((s) => (
                  <li key={s.share}>
                    {s.share} <ShareStateBadge state={s.state} />
                  </li>
                ))}
              </ul>
            </td>
            <td>
              <time dateTime={c.lastSeen}>{formatAgo(c.lastSeen, now)}</time>
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
