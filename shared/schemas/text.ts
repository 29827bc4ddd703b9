import * as z from 'zod/mini';
import { deferred } from './deferred.js';

const CONTROL_CHARACTERS = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F]/;
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** Free text a person typed: no control characters (tab and newlines allowed), valid UTF-16. */
export const plainText = (max: number) =>
  z
    .string()
    .check(
      z.maxLength(max),
      z.refine((value) => !CONTROL_CHARACTERS.test(value), 'must not contain control characters'),
      z.refine((value) => !LONE_SURROGATE.test(value), 'must be valid Unicode text'),
    );
export const nameText = deferred(() => plainText(255));
export const detailText = deferred(() => plainText(1024));
