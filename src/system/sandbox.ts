/**
 * What keeps a --root sandbox from reaching the host through Postfix's own tools.
 *
 * `postfix -c DIR check` runs `$daemon_directory/postfix-script`, which runs programs from
 * `$command_directory`, `post-install create-missing` (chown and chmod in `$queue_directory` and
 * `$data_directory`) and `postsuper` on the queue; `postmap`/`postalias -c DIR` load map modules
 * named in `$meta_directory` from `$shlib_directory`. A sandbox's main.cf is not trusted: before
 * any Postfix tool is given `-c DIR`, its directory parameters must be the installed package's
 * (queue and data directory may also lie inside the sandbox). The check itself then runs on a
 * private copy of the sandbox's main.cf and master.cf whose queue and data directories are a
 * private scratch directory: the live queue is never opened, and a sandbox apply still fails
 * and rolls back wherever `postfix check` fails, as a live one would.
 */
import type { CommandResult, Effects, ScratchDir } from '../model/effects.js';
import type { HostFacts, ScratchQueueDirectory } from '../model/host.js';
import { UsageError } from '../model/errors.js';
import { MAIN_CF, MASTER_CF } from '../model/paths.js';
import { quoteValue } from '../model/text.js';
import { expandParam } from '../postfix/expand.js';
import { MainCf } from '../postfix/mainCf.js';
import { createdDirectories } from '../postfix/postfixFiles.js';
import { groupId, userId } from './accounts.js';

/** The directory parameters whose programs, modules or files Postfix's tools use as root. */
export const DIRECTORY_PARAMS = [
  'daemon_directory',
  'command_directory',
  'shlib_directory',
  'meta_directory',
  'queue_directory',
  'data_directory',
] as const;

export type DirectoryParam = (typeof DIRECTORY_PARAMS)[number];

/** The package's values (`postconf -d`) of the directory parameters and of import_environment. */
export type PackageDirectories = Record<DirectoryParam | 'import_environment', string>;

/** Debian's and Ubuntu's values, for when `postconf -d` cannot tell (Postfix not installed, tests). */
export const DEBIAN_DIRECTORIES: PackageDirectories = {
  daemon_directory: '/usr/lib/postfix/sbin',
  command_directory: '/usr/sbin',
  shlib_directory: '/usr/lib/postfix',
  meta_directory: '/etc/postfix',
  queue_directory: '/var/spool/postfix',
  data_directory: '/var/lib/postfix',
  import_environment:
    'MAIL_CONFIG MAIL_DEBUG MAIL_LOGTAG TZ XAUTHORITY DISPLAY LANG=C POSTLOG_SERVICE POSTLOG_HOSTNAME',
};

/** What `postconf -dh` is asked for the package's directories, in this order. */
export const PACKAGE_KEYS = [...DIRECTORY_PARAMS, 'import_environment'] as const;

/** The owners postfix-files names (`$mail_owner`, `$setgid_group`): the package's values. */
export const OWNER_KEYS = ['mail_owner', 'setgid_group'] as const;

const SAFE_RELATIVE = /^[A-Za-z0-9._-]+(\/[A-Za-z0-9._-]+)*$/;

/**
 * The directories `post-install create-missing` (run by `postfix check`) would make in a private
 * copy's empty queue and data directories, from the package's postfix-files texts (the main file,
 * then postfix-files.d's in name order, as post-install reads them), with the package's mail_owner
 * and setgid_group resolved in the host's passwd and group. Undefined when anything cannot be
 * resolved (an unknown user or parameter, an odd path or mode): the check then makes them itself.
 */
export function scratchQueueLayout(
  postfixFiles: readonly string[],
  owners: Record<(typeof OWNER_KEYS)[number], string>,
  passwd: string | null,
  group: string | null,
): ScratchQueueDirectory[] | undefined {
  const expand = (field: string): string | undefined => {
    if (!field.startsWith('$')) return field;
    const name = field.slice(1);
    return name === 'mail_owner' || name === 'setgid_group' ? owners[name] : undefined;
  };
  const out: ScratchQueueDirectory[] = [];
  try {
    for (const text of postfixFiles) {
      for (const d of createdDirectories(text)) {
        const m = /^\$(queue_directory|data_directory)(?:\/(.*))?$/.exec(d.path);
        if (!m) continue; // not made under a private -c copy (post-install's shared objects)
        const rest = m[2];
        if (rest !== undefined && (!SAFE_RELATIVE.test(rest) || rest.split('/').includes('..'))) return undefined;
        const owner = expand(d.owner);
        const uid = owner === undefined || owner === '' ? undefined : userId(passwd, owner);
        if (uid === undefined) return undefined;
        let gid: number | undefined;
        if (d.group !== '') {
          const name = expand(d.group);
          gid = name === undefined ? undefined : groupId(group, name);
          if (gid === undefined) return undefined;
        }
        const base = m[1] === 'queue_directory' ? 'queue' : 'data';
        out.push({ path: rest === undefined ? base : `${base}/${rest}`, uid, gid, mode: d.mode });
      }
    }
  } catch {
    return undefined; // a mode post-install's chmod would refuse
  }
  return out.length > 0 ? out : undefined;
}

