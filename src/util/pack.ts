// Text ⇄ a compact ASCII form (raw deflate, base64), for values that must fit small slots (registry
// tags of at most 1000 characters). Pure computation: no I/O. The packed bytes may differ between
// zlib versions; what matters is that any version unpacks them, so nothing hashes packed bytes.

import { deflateRawSync, inflateRawSync } from 'node:zlib';

export const packText = (text: string): string => deflateRawSync(Buffer.from(text, 'utf8'), { level: 9 }).toString('base64');

/** Throws on bytes that are not a raw deflate stream (the caller reports the value as unreadable). */
export const unpackText = (packed: string): string => inflateRawSync(Buffer.from(packed, 'base64'), { maxOutputLength: 16 * 1024 * 1024 }).toString('utf8');

/** Length as Databricks may count it: UTF-8 bytes (never fewer than characters). */
export const utf8Length = (text: string): number => Buffer.byteLength(text, 'utf8');
