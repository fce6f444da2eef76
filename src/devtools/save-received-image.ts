/**
 * The simulator's view of an image fanhook sent to the chat: a terminal cannot draw it, so
 * the bytes are fetched from the fake WeChat API (`/__fake/media`, where media/upload kept
 * them) and written to a folder, and the simulator prints the file's path.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';

const EXTENSIONS: Record<string, string> = { 'image/png': '.png', 'image/jpeg': '.jpg', 'image/gif': '.gif' };

/**
 * Saves the temporary media `mediaId` into `dir`; resolves to the file's path, or null when
 * the fake does not have it (an id fanhook did not upload there, e.g. permanent material).
 */
export async function saveReceivedImage(fakeUrl: string, mediaId: string, dir: string): Promise<string | null> {
  const response = await fetch(`${fakeUrl}/__fake/media?media_id=${encodeURIComponent(mediaId)}`);
  if (!response.ok) {
    await response.arrayBuffer();
    return null;
  }
  const bytes = Buffer.from(await response.arrayBuffer());
  const extension = EXTENSIONS[response.headers.get('content-type') ?? ''] ?? '.bin';
  // Media ids are letters, digits, `_` and `-`; anything else is dropped so the name stays inside `dir`.
  const file = path.join(dir, `${mediaId.replace(/[^A-Za-z0-9_-]/g, '')}${extension}`);
  await mkdir(dir, { recursive: true });
  await writeFile(file, bytes);
  return file;
}
