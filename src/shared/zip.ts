import { strToU8, zipSync, type Zippable } from 'fflate';

/**
 * Several files for people in one download (the funder report's tables, one CSV each): a ZIP that every operating
 * system opens without software. Files keep their bytes (a CSV's BOM included) and are deflated.
 */
export function zipFiles(files: { name: string; content: string | Uint8Array }[], modifiedAt = new Date()): Buffer {
  const entries: Zippable = {};
  for (const file of files) entries[file.name] = [typeof file.content === 'string' ? strToU8(file.content) : file.content, { mtime: modifiedAt }];
  return Buffer.from(zipSync(entries, { level: 6 }));
}
