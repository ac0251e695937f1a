-- SPDX-License-Identifier: Apache-2.0
-- Sprig store fixture: schema version 4 with sample data (make-fixtures.py).
PRAGMA foreign_keys = OFF;
BEGIN TRANSACTION;
CREATE TABLE conversations (  id INTEGER PRIMARY KEY,  title TEXT NOT NULL DEFAULT '',  created_at INTEGER NOT NULL,  updated_at INTEGER NOT NULL,  pinned INTEGER NOT NULL DEFAULT 0 CHECK (pinned IN (0, 1)),  archived INTEGER NOT NULL DEFAULT 0 CHECK (archived IN (0, 1)),  deleted_at INTEGER,  model_id TEXT,  system_prompt TEXT,  sampling TEXT CHECK (sampling IS NULL OR json_valid(sampling)),  active_leaf_id INTEGER);
CREATE INDEX conversations_recent  ON conversations (archived, pinned DESC, updated_at DESC, id DESC)  WHERE deleted_at IS NULL;
CREATE INDEX conversations_deleted ON conversations (deleted_at)  WHERE deleted_at IS NOT NULL;
CREATE TABLE messages (  id INTEGER PRIMARY KEY,  conversation_id INTEGER NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,  parent_id INTEGER REFERENCES messages (id) ON DELETE CASCADE,  role TEXT NOT NULL CHECK (role IN ('system', 'user', 'assistant', 'tool')),  status TEXT NOT NULL DEFAULT 'complete'    CHECK (status IN ('complete', 'streaming', 'interrupted', 'error')),  content TEXT NOT NULL DEFAULT '',  reasoning TEXT NOT NULL DEFAULT '',  error TEXT,  model_id TEXT,  created_at INTEGER NOT NULL,  updated_at INTEGER NOT NULL,  prompt_tokens INTEGER NOT NULL DEFAULT 0,  completion_tokens INTEGER NOT NULL DEFAULT 0,  prompt_per_second REAL NOT NULL DEFAULT 0,  tokens_per_second REAL NOT NULL DEFAULT 0, first_token_ms REAL NOT NULL DEFAULT 0, backend TEXT);
CREATE INDEX messages_conversation ON messages (conversation_id, id);
CREATE INDEX messages_parent ON messages (parent_id);
CREATE INDEX messages_streaming ON messages (id) WHERE status = 'streaming';
CREATE TABLE attachments (  id INTEGER PRIMARY KEY,  message_id INTEGER NOT NULL REFERENCES messages (id) ON DELETE CASCADE,  name TEXT NOT NULL,  mime_type TEXT NOT NULL,  data BLOB,  created_at INTEGER NOT NULL);
CREATE INDEX attachments_message ON attachments (message_id);
CREATE TABLE tool_calls (  id INTEGER PRIMARY KEY,  message_id INTEGER NOT NULL REFERENCES messages (id) ON DELETE CASCADE,  position INTEGER NOT NULL,  call_id TEXT,  name TEXT NOT NULL,  arguments TEXT NOT NULL DEFAULT '{}',  result TEXT,  is_error INTEGER NOT NULL DEFAULT 0 CHECK (is_error IN (0, 1)),  created_at INTEGER NOT NULL,  updated_at INTEGER NOT NULL, status TEXT CHECK (status IS NULL OR status IN (  'queued', 'waiting', 'running', 'done', 'failed', 'denied', 'cancelled', 'skipped')),  UNIQUE (message_id, position));
CREATE TABLE tool_permissions (  tool_id TEXT NOT NULL,  definition_hash TEXT NOT NULL,  decision TEXT NOT NULL CHECK (decision IN ('allow', 'deny')),  decided_at INTEGER NOT NULL,  PRIMARY KEY (tool_id, definition_hash)) WITHOUT ROWID;
CREATE VIRTUAL TABLE messages_fts USING fts5 (  content, content = 'messages', content_rowid = 'id', tokenize = 'trigram');
CREATE VIRTUAL TABLE conversations_fts USING fts5 (  title, content = 'conversations', content_rowid = 'id', tokenize = 'trigram');
CREATE TRIGGER messages_fts_insert AFTER INSERT ON messages BEGIN  INSERT INTO messages_fts (rowid, content) VALUES (new.id, new.content);END;
CREATE TRIGGER messages_fts_delete AFTER DELETE ON messages BEGIN  INSERT INTO messages_fts (messages_fts, rowid, content)    VALUES ('delete', old.id, old.content);END;
CREATE TRIGGER messages_fts_update AFTER UPDATE OF content ON messages BEGIN  INSERT INTO messages_fts (messages_fts, rowid, content)    VALUES ('delete', old.id, old.content);  INSERT INTO messages_fts (rowid, content) VALUES (new.id, new.content);END;
CREATE TRIGGER conversations_fts_insert AFTER INSERT ON conversations BEGIN  INSERT INTO conversations_fts (rowid, title) VALUES (new.id, new.title);END;
CREATE TRIGGER conversations_fts_delete AFTER DELETE ON conversations BEGIN  INSERT INTO conversations_fts (conversations_fts, rowid, title)    VALUES ('delete', old.id, old.title);END;
CREATE TRIGGER conversations_fts_update AFTER UPDATE OF title ON conversations BEGIN  INSERT INTO conversations_fts (conversations_fts, rowid, title)    VALUES ('delete', old.id, old.title);  INSERT INTO conversations_fts (rowid, title) VALUES (new.id, new.title);END;
INSERT INTO conversations VALUES (1, '中文对话', 1700000000000000, 1700000300000000, 1, 0, NULL,
  'qwen3-0.6b', '你是一个有帮助的助手。', '{"temperature":0.7,"top_p":0.8}', 4);
