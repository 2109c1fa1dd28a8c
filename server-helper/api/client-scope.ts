/**
 * What a client token (a Mac's or PC's tray) may see and do beyond its own state reports: its own Mac's Time Machine
 * backups, "Where is my file?" in the shares it has configured, and "Bring back to flux" for files its Samba user
 * owns. Admin tokens are not scoped (null scope): the dashboard sees and does everything.
 */
import { parseDuration, timeMachineHostKey, type SearchReport, type TimeMachineReport } from '../../contract/index.js';
import type { Principal } from '../store/tokens.js';
import { memberIds, resultsForMember, visibleOwnerIn, type MemberIds } from '../lifecycle/restore/member-access.js';
import type { AppContext } from './context.js';
import { httpError } from './http-error.js';

/**
 * The clients a token may list: a member's tray (a client token bound to a client) only its own computer, since
 * the others' host names, mounts and errors are not its business; admin tokens and an unbound client token (a
 * monitor the admin made on purpose) every one. Used by every route that returns client records.
 */
export function visibleClients<C extends { id: string }>(principal: Principal | undefined, clients: C[]): C[] {
  if (!principal) return [];
  const own = memberClientOf(principal);
  return own === null ? clients : clients.filter((c) => c.id === own);
}

/**
 * The computer a member's tray token speaks for: the client id of a client token bound to one; null for an admin
 * token or an unbound client token (a monitor), which see the household's computers.
 */
export function memberClientOf(principal: Principal): string | null {
  return principal.role === 'client' ? principal.clientId : null;
}

/** The client a client token speaks for, as the helper's registry knows it. */
export interface ClientScope {
  clientId: string;
  tokenName: string;
  /** The host name the client last reported (null: it has not reported yet). */
  hostName: string | null;
  /** The shares the client has configured (it reports each one, mounted or not). */
  shares: ReadonlySet<string>;
  /** The Samba user it mounts as, recorded when it was paired (null: not known). */
  sambaUser: string | null;
}

/** Null for an admin token (no limits); the client's scope for a client token; a 403 for a token bound to no client. */
export function clientScope(
  ctx: Pick<AppContext, 'config' | 'store'>,
  principal: Principal | undefined,
): ClientScope | null {
  if (!principal) throw httpError(401, 'a token is required');
  if (principal.role === 'admin') return null;
  if (principal.clientId === null)
    throw httpError(
      403,
      `the token "${principal.name}" is not bound to a client, so it sees no client's files or backups: pair the computer with fts-helper clients pair NAME --user SAMBA_USER`,
    );
  const record = ctx.store.clients
    .list(parseDuration(ctx.config.clients.offlineAfter)!)
    .find((c) => c.id === principal.clientId);
  return {
    clientId: principal.clientId,
    tokenName: principal.name,
    hostName: record?.hostName ?? null,
    shares: new Set(record?.shares.map((s) => s.share) ?? []),
    sambaUser: principal.sambaUser,
  };
}

/**
 * A Mac is the client's own when the helper matched it to the client (its host name or id folds to the bundle's
 * name: see matchingClients), or when the client's last reported host name folds to the bundle's name now (the
 * report may be newer than the reading the route keeps for 10 s). A host name is what the client says it is, so
 * where the share keeps each Samba user's bundles in a folder of their own, the folder must be the client's Samba
 * user too: a client that calls itself "Bobs-iMac" still does not see the backups in bob's folder.
 */
export function ownsMac(
  scope: ClientScope,
  mac: Pick<TimeMachineReport['macs'][number], 'clientIds' | 'hostKey' | 'owner'>,
): boolean {
  const named =
    mac.clientIds.includes(scope.clientId) ||
    (scope.hostName !== null && timeMachineHostKey(scope.hostName) === mac.hostKey);
  return named && (mac.owner === null || mac.owner === scope.sambaUser);
}

/**
 * The Time Machine report as a client token sees it: its own Mac(s) only. Another member's Mac (its name, size and
 * backup times) is not this client's business, and the share-wide warnings name members' folders, so they are left
 * out too. A `host` that is not the client's own is refused rather than answered with an empty list, so a tray
 * asking for the wrong name learns why.
 */
