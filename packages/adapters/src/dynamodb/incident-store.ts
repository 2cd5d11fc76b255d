/**
 * The `IncidentStore` on the state table. This file alone builds its keys:
 *   incident-box    / scheduler id                the box (data: IncidentBox, version)
 *   incident-outbox / scheduler id                its outbox pointer (data: BoxPointer)
 *   incident        / incident id                 the projection the api reads (version)
 *   incident-list   / <opened_at>#<incident id>   the same, in the order the api lists
 */
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { IncidentRecord, IncidentStore, VersionedBox } from '@schedmon/domain';
import {
  BoxPointerSchema,
  compileValidator,
  IncidentBoxSchema,
  IncidentRecordSchema,
  ValidationError,
} from '@schedmon/domain';
import { dataReader, epochSeconds, stateTable } from './state-table.ts';

const BOX = 'incident-box';
const OUTBOX = 'incident-outbox';
const INCIDENT = 'incident';
const LIST = 'incident-list';

const DAY_SECONDS = 24 * 60 * 60;
/** A box outlives any quiet spell of its scheduler; every write renews it. */
const BOX_DAYS = 400;
/** How long resolved incidents stay listed. */
const INCIDENT_RETENTION_DAYS = 90;

const readBox = dataReader('incident box', IncidentBoxSchema);
const readIncident = dataReader('incident', IncidentRecordSchema);
const pointer = compileValidator(BoxPointerSchema);

const listKey = (incident: Pick<IncidentRecord, 'opened_at' | 'incident_id'>) =>
  `${incident.opened_at}#${incident.incident_id}`;

/** Incidents on DynamoDB; conditional writes settle races between workers and the api. */
export function createDynamoIncidentStore(
  client: DynamoDBDocumentClient,
  tableName: string,
): IncidentStore {
  const table = stateTable(client, tableName);
  const expiry = (now: string, days: number) => epochSeconds(now) + days * DAY_SECONDS;

  /** Writes one projection item unless a later version of it is stored. */
  const project = (
    pk: string,
    sk: string,
    incident: IncidentRecord,
    version: number,
    now: string,
  ) =>
    table.conditionalPut(
      {
        pk,
        sk,
        data: incident,
        expires_at: expiry(now, INCIDENT_RETENTION_DAYS),
        version,
      },
      'attribute_not_exists(pk) OR version <= :version',
      { ':version': version },
    );

  return {
    async box(schedulerId, now) {
      const item = await table.get(BOX, schedulerId, now);
      return item && { box: readBox(item), version: item.version ?? 0 };
    },
    async boxes(schedulerIds, now) {
      const items = await table.getMany(BOX, schedulerIds, now);
      const boxes = new Map<string, VersionedBox | undefined>();
      for (const [schedulerId, item] of items) {
        try {
          boxes.set(schedulerId, item && { box: readBox(item), version: item.version ?? 0 });
        } catch (error) {
          // Left out: `box` then fails that scheduler's signal alone, saying why.
          if (!(error instanceof ValidationError)) throw error;
        }
      }
      return boxes;
    },
    async saveBox(schedulerId, box, expectedVersion, now) {
      const item = {
        pk: BOX,
        sk: schedulerId,
        data: box,
        expires_at: expiry(now, BOX_DAYS),
        version: expectedVersion + 1,
      };
      if (expectedVersion === 0) return table.putIfAbsent(item, now);
      return table.conditionalPut(item, 'version = :expected AND expires_at >= :now', {
        ':expected': expectedVersion,
        ':now': epochSeconds(now),
      });
    },
    async schedule(schedulerId, pointer) {
      await table.put({
        pk: OUTBOX,
        sk: schedulerId,
        data: { ...pointer },
        // A hint for the retry pass; the box is re-read before anything is done.
        expires_at: epochSeconds(pointer.at) + 7 * DAY_SECONDS,
      });
    },
    async unschedule(schedulerId) {
      await table.delete(OUTBOX, schedulerId);
    },
    async scheduled(now) {
      // An unreadable pointer counts as due, so its box is looked at, not lost.
      return (await table.list(OUTBOX, now)).map((item) => {
        const data: unknown = item.data;
        if (!pointer.check(data)) return { schedulerId: item.sk, at: '' };
        return { ...data, schedulerId: item.sk };
      });
    },
    async saveIncident(incident, version, now) {
      await project(INCIDENT, incident.incident_id, incident, version, now);
      await project(LIST, listKey(incident), incident, version, now);
    },
    async incident(incidentId, now) {
      const item = await table.get(INCIDENT, incidentId, now);
      return item && readIncident(item);
    },
    async incidents(query, now) {
      const items = await table.page(
        LIST,
        { limit: query.limit + 1, ...(query.before === undefined ? {} : { before: query.before }) },
        now,
      );
      const page = items.slice(0, query.limit);
      const last = page.at(-1);
      return {
        incidents: page.map(readIncident),
        ...(items.length > query.limit && last ? { next: last.sk } : {}),
      };
    },
  };
}
