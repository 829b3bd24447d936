/**
 * mailsetup --verify: checks that the running Postfix does what its role promises, each printed
 * as ✓ (passed), ✗ (failed) or - (skipped) with the reason, and the log lines that explain a
 * failure. One unit per check in checks/:
 *
 * - state: mailsetup's state file is there (it says which role was set up and what it wrote);
 * - postfixRuns, postfixCheck: Postfix runs (`postfix status`) and `postfix check` is clean;
 * - outboundTls: what TLS leaving mail gets (level, DNSSEC behind dane, CA store, tlsmgr);
 * - listening: the smtp service listens where the role wants it;
 * - starttls: port 25 offers STARTTLS and completes a handshake: the certificate's subject and expiry;
 * - outsideRelay: a client outside mynetworks cannot relay;
 * - postmasterMessage: a test message to postmaster is accepted and delivered;
 * - addressRoutes: `sendmail -bv` for a sample address of each class the role handles (the role
 *   names them: RoleModule.verifySamples);
 * - mapKeys: `postmap -q` / `postalias -q` of every key mailsetup wrote gives the value it wrote.
 *
 * Every check reports a StepEvent through the one StepRunner; the report is stepText's. Exit
 * code 0 when nothing failed, 1 otherwise. The log is `maillog_file` when set, else
 * /var/log/mail.log; only lines written after verify started are read, and every wait is
 * bounded. With --root only the sandbox's files are checked: no Postfix runs from a sandbox.
 */
import type { Effects } from '../../model/effects.js';
import type { StepEvent } from '../../model/events.js';
import type { HostFacts } from '../../model/host.js';
import { MASTER_CF } from '../../model/paths.js';
import { stepText } from '../../output/steps.js';
import { paint } from '../../output/styled.js';
import { roleModule } from '../../roles/index.js';
import { StepFailure, StepRunner, type StepOutcomeReport } from '../../system/runner.js';
import { readHostFacts } from '../../system/hostFacts.js';
import { detect } from '../../plan/detect.js';
import type { ExitCode } from '../../model/errors.js';
import type { CommandContext } from '../context.js';
import { readPlanFiles } from '../session.js';
import { addressLabel, addressSamples, checkAddressRoute } from './checks/addressRoutes.js';
import { checkListening, LISTENING_LABEL } from './checks/listening.js';
import { checkMapKeys, mapTables } from './checks/mapKeys.js';
import { checkOutboundTls, OUTBOUND_TLS_LABEL } from './checks/outboundTls.js';
import { checkOutsideRelay, OUTSIDE_RELAY_LABEL } from './checks/outsideRelay.js';
import { checkStarttls, STARTTLS_LABEL } from './checks/starttls.js';
import { CHECK_LABEL, checkPostfixCheck } from './checks/postfixCheck.js';
import { checkPostfixRuns, RUNS_LABEL } from './checks/postfixRuns.js';
import { checkPostmasterMessage, POSTMASTER_LABEL } from './checks/postmasterMessage.js';
import { checkState, STATE_LABEL } from './checks/state.js';
import { logPathOf, readParams, type VerifyContext, type VerifyOptions } from './context.js';
import { LogTail } from './log.js';

export type { VerifyOptions } from './context.js';

const ADDRESSES_LABEL = 'Address checks (sendmail -bv)';