INSERT INTO conversations VALUES (2, 'Recette française', 1700000400000000, 1700000500000000,
  0, 1, NULL, 'qwen3-1.7b', NULL, NULL, 6);
INSERT INTO conversations VALUES (3, 'Deleted chat', 1700000600000000, 1700000600000000, 0, 0,
  1700000700000000, NULL, NULL, NULL, 7);
INSERT INTO messages (id, conversation_id, parent_id, role, status, content, reasoning, error, model_id, created_at, updated_at, prompt_tokens, completion_tokens, prompt_per_second, tokens_per_second) VALUES (1, 1, NULL, 'user', 'complete', '什么是智慧密度？', '', NULL, NULL,
  1700000000000000, 1700000000000000, 0, 0, 0, 0);
INSERT INTO messages (id, conversation_id, parent_id, role, status, content, reasoning, error, model_id, created_at, updated_at, prompt_tokens, completion_tokens, prompt_per_second, tokens_per_second) VALUES (2, 1, 1, 'assistant', 'complete', '智慧密度是指单位文字中的洞见。',
  '用户问了一个概念。', NULL, 'qwen3-0.6b', 1700000001000000, 1700000002000000, 9, 15, 310.5, 42.25);
INSERT INTO messages (id, conversation_id, parent_id, role, status, content, reasoning, error, model_id, created_at, updated_at, prompt_tokens, completion_tokens, prompt_per_second, tokens_per_second) VALUES (3, 1, 1, 'assistant', 'error', '', '', 'out of memory', 'qwen3-0.6b',
  1700000003000000, 1700000003000000, 9, 0, 0, 0);
INSERT INTO messages (id, conversation_id, parent_id, role, status, content, reasoning, error, model_id, created_at, updated_at, prompt_tokens, completion_tokens, prompt_per_second, tokens_per_second) VALUES (4, 1, 1, 'assistant', 'streaming', '重新生成的回答', '', NULL,
  'qwen3-0.6b', 1700000004000000, 1700000004000000, 0, 0, 0, 0);
INSERT INTO messages (id, conversation_id, parent_id, role, status, content, reasoning, error, model_id, created_at, updated_at, prompt_tokens, completion_tokens, prompt_per_second, tokens_per_second) VALUES (5, 2, NULL, 'user', 'complete', 'Quelle est l''efficacité du four ?',
  '', NULL, NULL, 1700000400000000, 1700000400000000, 0, 0, 0, 0);
INSERT INTO messages (id, conversation_id, parent_id, role, status, content, reasoning, error, model_id, created_at, updated_at, prompt_tokens, completion_tokens, prompt_per_second, tokens_per_second) VALUES (6, 2, 5, 'assistant', 'complete', 'Son efficacité dépend du modèle.',
  '', NULL, 'qwen3-1.7b', 1700000401000000, 1700000402000000, 20, 8, 200, 30);
INSERT INTO messages (id, conversation_id, parent_id, role, status, content, reasoning, error, model_id, created_at, updated_at, prompt_tokens, completion_tokens, prompt_per_second, tokens_per_second) VALUES (7, 3, NULL, 'user', 'complete', 'gone soon', '', NULL, NULL,
  1700000600000000, 1700000600000000, 0, 0, 0, 0);

INSERT INTO tool_calls (id, message_id, position, call_id, name, arguments, result, is_error, created_at, updated_at) VALUES (1, 6, 0, 'call-1', 'get_time', '{"tz":"Europe/Paris"}', '12:00', 0,
  1700000401500000, 1700000401600000);
INSERT INTO tool_permissions VALUES ('get_time', 'sha256:abc', 'allow', 1700000401400000);

UPDATE messages SET first_token_ms = 84.5, backend = 'cpu' WHERE id IN (2, 6);

INSERT INTO tool_calls VALUES (2, 6, 1, 'call-2', 'read_file', '{"purpose":"recette"}',
  'The user denied this tool call.', 1, 1700000401700000, 1700000401800000, 'denied');
UPDATE tool_calls SET status = 'done' WHERE id = 1;
PRAGMA user_version = 4;
COMMIT;