export function timeMachineForClient(report: TimeMachineReport, scope: ClientScope, host?: string): TimeMachineReport {
  if (host !== undefined) {
    const key = timeMachineHostKey(host);
    const own =
      host === scope.clientId ||
      key === timeMachineHostKey(scope.clientId) ||
      (scope.hostName !== null && key === timeMachineHostKey(scope.hostName));
    if (!own)
      throw httpError(
        403,
        `host: the token "${scope.tokenName}" belongs to client "${scope.clientId}" and sees only its own Mac's backups, not "${host}"`,
      );
  }
  return { ...report, macs: report.macs.filter((m) => ownsMac(scope, m)), warnings: [] };
}

/** The shares (by name) that "Where is my file?" covers for a client: flux and space, where the client configured them. */
export function searchSourcesFor(
  scope: ClientScope,
  names: { flux: string; space: string },
): Set<'flux' | 'space' | 'journal'> {
  const out = new Set<'flux' | 'space' | 'journal'>();
  if (scope.shares.has(names.flux)) out.add('flux');
  // The journal says what graduated into space and is gone from it: part of space's story.
  if (scope.shares.has(names.space)) out.add('space').add('journal');
  if (out.size === 0)
    throw httpError(
      403,
      `client "${scope.clientId}" has neither ${names.flux} nor ${names.space} among its shares, so it has no files to look for`,
    );
  return out;
}

/** How long a Samba user's uid and gids are trusted without asking `id` again: a tray's requests do not each spawn it. */
const IDS_TTL_MS = 30_000;
const idsCache = new Map<string, { ids: Promise<MemberIds | null>; until: number }>();

/** The uid and gids of a Unix account (null: none), looked up at most once per IDS_TTL_MS. */
export function cachedMemberIds(user: string, now = Date.now()): Promise<MemberIds | null> {
  const hit = idsCache.get(user);
  if (hit && hit.until > now) return hit.ids;
  if (idsCache.size > 1000) for (const [k, v] of idsCache) if (v.until <= now) idsCache.delete(k);
  const ids = memberIds(user);
  idsCache.set(user, { ids, until: now + IDS_TTL_MS });
  return ids;
}

/** The uid and gids of the client's Samba user (Samba maps each of its users to the Unix account of that name). */
export async function accessOf(scope: ClientScope): Promise<{ user: string; ids: MemberIds }> {
  const user = scope.sambaUser;
  if (user === null)
    throw httpError(
      403,
      `the token "${scope.tokenName}" does not say which Samba user client "${scope.clientId}" mounts as, so the helper cannot tell which files are its user's: pair it again with fts-helper clients pair ${scope.clientId} --user SAMBA_USER`,
    );
  const ids = await cachedMemberIds(user);
  if (!ids)
    throw httpError(
      409,
      `the Samba user ${user} client "${scope.clientId}" was paired with has no Unix account on the server`,
    );
  return { user, ids };
}

/** Search results (of a search made as the member: SearchOptions.member) as the client's Samba user could see them. */
export function searchForClient(
  report: SearchReport,
  member: MemberIds,
  roots: { flux: string; space: string },
  spaceName: string,
): SearchReport {
  return resultsForMember(report, member, roots, spaceName);
}

/**
 * The uid a client's bring-back is limited to: the Unix account of the Samba user the client mounts as, recorded
 * when it was paired. That user could move its own files from space to flux over SMB itself; a file of another
 * member may sit in a folder only that member can enter, so the client's bring-back refuses what its user does not
 * own, here for the path asked and, inside a folder, file by file during the run (BringBackParams.ownerUid), and
 * what its user could not see (a name inside a folder it cannot enter) is answered as missing.
 */
export async function bringBackOwner(
  scope: ClientScope,
  path: string,
  space: { root: string; name: string; flux: string },
): Promise<number> {
  if (!scope.shares.has(space.name) || !scope.shares.has(space.flux))
    throw httpError(
      403,
      `client "${scope.clientId}" brings back only into shares it has: it needs both ${space.name} and ${space.flux}`,
    );
  const { user, ids } = await accessOf(scope);
  const uid = ids.uid;
  // A name the user could not see over SMB (inside a folder they cannot enter) is not there for them, even their own:
  // the same 404 as a missing name, so the answer does not tell what a closed folder holds.
  const owner = visibleOwnerIn(space.root, path, ids);
  if (owner === null) throw httpError(404, `path: ${space.name} has no ${path}`);
  if (owner !== uid)
    throw httpError(
      403,
      `path: ${path} belongs to another member of ${space.name}, not to ${user}: only its owner's computer or an admin (from the dashboard) can bring it back`,
    );
  return uid;
}
