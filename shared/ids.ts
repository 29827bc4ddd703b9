import { randomBytes } from 'node:crypto';

let lastMs = 0;
let sequence = 0;

/**
 * UUIDv7: time-ordered, so a sort key made of it lists items in creation order and two
 * items created in the same millisecond still have distinct, ordered keys (no gaps or
 * repeats when paging). A 12-bit in-process sequence keeps ids made in one millisecond ordered.
 */
export function newId(now = Date.now()): string {
  if (now <= lastMs) {
    sequence = (sequence + 1) & 0xfff;
    if (sequence === 0) lastMs += 1;
    now = lastMs;
  } else {
    lastMs = now;
    sequence = randomBytes(2).readUInt16BE(0) & 0x7ff;
  }
  const bytes = randomBytes(16);
  bytes.writeUIntBE(now, 0, 6);
  bytes[6] = 0x70 | (sequence >> 8);
  bytes[7] = sequence & 0xff;
  bytes[8] = 0x80 | (bytes[8]! & 0x3f);
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

export const UUID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** The seeds' timestamp format: "2021-02-23 02:09:39.701458" in UTC. */
export function formatTimestamp(date: Date | number): string {
  const iso = new Date(date).toISOString(); // 2021-02-23T02:09:39.701Z
  return `${iso.slice(0, 10)} ${iso.slice(11, 23)}000`;
}

export const nowTimestamp = (): string => formatTimestamp(Date.now());
