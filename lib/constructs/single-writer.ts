/**
 * One writer per data directory, enforced by the file system: the container runs the image's own
 * entrypoint under an exclusive lock (`flock`, util-linux) on a file in the data volume, so a
 * second task that mounts the same directory waits until the first has exited. Minimum 0 % /
 * maximum 100 % alone does not guarantee it (a stopping task keeps its container running for up
 * to its stop timeout, containers-roadmap#959), and Postgres' own `postmaster.pid` check does not
 * work across containers (each has its own PID namespace). Amazon EFS supports NFSv4 locks, and
 * a lock of a task that dies is released when its NFS lease expires.
 *
 * The script opens the lock file on descriptor 9, waits for the lock, then `exec`s the image's
 * entrypoint: the same process (PID 1) keeps the descriptor, so the lock lasts exactly as long
 * as the database process, and ECS's stop signal reaches the database directly.
 */

/** Name of the lock file in the data volume's root (outside the database's own directory). */
export const LOCK_FILE = '.single-writer.lock';

/** `$0` of the script, as `ps` and error messages show it. */
const SCRIPT_NAME = 'single-writer';

const SCRIPT = [
  'lock="$LOCK_DIR/' + LOCK_FILE + '"',
  'exec 9>>"$lock" || { echo "single-writer: cannot open $lock" >&2; exit 1; }',
  'if ! flock --exclusive --nonblock 9; then',
  '  echo "single-writer: $lock is held by another task; waiting until it exits"',
  '  flock --exclusive 9',
  'fi',
  'echo "single-writer: holding $lock; starting $*"',
  'exec "$@"',
].join('\n');

/**
 * The container's entry point: a POSIX shell that takes the lock in `dataPath` and then runs
 * the command that follows it (the image's entrypoint and command, as the container's
 * `command`).
 */
export function singleWriterEntryPoint(dataPath: string): string[] {
  return ['/bin/sh', '-c', `LOCK_DIR='${shellQuoted(dataPath)}'\n${SCRIPT}`, SCRIPT_NAME];
}

function shellQuoted(path: string): string {
  if (!/^\/[A-Za-z0-9._/-]*$/.test(path))
    throw new Error(`data path '${path}' must be an absolute path of letters, digits, '.', '_', '-' and '/'`);
  return path;
}
