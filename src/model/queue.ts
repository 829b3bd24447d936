/** A message in Postfix's queue, as `postqueue -j` reports it (only what mailsetup looks at). */
export interface QueuedMessage {
  /** maildrop, incoming, active, deferred, hold. */
  queue: string;
  id: string;
  /** The recipients still to deliver (addresses as Postfix stores them). */
  recipients: string[];
}
