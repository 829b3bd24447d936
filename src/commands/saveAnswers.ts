/**
 * --save-answers FILE (and the wizard's offer at the end): the answers of this run written for
 * another host, without a password and without what each host derives for itself.
 */
import type { Answers } from '../model/answers.js';
import { UsageError } from '../model/errors.js';
import type { HostFacts } from '../model/host.js';
import { answersToSave, savedAnswersText } from '../roles/save.js';
import { shellWord, type CommandContext } from './context.js';

/** Write the answers file; returns the lines that say so. Throws UsageError (exit 2) when it cannot be written. */
export async function saveAnswers(
  ctx: CommandContext,
  answers: Answers,
  host: HostFacts,
  path: string,
): Promise<string[]> {
  const saved = answersToSave(answers, host);
  try {
    await ctx.fx.writeUserFile(path, savedAnswersText(saved, host.fqdn));
  } catch (e) {
    throw new UsageError(`--save-answers: cannot write ${path}: ${(e as Error).message}`);
  }
  const lines = [`Answers saved to ${path}; on another host: mailsetup --answers ${shellWord(path)} --yes`];
  if (saved.passwordLeftOut)
    lines.push('  The smart host password is not saved: name a password file in it (smtp_sasl.password_file).');
  return lines;
}
