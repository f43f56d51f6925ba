import net from 'node:net';

/**
 * A start-up problem a person can fix, told in one sentence that says what is wrong and what to
 * do. Start-up prints only the message (no stack trace) and exits non-zero.
 */
export class StartupError extends Error {}

/**
 * Fails before anything else runs (migrations, the embedded database) when the port is taken:
 * usually a second start of the product on the same machine.
 */
export async function assertPortFree(host: string, port: number): Promise<void> {
  if (port === 0) return;
  await new Promise<void>((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', (e: NodeJS.ErrnoException) => {
      if (e.code === 'EADDRINUSE') reject(new StartupError(`port ${port} is in use: stop the other instance or set PORT`));
      else if (e.code === 'EACCES') reject(new StartupError(`port ${port} needs privileges this user does not have: set PORT to a number above 1023`));
      else if (e.code === 'EADDRNOTAVAIL') reject(new StartupError(`address ${host} is not one of this machine's: set HOST`));
      else reject(e);
    });
    srv.listen({ host, port, exclusive: true }, () => srv.close(() => resolve()));
  });
}

const FOLDER_PROBLEMS: Record<string, string> = {
  EROFS: 'it is on a read-only file system',
  EACCES: 'this user may not write there',
  EPERM: 'this user may not write there',
  ENOSPC: 'the disk is full',
  EDQUOT: 'the disk quota is used up',
  ENOTDIR: 'part of its path is a file, not a folder',
  EEXIST: 'a file of that name is in the way',
};

/** Turns a file-system error about the data folder into the one sentence a person needs. */
export function dataFolderError(folder: string, e: unknown): unknown {
  const code = (e as NodeJS.ErrnoException | null)?.code;
  const why = code ? FOLDER_PROBLEMS[code] : undefined;
  if (!why) return e;
  return new StartupError(`the data folder ${folder} cannot be used (${why}): set WARDSTATION_DATA to a folder this user can write, or fix the folder's permissions`);
}
