/**
 * How a service with a data volume on shared storage starts: one writer per data directory, and
 * a first start that cannot be cut off half-way.
 *
 * **One writer.** The container runs the image's own entrypoint under an exclusive lock (`flock`,
 * util-linux) on a file in the data volume, so a second task that mounts the same directory waits
 * until the first has exited. Minimum 0 % / maximum 100 % alone does not guarantee it (a stopping
 * task keeps its container running for up to its stop timeout, containers-roadmap#959), and
 * Postgres' own `postmaster.pid` check does not work across containers (each has its own PID
 * namespace). Amazon EFS supports NFSv4 locks, and a lock of a task that dies is released when its
 * NFS lease expires. The script asks for the lock five times a second rather than blocking in
 * `flock`: EFS makes no callbacks, so the Linux NFS client retries a blocked lock after 1, 2, 4 …
 * 30 s (`nfs4_retry_setlk_simple`) and would notice a released lock up to 30 s late.
 *
 * **A first start that completes, or starts again.** An image such as postgres initialises its
 * data directory on the first start (initdb, the init scripts, a restart) and skips that for ever
 * once the directory exists: a task stopped half-way leaves a directory that is never initialised
 * again. So the script marks a first start in the volume (`.initializing`), and only a first start
 * (no data directory yet), before the image runs, and removes the mark once the service answers
 * its readiness check (the model's health check, which for postgres only passes over TCP, after
 * the init's temporary server has gone). A start that finds the mark moves the directory aside
 * (`<dir>.interrupted-<time>`, nothing deleted) and lets the image initialise again. A directory
 * without the mark, from this or an earlier version of the app, is a finished database and is
 * used as it is, however often a later start is cut off.
 *
 * **Not cut off by its own health check, and no healthier than it is.** While the image
 * initialises a new data directory, and only then, the script keeps a file in the container's own
 * file system ({@link STARTING_FILE}), and the container's health check passes while it exists
 * ({@link startupAwareHealthCheck}); the script bounds that time itself
 * ({@link STARTUP_BOUND_SECONDS}) and stops the service if it is not ready by then. A task waiting
 * for the lock, or restarting a finished database, is checked as it is: ECS counts it healthy,
 * and Service Connect sends it traffic, only once the service answers; a lock held elsewhere makes
 * it UNHEALTHY after its start period, so ECS replaces it and the deployment circuit breaker sees
 * it.
 *
 * The script `exec`s the image's entrypoint: the same process (PID 1) keeps the lock's descriptor,
 * so the lock lasts exactly as long as the service, and ECS's stop signal (SIGTERM, or the
 * image's STOPSIGNAL, SIGINT for postgres) reaches the service directly. A small watcher process
 * runs the readiness check meanwhile and removes the marks.
 */

/** Name of the lock file in the data volume's root (outside the database's own directory). */
export const LOCK_FILE = '.single-writer.lock';
/** Name of the first-start mark in the data volume's root. */
export const INITIALIZING_FILE = '.initializing';
/** In the container's own file system: the image initialises a new data directory. */
export const STARTING_FILE = '/tmp/.single-writer-starting';
/** How long a start may take, lock wait and first initialisation included, before the script gives up. */
export const STARTUP_BOUND_SECONDS = 900;
/** How often the script runs the readiness check while the service starts. */
const READY_POLL_SECONDS = 1;
/** How often the script asks for a lock held by another task (every second where `sleep` takes no fraction). */
const LOCK_POLL_SECONDS = 0.2;

/** `$0` of the script, as `ps` and error messages show it. */
const SCRIPT_NAME = 'single-writer';

