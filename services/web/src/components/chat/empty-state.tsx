import { SparkIcon } from '../common/icons.js';

/** The seed's hands-on questions (filesystem, SQLite and thinking servers are preset). */
const STARTER_QUESTIONS = [
  'show all of tables in the db',
  'how many rows in that table',
  'show all of rows in that table',
  'save those rows record into a file, filename is rows.txt',
  'list all of files in the allowed directory',
  'read the content of rows.txt file',
];

export function EmptyState({ onPick, modelName, serverCount, disabled }: { onPick: (question: string) => void; modelName?: string; serverCount: number; disabled?: boolean }) {
  return (
    <div className="empty-state">
      <div className="empty-mark" aria-hidden="true">
        <SparkIcon size={28} />
      </div>
      <h1>What can I help with?</h1>
      <p className="muted">
        {modelName ? `${modelName}` : 'The model'} with {serverCount === 1 ? '1 MCP server' : `${serverCount} MCP servers`} switched on. Try one of these:
      </p>
      <ul className="starter-list">
        {STARTER_QUESTIONS.map((question) => (
          <li key={question}>
            <button type="button" className="starter" onClick={() => onPick(question)} disabled={disabled}>
              {question}
            </button>
          </li>
        ))}
      </ul>
    </div>
  );
}