/**
 * The installed package's directories from the lines `postconf -dh ...PACKAGE_KEYS` printed, run
 * on the host (never `-c`: the host's own configuration is trusted, the sandbox's is not). Debian's
 * values when that run failed (no lines) or left one out.
 */
export function packageDirectoriesFrom(lines: readonly string[]): PackageDirectories {
  const values = lines.slice(0, PACKAGE_KEYS.length).map((l) => l.trim());
  if (values.length < PACKAGE_KEYS.length || values.some((v) => v === '')) return { ...DEBIAN_DIRECTORIES };
  return Object.fromEntries(PACKAGE_KEYS.map((k, i) => [k, values[i]])) as PackageDirectories;
}

/**
 * What is wrong with a sandbox main.cf's directory parameters (expanded as Postfix would):
 * each must be the package's; the queue and data directories may instead be a directory inside
 * the sandbox (a real path under `root`). [] when all is well.
 */
export function sandboxDirectoryProblems(mainText: string, pkg: PackageDirectories, root: string): string[] {
  let cf: MainCf;
  try {
    cf = MainCf.parse(mainText);
  } catch {
    return []; // an unreadable main.cf is reported where it is parsed, naming the file
  }
  const problems: string[] = [];
  for (const name of DIRECTORY_PARAMS) {
    let value: string;
    try {
      value = (expandParam(cf, name, pkg) ?? pkg[name]).trim();
    } catch (e) {
      problems.push(`${name} cannot be expanded (${(e as Error).message})`);
      continue;
    }
    const normal = value.replace(/(.)\/+$/, '$1');
    if (normal === pkg[name]) continue;
    const insideRoot = normal.startsWith(`${root}/`) && !normal.split('/').includes('..');
    if ((name === 'queue_directory' || name === 'data_directory') && insideRoot) continue;
    problems.push(`${name} = ${quoteValue(value)} (the installed Postfix has ${pkg[name]})`);
  }
  return problems;
}

/**
 * Refuse (UsageError, exit 2) a sandbox whose main.cf names other program, module or queue
 * directories than the package: Postfix's tools would run what they name, as root. No-op live.
 */
export async function guardSandbox(fx: Effects, pkg: PackageDirectories): Promise<void> {
  if (fx.live) return;
  refuseDirectories(fx, await fx.readFile(MAIN_CF), pkg);
}

/** guardSandbox's verdict on `text` as the sandbox's main.cf (null: none). */
function refuseDirectories(fx: Effects, text: string | null, pkg: PackageDirectories): void {
  if (fx.live || text === null) return;
  const problems = sandboxDirectoryProblems(text, pkg, fx.root);
  if (problems.length === 0) return;
  throw new UsageError(
    `${fx.resolve(MAIN_CF)} names directories of its own; Postfix's tools run as root would use them, ` +
      'so a --root run refuses the sandbox:',
    problems.map((p) => `  ${p}`),
  );
}

/** A private copy of a sandbox's configuration directory (openSandboxConfig). */
export interface SandboxConfig {
  /** The copy's configuration directory (a real path, handed to the tools with -c). */
  readonly config: string;
  /** Remove the copy. */
  remove(): Promise<void>;
}

/**
 * A private copy of the sandbox's configuration directory: main.cf and master.cf copied into a
 * scratch directory, with queue_directory and data_directory pointing into it and
 * import_environment the package's. Postfix's tools given `-c` that copy never reach the host's
 * queue (postsuper, the postlog socket under public/). The sandbox's main.cf is checked first
 * (guardSandbox). An apply makes one for all its tools from the files it is about to write
 * (`planned`: main.cf and master.cf as they will be; a file not given is read from the sandbox),
 * so that `postfix check` can start before the writes; the caller removes it. With
 * `scratchQueue` (PostfixFacts.scratchQueue) the private queue is made with its directories.
 */
