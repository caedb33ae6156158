import type { BedrockContentBlock, BedrockMessage, EmulatorReply, ReplyContext, ScriptRule, ToolResultView } from '@bedrock-mcp/test-support';

/** The README's hands-on questions (the seed's section 3.4), in the order a newcomer asks them. */
export const HANDS_ON_QUESTIONS = [
  'show all of tables in the db',
  'how many rows in that table',
  'show all of rows in that table',
  'save those rows record into a file, filename is rows.txt',
  'list all of files in the allowed directory',
  'read the content of rows.txt file',
] as const;

/** The tools a model calls for each question, as the pool's catalog names them (`<server>__<tool>`). */
export const HANDS_ON_TOOL_CALLS: readonly (readonly string[])[] = [
  ['db_sqlite__list_tables'],
  ['db_sqlite__read_query'],
  ['db_sqlite__read_query', 'db_sqlite__read_query', 'db_sqlite__read_query'],
  ['local_fs__write_file'],
  ['local_fs__list_allowed_directories', 'local_fs__list_directory'],
  ['local_fs__read_text_file'],
];

/** Asked by another user: the emulated model tries to read this absolute path. */
export const readPathQuestion = (path: string) => `read the file ${path}`;

interface PastToolCall {
  name: string;
  input: Record<string, unknown>;
  resultText: string;
  isError: boolean;
}

/**
 * Scripts the model emulator to answer the hands-on questions the way a real tool-using model
 * does: it only knows what the conversation it is sent tells it. Table names come from the
 * list_tables result in the history, the rows it saves from the earlier read_query results, the
 * directory it lists from list_allowed_directories — so with keep_session the questions only work
 * when the server kept the history (tool calls and results included), and every answer is built
 * from what the real MCP servers returned.
 */
export function handsOnScript(): ScriptRule[] {
  return [
    // The conversation's title (CONVERSATION_TITLES=model asks the model once, after the first answer).
    { when: { lastUserText: 'Write a title of at most six words for this conversation' }, reply: { text: 'Exploring the demo database' } },
    { when: { lastUserText: HANDS_ON_QUESTIONS[0] }, reply: { text: 'Let me look at the database.', toolUses: [{ name: 'db_sqlite__list_tables', input: {} }] } },
    {
      when: { afterToolResult: 'db_sqlite__list_tables' },
      reply: (context) => {
        const tables = tableNames(lastResultOf(context, 'db_sqlite__list_tables'));
        return { text: `The database has ${tables.length} tables:\n\n${tables.map((table) => `- **${table}**`).join('\n')}` };
      },
    },
    {
      when: { lastUserText: HANDS_ON_QUESTIONS[1] },
      reply: (context) => {
        const tables = knownTables(context);
        const query = tables.map((table) => `SELECT '${table}' AS table_name, COUNT(*) AS row_count FROM ${table}`).join(' UNION ALL ');
        return { text: 'I will count the rows of each table.', toolUses: [{ name: 'db_sqlite__read_query', input: { query } }] };
      },
    },
    {
      when: { lastUserText: HANDS_ON_QUESTIONS[2] },
      reply: (context) => ({
        text: 'Here are the rows of each table.',
        toolUses: knownTables(context).map((table) => ({ name: 'db_sqlite__read_query', input: { query: `SELECT * FROM ${table}` } })),
      }),
    },
    { when: { afterToolResult: 'db_sqlite__read_query' }, reply: answerQueryResults },
    {
      when: { lastUserText: HANDS_ON_QUESTIONS[3] },
      reply: (context) => {
        const filename = /filename is (\S+)/.exec(context.lastUserText ?? '')?.[1] ?? 'rows.txt';
        const content = formatTables(latestTableRows(context));
        return { text: `Saving the rows to ${filename}.`, toolUses: [{ name: 'local_fs__write_file', input: { path: filename, content } }] };
      },
    },
    { when: { afterToolResult: 'local_fs__write_file' }, reply: (context) => ({ text: `Done: ${resultOf(context).text}.` }) },
    { when: { lastUserText: HANDS_ON_QUESTIONS[4] }, reply: { toolUses: [{ name: 'local_fs__list_allowed_directories', input: {} }] } },
    {
      when: { afterToolResult: 'local_fs__list_allowed_directories' },
      reply: (context) => {
        const directory = resultOf(context).text.split('\n').slice(1).find(Boolean);
        if (!directory) return { text: 'No directory is allowed.' };
        return { text: `The allowed directory is ${directory}.`, toolUses: [{ name: 'local_fs__list_directory', input: { path: directory } }] };
      },
    },
    {
      when: { afterToolResult: 'local_fs__list_directory' },
      reply: (context) => {
        const listed = pastToolCalls(context).findLast((call) => call.name === 'local_fs__list_directory');
        const entries = resultOf(context).text.split('\n').filter(Boolean);
        return { text: `${String(listed?.input.path)} holds ${entries.length} entries:\n\n${entries.map((entry) => `- ${entry}`).join('\n')}` };
      },
    },
    { when: { lastUserText: /read the content of (\S+) file/ }, reply: (context) => readFileReply(/read the content of (\S+) file/.exec(context.lastUserText ?? '')?.[1]) },
    { when: { lastUserText: /^read the file (\S+)$/ }, reply: (context) => readFileReply(/^read the file (\S+)$/.exec(context.lastUserText ?? '')?.[1]) },
    {
      when: { afterToolResult: 'local_fs__read_text_file' },
      reply: (context) => {
        const result = resultOf(context);
        if (result.isError) return { text: `I could not read it: ${result.text}` };
        return { text: `Here is the content of the file:\n\n\`\`\`text\n${result.text}\n\`\`\`` };
      },
    },
  ];
}