/** Run every check, each reported through `runner` (no output here). */
export async function runChecks(fx: Effects, host: HostFacts, opts: VerifyOptions, runner: StepRunner): Promise<void> {
  const cfg = opts.configDir ?? (await fx.commandPath('/etc/postfix'));
  /** One check: its outcome is reported; a check that throws is reported failed and the others still run. */
  const check = async (id: string, label: string, body: () => Promise<StepOutcomeReport>): Promise<void> => {
    try {
      await runner.step(id, label, body);
    } catch (e) {
      if (!(e instanceof StepFailure)) throw e;
    }
  };
  const skip = (id: string, label: string, why: string) =>
    check(id, label, async () => ({ status: 'skipped', detail: why }));
  /** A check that also learns something the later ones need (`fallback` when it throws). */
  const learn = async <T>(
    id: string,
    label: string,
    fallback: T,
    body: () => Promise<{ outcome: StepOutcomeReport; value: T }>,
  ): Promise<T> => {
    let value = fallback;
    await check(id, label, async () => {
      const r = await body();
      value = r.value;
      return r.outcome;
    });
    return value;
  };

  const params = await readParams(fx, cfg);
  if (typeof params === 'string') {
    await check('config', 'Postfix configuration', async () => ({ status: 'failed', detail: params }));
    return;
  }
  const ctx: VerifyContext = {
    fx,
    host,
    cfg,
    ...(opts.configDir ? { configDir: opts.configDir } : {}),
    ...(opts.smtpAddress ? { smtpAddress: opts.smtpAddress } : {}),
    waitMs: opts.waitMs ?? 30_000,
    params,
    log: await LogTail.open(fx, logPathOf(params)),
  };

  const state = await learn('state', STATE_LABEL, null, () => checkState(fx, opts.configDir));
  const role = state?.answers.role ?? null;
  const running = await learn('postfix-runs', RUNS_LABEL, false, () => checkPostfixRuns(ctx));
  await check('postfix-check', CHECK_LABEL, () => checkPostfixCheck(ctx));
  const master = () => (opts.configDir ? fx.readFile(`${opts.configDir}/master.cf`) : fx.readFile(MASTER_CF));
  await check('outbound-tls', OUTBOUND_TLS_LABEL, async () => checkOutboundTls(ctx, await master()));

  if (!running) {
    const why = !fx.live && !opts.configDir ? 'a sandbox (--root)' : 'Postfix is not running';
    await skip('listening', LISTENING_LABEL, why);
    await skip('starttls', STARTTLS_LABEL, why);
    await skip('outside-relay', OUTSIDE_RELAY_LABEL, why);
    await skip('postmaster-message', POSTMASTER_LABEL, why);
    await skip('addresses', ADDRESSES_LABEL, why);
  } else {
    const to = await learn('listening', LISTENING_LABEL, null, async () => checkListening(ctx, await master(), role));
    await check('starttls', STARTTLS_LABEL, () => checkStarttls(ctx, to, role));
    await check('outside-relay', OUTSIDE_RELAY_LABEL, () => checkOutsideRelay(ctx, to));
    if (!state || !role) {
      await skip('postmaster-message', POSTMASTER_LABEL, 'no role known (no state file)');
      await skip('addresses', ADDRESSES_LABEL, 'no role known (no state file)');
    } else {
      const duties = roleModule(role);
      const postmaster = duties.verifySamples(params, state.answers).postmaster;
      await check('postmaster-message', POSTMASTER_LABEL, () => checkPostmasterMessage(ctx, to, postmaster, role));
      const samples = addressSamples(duties, params, state.answers);
      for (const s of samples.run) await check(`address ${s.cls}`, addressLabel(s), () => checkAddressRoute(ctx, s));
      for (const s of samples.skipped) await skip(`address ${s.cls}`, `Address ${s.cls}`, s.why);
    }
  }
  if (state) for (const t of mapTables(state)) await check(`map ${t.path}`, t.label, () => checkMapKeys(ctx, t));
}

/** The finished checks' count line: "10 checks: 9 passed, 1 failed, 0 skipped". */
export function summaryOf(events: readonly StepEvent[]): { text: string; failed: number } {
  const done = events.filter((e) => e.status !== 'running');
  const failed = done.filter((e) => e.status === 'failed').length;
  const skipped = done.filter((e) => e.status === 'skipped').length;
  const passed = done.length - failed - skipped;
  return { text: `${done.length} checks: ${passed} passed, ${failed} failed, ${skipped} skipped`, failed };
}

/** mailsetup --verify: run the checks, print each, return 0 when none failed, else 1. */
export async function verify(fx: Effects, host: HostFacts, opts: VerifyOptions): Promise<number> {
  const write = opts.write ?? ((s: string) => void process.stdout.write(s));
  const cfg = opts.configDir ?? fx.resolve('/etc/postfix');
  write(
    `mailsetup --verify: the Postfix of ${cfg}${host.postfix.version ? ` (Postfix ${host.postfix.version})` : ''}\n`,
  );
  const runner = new StepRunner({
    onEvent: (e) => {
      opts.onEvent?.(e);
      write(stepText(e, opts.color, { skippedWord: true }));
    },
  });
  await runChecks(fx, host, opts, runner);
  const summary = summaryOf(runner.events);
  write(`${paint(opts.color, summary.failed ? 'failed' : 'ok', summary.text)}\n`);
  return summary.failed ? 1 : 0;
}

/** The --verify mode of the command line: the report on ctx.io, each check also in the --json document. */
export async function verifyCommand(ctx: CommandContext): Promise<ExitCode> {
  const { fx, json } = ctx;
  if (json) {
    let role: string | null = null;
    try {
      role = detect(await readPlanFiles(fx)).role;
    } catch {
      // The checks say what is wrong with the files; the role stays unknown.
    }
    json.role(role, role);
  }
  const code = await verify(fx, await readHostFacts(fx), {
    color: ctx.opts.color,
    write: ctx.io.out,
    ...(json ? { onEvent: (e: StepEvent) => json.check(e) } : {}),
  });
  return code === 0 ? 0 : 1;
}