export async function openSandboxConfig(
  fx: Effects,
  pkg: PackageDirectories,
  planned: { main?: string | undefined; master?: string | undefined } = {},
  scratchQueue?: readonly ScratchQueueDirectory[],
): Promise<SandboxConfig> {
  const [main, master] = await Promise.all([
    planned.main ?? fx.readFile(MAIN_CF),
    planned.master ?? fx.readFile(MASTER_CF),
  ]);
  refuseDirectories(fx, main, pkg);
  const scratch = await fx.scratchDir();
  try {
    const config = `${scratch.path}/config`;
    const pin: Array<[string, string]> = [
      ['queue_directory', `${scratch.path}/queue`],
      ['data_directory', `${scratch.path}/data`],
      ['import_environment', pkg.import_environment],
    ];
    // The copy is as old as nothing new: Postfix's tools wait while a main.cf is under a second old.
    const old = Date.now() - 5_000;
    let pinned: string | null = null;
    if (main !== null) {
      try {
        // As postconf -e would: in place, so that every other line keeps its number.
        pinned = MainCf.parse(main).setMany(pin).toString();
      } catch {
        const sep = main === '' || main.endsWith('\n') ? '' : '\n';
        pinned = `${main}${sep}${pin.map(([n, v]) => `${n} = ${v}\n`).join('')}`;
      }
    }
    // The queue as the check's create-missing would make it, so that it makes none (each
    // directory costs it four commands). Only with the package's owners: a main.cf that names
    // its own has the check make them, as does a host where they cannot be set.
    const layout = main !== null && !namesOwners(main) ? scratchQueue : undefined;
    // The files and the directories at once (each is a few system calls that the main thread
    // waits on); the directories level by level, a parent before its children.
    const [, , made] = await Promise.all([
      // Without main.cf the tools say that it is missing, as they would of the sandbox.
      pinned !== null ? scratch.write('config/main.cf', pinned, old) : scratch.mkdir('config'),
      master !== null ? scratch.write('config/master.cf', master, old) : Promise.resolve(),
      scratch.mkdir('queue').then(() => (layout ? makeLevels(scratch, layout) : true)),
    ]);
    if (!made) {
      await scratch.remove().catch(() => undefined);
      return openSandboxConfig(fx, pkg, planned);
    }
    return { config, remove: () => scratch.remove().catch(() => undefined) };
  } catch (e) {
    await scratch.remove().catch(() => undefined);
    throw e;
  }
}

/** Make `layout`'s directories, each level at once after the one above it; false when one cannot be made as asked. */
async function makeLevels(scratch: ScratchDir, layout: readonly ScratchQueueDirectory[]): Promise<boolean> {
  const levels = new Map<number, ScratchQueueDirectory[]>();
  for (const d of layout) {
    const depth = d.path.split('/').length;
    levels.set(depth, [...(levels.get(depth) ?? []), d]);
  }
  try {
    for (const depth of [...levels.keys()].sort((a, b) => a - b)) {
      await Promise.all((levels.get(depth) ?? []).map((d) => scratch.mkdir(d.path, d)));
    }
    return true;
  } catch {
    return false;
  }
}

/** A main.cf that sets mail_owner or setgid_group (unparseable: treated as one that does). */
function namesOwners(main: string): boolean {
  try {
    const cf = MainCf.parse(main);
    return OWNER_KEYS.some((k) => cf.has(k));
  } catch {
    return true;
  }
}

/**
 * Run `body` with a private copy of the sandbox's configuration directory (openSandboxConfig),
 * or with `given` when the caller made one already; a copy made here is removed afterwards.
 */
export async function withSandboxConfig<T>(
  fx: Effects,
  pkg: PackageDirectories,
  body: (config: string) => Promise<T>,
  given?: string,
): Promise<T> {
  if (given !== undefined) return body(given);
  const copy = await openSandboxConfig(fx, pkg);
  try {
    return await body(copy.config);
  } finally {
    await copy.remove();
  }
}

/** A command's result told in terms of the sandbox: the private copy's path is the sandbox's. */
export function asSandbox(r: CommandResult, config: string, cfgDir: string): CommandResult {
  const mapped = (s: string) => s.split(config).join(cfgDir);
  return { ...r, command: mapped(r.command), stdout: mapped(r.stdout), stderr: mapped(r.stderr) };
}

/**
 * `postfix check` of a sandbox's configuration, on a private copy (withSandboxConfig): the
 * host's queue is never opened, and the result names the sandbox's configuration directory.
 */
export async function sandboxPostfixCheck(
  fx: Effects,
  pkg: PackageDirectories,
  timeoutMs: number,
  signal?: AbortSignal,
  given?: string,
): Promise<CommandResult> {
  const cfgDir = await fx.commandPath('/etc/postfix');
  return withSandboxConfig(
    fx,
    pkg,
    async (config) => {
      const r = await fx.run('postfix', ['-c', config, 'check'], {
        tty: true,
        timeoutMs,
        ...(signal ? { signal } : {}),
      });
      return asSandbox(r, config, cfgDir);
    },
    given,
  );
}

/** The package's directories as the host facts recorded them (Debian's when they did not). */
export function directoriesOf(host: HostFacts): PackageDirectories {
  const d = host.postfix.directories;
  if (!d) return { ...DEBIAN_DIRECTORIES };
  return Object.fromEntries(PACKAGE_KEYS.map((k) => [k, d[k] ?? DEBIAN_DIRECTORIES[k]])) as PackageDirectories;
}