const SCRIPT = [
  'lock="$VOLUME/' + LOCK_FILE + '"',
  'initializing="$VOLUME/' + INITIALIZING_FILE + '"',
  'deadline=$(( $(date +%s) + BOUND ))',
  'log() { echo "single-writer: $*"; }',
  'rm -f "$starting"',
  'exec 9>>"$lock" || { log "cannot open $lock" >&2; exit 1; }',
  'if ! flock --exclusive --nonblock 9; then',
  '  log "$lock is held by another task; waiting until it exits (at most $BOUND s)"',
  '  until flock --exclusive --nonblock 9; do',
  '    [ "$(date +%s)" -lt "$deadline" ] || { log "$lock still held after $BOUND s; giving up" >&2; exit 1; }',
  `    sleep ${LOCK_POLL_SECONDS} 2>/dev/null || sleep 1`,
  '  done',
  'fi',
  'if [ -e "$initializing" ] && [ -e "$DATA" ]; then',
  '  aside="$DATA.interrupted-$(date -u +%Y%m%dT%H%M%SZ)"',
  '  log "the first start of $DATA was cut off before it was ready; moving it aside to $aside and initialising again"',
  '  mv "$DATA" "$aside" || exit 1',
  'fi',
  // Only a first start is marked, and only it passes the health check before it is ready.
  'if [ ! -e "$DATA" ]; then',
  '  log "$DATA does not exist: a first start, healthy until it is ready (at most $BOUND s)"',
  '  : > "$initializing"',
  '  : > "$starting"',
  'fi',
  // The watcher: until the service answers (or the bound), then it ends the start. It becomes a
  // child of the service once the shell execs it, and always exits 0 (postgres' postmaster takes a
  // child that dies otherwise for a crashed backend). Without the lock's descriptor: only the
  // service holds the lock.
  'main=$$',
  '(',
  '  while kill -0 "$main" 2>/dev/null; do',
  '    if sh -c "$READY" >/dev/null 2>&1; then',
  '      rm -f "$initializing" "$starting"',
  '      log "ready"',
  '      exit 0',
  '    fi',
  '    if [ "$(date +%s)" -ge "$deadline" ]; then',
  '      log "not ready after $BOUND s; stopping it" >&2',
  '      rm -f "$starting"',
  '      kill -TERM "$main" 2>/dev/null',
  '      exit 0',
  '    fi',
  `    sleep ${READY_POLL_SECONDS}`,
  '  done',
  '  exit 0',
  ') 9>&- </dev/null &',
  'log "holding $lock; starting $*"',
  // The same process (PID 1) becomes the service: it keeps the lock's descriptor, and ECS's stop
  // signal reaches it directly.
  'exec "$@"',
].join('\n');

/** What the entry point needs to know about the service. */
export interface SingleWriterOptions {
  /** The data volume's mount path: the lock and the first-start mark live in its root. */
  readonly volumePath: string;
  /** The directory the image initialises on its first start, inside the volume. */
  readonly dataDirectory: string;
  /** A shell command that succeeds once the service is ready (the model's health check). */
  readonly readyCommand: string;
  /**
   * The file that says "starting" to the health check, in the container's own file system.
   *
   * @default STARTING_FILE
   */
  readonly startingFile?: string;
  /**
   * How long a start may take, lock wait and initialisation included.
   *
   * @default STARTUP_BOUND_SECONDS
   */
  readonly startupBoundSeconds?: number;
}

/**
 * The container's entry point: a POSIX shell script that takes the lock, guards the first start,
 * and runs the command that follows it (the image's entrypoint and command, as the container's
 * `command`).
 */
export function singleWriterEntryPoint(options: SingleWriterOptions): string[] {
  const volume = shellPath(options.volumePath);
  const data = shellPath(options.dataDirectory);
  if (!data.startsWith(`${volume}/`)) {
    throw new Error(`data directory '${data}' must be inside the data volume '${volume}'`);
  }
  const settings = [
    `starting='${shellPath(options.startingFile ?? STARTING_FILE)}'`,
    `VOLUME='${volume}'`,
    `DATA='${data}'`,
    `READY='${options.readyCommand.replace(/'/g, `'\\''`)}'`,
    `BOUND=${Math.round(options.startupBoundSeconds ?? STARTUP_BOUND_SECONDS)}`,
  ].join('\n');
  return ['/bin/sh', '-c', `${settings}\n${SCRIPT}`, SCRIPT_NAME];
}

/**
 * The container health check's command for a service started by {@link singleWriterEntryPoint}:
 * healthy while the image initialises a new data directory, otherwise as `command` says (so not
 * while the task waits for the lock).
 */
export function startupAwareHealthCheck(command: string, startingFile = STARTING_FILE): string {
  return `[ -e ${startingFile} ] || { ${command}; }`;
}

function shellPath(path: string): string {
  if (!/^\/[A-Za-z0-9._/-]*$/.test(path))
    throw new Error(`data path '${path}' must be an absolute path of letters, digits, '.', '_', '-' and '/'`);
  return path.replace(/\/+$/, '');
}
