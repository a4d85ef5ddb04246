// The token split of a (context, continuation) request exactly as lm-eval's TemplateLM does it for causal models:
// trailing whitespace of the context moves to the start of the continuation; the context is encoded alone and the
// pair together, and the continuation's tokens are the pair's tokens after the context's count (so a merge across the
// boundary is scored as lm-eval scores it). BOS: lm-eval's HF backend (add_bos_token unset) encodes with the
// tokenizer's special tokens, i.e. BOS first when the tokenizer config adds it; `addBos` overrides that. An empty
// context conditions on the prefix token alone (BOS, else EOS) and the continuation is encoded without BOS.
import type { TextTokenizer } from '../model/loaded-model.ts';
import { clip, quote } from '../quote.ts';
import { pyRstrip } from './python-text.ts';
import { TaskDataError } from './task-errors.ts';

export interface TokenizedRequest {
  context: number[];
  continuation: number[];
}

export class RequestEncoder {
  private readonly contexts = new Map<string, number[]>();

  constructor(readonly tokenizer: TextTokenizer, readonly addBos: boolean) {}

  private withSpecial(ids: number[]): number[] {
    return this.addBos && this.tokenizer.bosId !== null ? [this.tokenizer.bosId, ...ids] : ids;
  }

  /** The context's tokens; one document's choices share their context, so the last few are kept. */
  private contextIds(context: string): number[] {
    let ids = this.contexts.get(context);
    if (!ids) {
      ids = this.withSpecial(this.tokenizer.encode(context));
      if (this.contexts.size >= 8) this.contexts.delete(this.contexts.keys().next().value!);
      this.contexts.set(context, ids);
    }
    return ids;
  }

  /** The texts encode(context, continuation) gives the tokenizer: a caller can encode them elsewhere first (the studio
   * encodes them where cancel can stop it) and hand this class a tokenizer that looks them up. */
  static texts(context: string, continuation: string): string[] {
    return context === '' ? [continuation] : [pyRstrip(context), context + continuation];
  }

  /** `where` names the document in an EmptyContinuation message. */
  encode(context: string, continuation: string, where: string): TokenizedRequest {
    let out: TokenizedRequest;
    if (context === '') {
      const ids = this.tokenizer.encode(continuation);
      const prefix = this.tokenizer.bosId ?? this.tokenizer.eosId;
      if (prefix === null) throw new TaskDataError('EmptyContinuation', `${where}: an empty context needs a BOS or EOS token, and the tokenizer has neither`);
      out = ids[0] === prefix ? { context: ids.slice(0, 1), continuation: ids.slice(1) } : { context: [prefix], continuation: ids };
    } else {
      const kept = pyRstrip(context);
      const moved = context.slice(kept.length);
      const ctx = this.contextIds(kept);
      const whole = this.withSpecial(this.tokenizer.encode(kept + moved + continuation));
      out = { context: ctx, continuation: whole.slice(ctx.length) };
    }
    if (out.continuation.length === 0) {
      throw new TaskDataError('EmptyContinuation', `${where}: the continuation ${quote(clip(continuation))} tokenizes to no token after its context`);
    }
    return out;
  }
}
