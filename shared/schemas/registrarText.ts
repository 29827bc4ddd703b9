/**
 * Text a SIP device chose (its User-Agent, Contact, source address, Call-ID) travels
 * through the registrar to customers. It is made safe where it enters, never refused:
 * refusing it would lose the device's registration over a cosmetic detail.
 * - control characters (C0, DEL, C1), line and paragraph separators, bidirectional
 *   overrides and isolates (they reorder what a reader sees), the byte order mark and
 *   noncharacters each become U+FFFD;
 * - a lone UTF-16 surrogate (not encodable as UTF-8) becomes U+FFFD;
 * - text longer than its bound is cut at the bound, never inside a surrogate pair.
 * So what is stored and served is valid, printable UTF-8.
 */
const UNPRINTABLE =
  /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069\ufeff\ufffe\uffff]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

export const REPLACEMENT = '\ufffd';

export function printable(text: string, maxLength: number): string {
  const safe = text.replace(UNPRINTABLE, REPLACEMENT);
  if (safe.length <= maxLength) return safe;
  const cut = safe.slice(0, maxLength);
  return /[\ud800-\udbff]$/.test(cut) ? cut.slice(0, -1) : cut;
}
