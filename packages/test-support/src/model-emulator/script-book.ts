import type {
  EmulatedFailure,
  EmulatorReply,
  Provider,
  ReplyContext,
  RuleCondition,
  ScriptRule,
  TextMatcher,
} from './types.js';

interface Counted<T> {
  readonly item: T;
  remaining: number;
}

/** Holds the script and the queued failures; decides what answers each request. */
export class ScriptBook {
  #rules: Counted<ScriptRule>[] = [];
  #failures: Counted<EmulatedFailure>[] = [];

  replaceRules(rules: readonly ScriptRule[]): void {
    this.#rules = rules.map((rule) => ({ item: rule, remaining: rule.times ?? Infinity }));
  }

  queueFailure(failure: EmulatedFailure): void {
    this.#failures.push({ item: failure, remaining: failure.times ?? 1 });
  }

  reset(): void {
    this.#rules = [];
    this.#failures = [];
  }

  takeFailure(provider: Provider): EmulatedFailure | undefined {
    const entry = this.#failures.find(({ item }) => item.provider === undefined || item.provider === provider);
    if (entry === undefined) return undefined;
    entry.remaining -= 1;
    if (entry.remaining <= 0) this.#failures.splice(this.#failures.indexOf(entry), 1);
    return entry.item;
  }

  async replyFor(context: ReplyContext): Promise<EmulatorReply> {
    const entry = this.#rules.find(({ item, remaining }) => remaining > 0 && conditionMatches(item.when ?? {}, context));
    if (entry === undefined) return noRuleReply(context);
    entry.remaining -= 1;
    const { reply } = entry.item;
    return typeof reply === 'function' ? reply(context) : reply;
  }
}

function conditionMatches(condition: RuleCondition, context: ReplyContext): boolean {
  if (condition.provider !== undefined && condition.provider !== context.provider) return false;
  if (condition.model !== undefined && !textMatches(condition.model, context.modelId)) return false;
  if (condition.lastUserText !== undefined && !textMatches(condition.lastUserText, context.lastUserText)) return false;
  if (
    condition.afterToolResult !== undefined &&
    !context.toolResults.some((result) => result.name === condition.afterToolResult)
  ) {
    return false;
  }
  return true;
}

function textMatches(matcher: TextMatcher, subject: string | undefined): boolean {
  if (subject === undefined) return false;
  if (typeof matcher === 'string') return subject.includes(matcher);
  matcher.lastIndex = 0; // a /g or /y RegExp is stateful; make every test start from the beginning
  return matcher.test(subject);
}

/** Not an error on purpose: the test then fails on its own assertion, showing what the model was asked. */
function noRuleReply(context: ReplyContext): EmulatorReply {
  if (context.lastUserText !== undefined) return { text: `emulator: no rule for "${context.lastUserText}"` };
  const toolNames = context.toolResults.map((result) => result.name ?? result.toolUseId);
  if (toolNames.length > 0) return { text: `emulator: no rule for tool result(s) of ${toolNames.join(', ')}` };
  return { text: 'emulator: no rule for this request' };
}