function readFileReply(path: string | undefined): EmulatorReply {
  if (!path) return { text: 'Which file?' };
  return { toolUses: [{ name: 'local_fs__read_text_file', input: { path } }] };
}

/** Counts (from the UNION ALL query) or rows (one SELECT * per table) as markdown. */
function answerQueryResults(context: ReplyContext): EmulatorReply {
  const calls = pastToolCalls(context).slice(-context.toolResults.length);
  const failed = calls.find((call) => call.isError);
  if (failed) return { text: `The query failed: ${failed.resultText}` };
  const results = calls.map((call) => ({ table: tableOf(call), rows: parseRows(call.resultText) }));
  if (results.length === 1 && results[0]!.rows.every((row) => 'row_count' in row)) {
    const counts = results[0]!.rows;
    return { text: `Rows per table:\n\n| table | rows |\n| --- | ---: |\n${counts.map((row) => `| ${String(row.table_name)} | ${String(row.row_count)} |`).join('\n')}` };
  }
  return { text: results.map(({ table, rows }) => `**${table}** (${rows.length} rows)\n\n${markdownTable(rows)}`).join('\n\n') };
}

function markdownTable(rows: Record<string, unknown>[]): string {
  const columns = Object.keys(rows[0] ?? {});
  const line = (cells: unknown[]) => `| ${cells.map(String).join(' | ')} |`;
  return [line(columns), line(columns.map(() => '---')), ...rows.map((row) => line(columns.map((column) => row[column])))].join('\n');
}

/** What `save those rows` writes: each table's name, its columns, then one line per row. */
function formatTables(tables: { table: string; rows: Record<string, unknown>[] }[]): string {
  return tables
    .map(({ table, rows }) => {
      const columns = Object.keys(rows[0] ?? {});
      return [`${table} (${rows.length} rows)`, columns.join(' | '), ...rows.map((row) => columns.map((column) => String(row[column])).join(' | '))].join('\n');
    })
    .join('\n\n')
    .concat('\n');
}

/** Table names the last list_tables result in the conversation named. */
function knownTables(context: ReplyContext): string[] {
  const listing = pastToolCalls(context).findLast((call) => call.name === 'db_sqlite__list_tables');
  if (!listing) throw new Error('the conversation has no list_tables result (was the history kept?)');
  return tableNames(listing.resultText);
}

/** The rows of the most recent `SELECT * FROM <table>` of each table in the conversation. */
function latestTableRows(context: ReplyContext): { table: string; rows: Record<string, unknown>[] }[] {
  const byTable = new Map<string, Record<string, unknown>[]>();
  for (const call of pastToolCalls(context)) {
    if (call.name !== 'db_sqlite__read_query' || call.isError || !/^SELECT \* FROM /i.test(String(call.input.query))) continue;
    byTable.set(tableOf(call), parseRows(call.resultText));
  }
  if (byTable.size === 0) throw new Error('the conversation has no rows to save (was the history kept?)');
  return [...byTable].map(([table, rows]) => ({ table, rows }));
}

function tableOf(call: PastToolCall): string {
  return /FROM (\w+)\s*$/i.exec(String(call.input.query))?.[1] ?? 'result';
}

function tableNames(listTablesResult: string): string[] {
  return parseRows(listTablesResult).map((row) => String(row.name));
}

function parseRows(text: string): Record<string, unknown>[] {
  const parsed: unknown = JSON.parse(text);
  if (!Array.isArray(parsed)) throw new Error(`expected a JSON array of rows, got: ${text.slice(0, 200)}`);
  return parsed as Record<string, unknown>[];
}

function resultOf(context: ReplyContext): ToolResultView {
  const result = context.toolResults.at(-1);
  if (!result) throw new Error('no tool result in the last message');
  return result;
}

function lastResultOf(context: ReplyContext, name: string): string {
  const result = context.toolResults.findLast((candidate) => candidate.name === name);
  if (!result) throw new Error(`no ${name} result in the last message`);
  return result.text;
}

/** Every tool call of the conversation the model was sent, paired with its result, oldest first. */
function pastToolCalls(context: ReplyContext): PastToolCall[] {
  if (context.request.provider !== 'bedrock') throw new Error('the hands-on script answers Bedrock requests only');
  const messages: BedrockMessage[] = context.request.body.messages ?? [];
  const blocks: BedrockContentBlock[] = messages.flatMap((message) => message.content);
  const results = new Map(blocks.flatMap((block) => (block.toolResult ? [[block.toolResult.toolUseId, block.toolResult] as const] : [])));
  return blocks.flatMap((block) => {
    if (!block.toolUse) return [];
    const result = results.get(block.toolUse.toolUseId);
    if (!result) return [];
    const resultText = (result.content ?? []).map((part) => part.text ?? (part.json === undefined ? '' : JSON.stringify(part.json))).join('\n');
    return [{ name: block.toolUse.name, input: (block.toolUse.input ?? {}) as Record<string, unknown>, resultText, isError: result.status === 'error' }];
  });
}
